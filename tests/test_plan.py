"""Multi-year plans: hand-derived optima with real HiGHS solves, and properties of the stochastic plan.

Every hand-derived case has one role (clinical pharmacist, cost £50,000 a WTE, 1,000 medication-review
contacts a WTE-year, valued as contacts), no discounting, no list or demand growth, need far above supply,
so the value of a year is 1,000 × the WTE-years worked in it.

A pay award a re-costs the salary under the on-cost rules (pension 14.38%, NI 15% above £5,000 in 2025/26 and
2026/27): cost = 1.2938 × salary − 750, so next year's cost is (1 + a) × (cost + 750) − 750. With a = 25%:
C1 = 1.25 × 50,750 − 750 = £62,687.50 a WTE.
"""

from __future__ import annotations

import dataclasses

import pytest

from optimiser.pipeline import optimise
from optimiser.plan import make_plan, solve_plan
from optimiser.plan_inputs import FORECAST, prepare_plan
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario
from tests.helpers import small_scenario
from tests.test_scenario_files import EXAMPLES

CP = "clinical_pharmacist"
FLAT = {"discount_rate_percent": 0, "list_growth_percent": 0, "pay_award_afc_percent": 0,
        "arrs_pot_growth_percent": 0, "leaving_rate_percent": {CP: 0}, "recruitment_lead_time_months": 0}


def plan_scenario(*, arrs_sum: float, top_up: float = 0, horizon: int, growth: dict | None = None,
                  futures: dict | None = None, **cp_settings):
    scenario = small_scenario({CP: {"medication_review": 1000}}, arrs_sum=arrs_sum, top_up=top_up,
                              policy={"valuation": "contacts"}, **{CP: {"cost_per_wte_gbp": 50_000, **cp_settings}})
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    return parse_scenario({**data, "horizon": horizon, "growth": {**FLAT, **(growth or {})}, "futures": futures or {}}, "plan")


C1 = 1.25 * 50_750 - 750
FUNDING_FUTURES = {
    "funded": {"probability": 0.5, "description": "the pay award is funded", "growth": {"pot_follows_pay_award": True}},
    "frozen": {"probability": 0.5, "description": "the ARRS sum is frozen", "arrs_frozen_from": "2026/27"},
}


def first_year_new(result) -> float:
    return result.first_year_decisions()[CP][0]


def test_hiring_the_second_post_now_is_worth_it_only_if_funding_grows():
    """Two years; ARRS £100,000 (2 WTE this year); a 25% pay award takes next year's cost to C1; no top-up.

    Funded (the sum follows the award to £125,000): staff cannot be cut, so next year's C1 × W ≤ 125,000 holds
    this year's hiring to 125,000 / C1 = 1.994 WTE (the fixed NI threshold makes costs rise a little faster than
    the award); value 2 × 1,000 × 125,000 / C1. Frozen (£100,000): 100,000 / C1 = 1.595 WTE now and next year.
    Both at 50%: the first year is shared; the frozen future caps it at 100,000 / C1, and the funded one tops up
    to 125,000 / C1 next year: value 1,000 × (1.5 × 100,000 + 0.5 × 125,000) / C1. Knowing the future first
    gives 0.5 × the funded plan + 0.5 × the frozen plan: worth 500 × 25,000 / C1 = 199.4 contacts more.
    """
    growth = {"pay_award_afc_percent": 25}
    funded = make_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=growth, futures={"funded": {**FUNDING_FUTURES["funded"], "probability": 1}}))
    frozen = make_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=growth, futures={"frozen": {**FUNDING_FUTURES["frozen"], "probability": 1}}))
    assert first_year_new(funded) == pytest.approx(125_000 / C1) and funded.solution.care == pytest.approx(2000 * 125_000 / C1)
    assert first_year_new(frozen) == pytest.approx(100_000 / C1) and frozen.solution.care == pytest.approx(2000 * 100_000 / C1)

    both = make_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=growth, futures=FUNDING_FUTURES))
    assert first_year_new(both) == pytest.approx(100_000 / C1)
    assert both.solution.care == pytest.approx(1000 * (1.5 * 100_000 + 0.5 * 125_000) / C1)
    assert both.comparisons.wait_and_see == pytest.approx(1000 * (125_000 + 100_000) / C1)
    assert both.comparisons.value_of_knowing_the_future == pytest.approx(500 * 25_000 / C1) == pytest.approx(199.4, abs=0.05)
    years = both.years().set_index(["future", "year"])
    assert years.at[("funded", "2026/27"), "total_wte"] == pytest.approx(125_000 / C1)
    assert years.at[("frozen", "2026/27"), "arrs_unspent_gbp_per_year"] == pytest.approx(0, abs=0.01)


def test_the_robust_plan_hires_less_than_the_expected_value_plan():
    """As above with a top-up budget of £12,500 a year, which can pay posts wholly (at £50,000 this year, C1 next).

    Robust (own money within £12,500 in every future): frozen next year C1 × W ≤ 112,500, so 112,500 / C1 = 1.795
    WTE now; funded next year C1 × W ≤ 137,500. Value 1,000 × (1.5 × 112,500 + 0.5 × 137,500) / C1 = 3,788.6.
    Expected value (own money within £12,500 on average over the futures): the funded future can hold 125,000 / C1
    at no own money; raising this year's WTE w with both futures following costs 0.5 × C1 a WTE in expectation
    (the frozen future) for 1.5 of value, better than anything else, until 0.5 × (C1 × w − 100,000) = 12,500,
    i.e. w = 125,000 / C1 = 1.994 WTE: value 2 × 1,000 × w = 3,988.0. The frozen future then needs
    C1 × w − 100,000 = £25,000 of own money, £12,500 beyond the budget. The verdict lays that on the last of this
    year's posts (0.994 WTE, whose whole cost C1 × 0.994 = £62,313 exceeds it): the first post stays within it.
    """
    scenario = plan_scenario(arrs_sum=100_000, top_up=12_500, horizon=2, growth={"pay_award_afc_percent": 25},
                             futures=FUNDING_FUTURES)
    robust, expected = make_plan(scenario, mode="robust"), make_plan(scenario, mode="expected")
    assert first_year_new(robust) == pytest.approx(112_500 / C1)
    assert robust.solution.care == pytest.approx(1000 * (1.5 * 112_500 + 0.5 * 137_500) / C1) == pytest.approx(3788.6, abs=0.05)
    assert first_year_new(expected) == pytest.approx(125_000 / C1)
    assert expected.solution.care == pytest.approx(2000 * 125_000 / C1) == pytest.approx(3988.0, abs=0.05)
    years = expected.years().set_index(["future", "year"])
    assert years.at[("frozen", "2026/27"), "own_money_gbp_per_year"] == pytest.approx(25_000)
    assert years.at[("frozen", "2026/27"), "own_money_over_budget_gbp_per_year"] == pytest.approx(12_500)
    assert robust.verdict() == "Hiring 1.8 WTE clinical pharmacist now stays within the top-up budget in every future."
    assert expected.verdict() == (
        "Hiring 2.0 WTE clinical pharmacist now: the first post (1.0 WTE clinical pharmacist) stays within the top-up "
        "budget in every future; the second, 1.0 WTE clinical pharmacist, needs £12.5k of own money a year beyond the "
        "top-up budget from 2026/27 if the ARRS sum is frozen (chance 50%).")


def test_attrition_forces_replacement_hiring():
    """2 WTE in post, ARRS £100,000 (exactly 2 WTE), 20% leave a year, three years.

    Year 1: 2 WTE, nothing new. Years 2 and 3: 2 × 0.8 = 1.6 kept, so 0.4 WTE is hired each year to stay at 2.
    """
    plan = make_plan(plan_scenario(arrs_sum=100_000, horizon=3, growth={"leaving_rate_percent": {CP: 20}}, in_post_wte=2))
    mix = plan.mix().set_index("year")
    assert list(mix["new_wte"]) == pytest.approx([0, 0.4, 0.4])
    assert list(mix["leaving_wte"]) == pytest.approx([0, 0.4, 0.4])
    assert list(mix["total_wte"]) == pytest.approx([2, 2, 2])
    assert plan.solution.care == pytest.approx(6000)


def test_first_year_posts_claim_only_from_their_start_month():
    """1 WTE in post, ARRS £150,000, at most 2 new WTE, a 3-month lead time: new posts work 9 of 12 months.

    This year: 1 + 0.75 × 2 = 2.5 WTE-years, claims 2.5 × 50,000 = £125,000, £25,000 of ARRS unspent.
    """
    plan = make_plan(plan_scenario(arrs_sum=150_000, horizon=1, growth={"recruitment_lead_time_months": 3},
                                   in_post_wte=1, max_new_wte=2))
    year = plan.years().iloc[0]
    assert first_year_new(plan) == pytest.approx(2)
    assert year["arrs_claimed_gbp_per_year"] == pytest.approx(125_000) and year["arrs_unspent_gbp_per_year"] == pytest.approx(25_000)
    assert plan.solution.care == pytest.approx(2500)
    assert "3-month recruitment lead time (in post 9 of 12 months): £25k of the ARRS sum" in plan.first_year_forecast()


SCARCE_SUPERVISION = {"available": {"gp": {"hours_per_week": 1, "gbp_per_hour": 90}, "roadmap_supervisor": {"hours_per_week": 0.5}}}
"""Fewer supervision hours than the rural and urban examples' mixes use: GP hours are bought, roadmap hours run out."""
ONE_YEAR_CASES = [(p, None) for p in EXAMPLES if "plan" not in p.name] + [
    (p, SCARCE_SUPERVISION) for p in EXAMPLES if p.stem in ("rural-2026-27", "urban-deprived-2026-27")]


@pytest.mark.parametrize(("path", "supervision"), ONE_YEAR_CASES, ids=lambda c: getattr(c, "stem", None) or ("supervision" if c else ""))
def test_a_plan_of_one_year_equals_solve(path, supervision):
    """Horizon 1 with posts in post all year (the single-year rules): the same answer as `solve`, also where
    supervision hours limit the mix and some are bought.

    The same care and the same cost; where several mixes tie on both (the large example), either may be returned,
    so the mixes are compared in total and checked against each other's rules, not role by role.
    """
    data = load_scenario(path).model_dump(mode="json", exclude_defaults=True)
    scenario = parse_scenario({**data, "supervision": supervision} if supervision else data, "one year")
    one_year = parse_scenario({**scenario.model_dump(mode="json", exclude_defaults=True), "horizon": 1,
                               "growth": {"recruitment_lead_time_months": 0}}, "plan")
    plan, single = make_plan(one_year), optimise(scenario)
    if supervision:
        assert any(name.startswith("supervision[") for name in single.binding_constraints().index)
    assert plan.solution.care == pytest.approx(single.solution.care, rel=1e-7)
    year, summary = plan.years().iloc[0], single.summary()
    assert year["total_cost_gbp_per_year"] == pytest.approx(single.solution.total_cost_gbp, rel=1e-7)
    assert year["total_wte"] == pytest.approx(summary["total_wte"], abs=1e-4)
    assert year["arrs_claimed_gbp_per_year"] == pytest.approx(summary["arrs_claimed_gbp_per_year"], abs=1)
    assert year["own_money_gbp_per_year"] == pytest.approx(summary["top_up_used_gbp_per_year"], abs=1)


def test_supervision_binds_in_the_second_year_after_the_sum_grows():
    """Two years; ARRS £100,000 this year (2 WTE), doubled next year (£200,000: 4 WTE); a clinical pharmacist needs 0.5
    hours a week of senior pharmacist supervision per WTE, and 1.5 hours a week are available: 3 WTE at most.

    Year 1: money binds at 2 WTE (1.0 hour of supervision). Year 2: supervision binds at 3 WTE, below the 4 the money
    pays for; one more hour a week would supervise 2 more WTE, 2,000 contacts. Value 1,000 × (2 + 3) = 5,000.
    With hours at £50 and a top-up budget of £1,300 a year (0.5 hours a week for 52 weeks), year 2 buys the 0.5 hours
    the 4th WTE needs (own-funding a post costs £50,000 a WTE, buying its supervision £1,300). Year 1 has no hours to buy
    (its 1.0 hour fits) and pays 1,300 / 50,000 = 0.026 WTE wholly from own money: 2.026 WTE, then 4 WTE, value 6,026.
    """
    needs = {CP: {"hours_per_week_per_wte": 0.5}}
    growth = {"arrs_pot_growth_percent": 100}

    def with_supervision(available, top_up=0.0):
        data = plan_scenario(arrs_sum=100_000, top_up=top_up, horizon=2, growth=growth).model_dump(mode="json", exclude_defaults=True)
        return parse_scenario({**data, "supervision": {"available": {"senior_pharmacist": available}, "needs": needs}}, "plan")

    plan = make_plan(with_supervision({"hours_per_week": 1.5}))
    assert list(plan.mix()["total_wte"]) == pytest.approx([2, 3])
    assert plan.solution.care == pytest.approx(5000)
    limits = plan.limits().set_index(["year", "family"])
    assert ("2025/26", "supervision") not in limits.index
    assert limits.at[("2026/27", "supervision"), "care_value_per_unit"] == pytest.approx(2000)
    assert limits.at[("2026/27", "supervision"), "limit"] == "senior pharmacist supervision is fully used"
    assert limits.at[("2025/26", "arrs_budget"), "care_value_per_unit"] == pytest.approx(1000 / 50_000 * 1000)

    bought = make_plan(with_supervision({"hours_per_week": 1.5, "gbp_per_hour": 50}, top_up=1300))
    assert list(bought.mix()["total_wte"]) == pytest.approx([2.026, 4])
    assert bought.solution.care == pytest.approx(6026)
    assert bought.solution.value(bought.model.bought_supervision["senior_pharmacist", 1, FORECAST]) == pytest.approx(0.5)
    assert list(bought.years()["own_money_gbp_per_year"]) == pytest.approx([1300, 1300])


# ---------------------------------------------------------------- properties

EXAMPLE_PLAN = load_scenario(next(p for p in EXAMPLES if "plan" in p.name))


def short(scenario, **update):
    """Four years of the example plan as an LP (no minimum post size), to keep the many solves quick."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["policy"] = {**data.get("policy", {}), "min_post_wte": 0}
    return parse_scenario({**data, "horizon": 4, **update}, "plan")


def test_a_future_with_probability_zero_changes_nothing():
    futures = {"unfunded": {"probability": 1.0}}
    with_zero = {**futures, "gone": {"probability": 0.0, "arrs_ends_from": "2026/27", "description": "no ARRS"}}
    a = make_plan(short(EXAMPLE_PLAN, futures=futures), compare=False)
    b = make_plan(short(EXAMPLE_PLAN, futures=with_zero), compare=False)
    assert b.solution.care == pytest.approx(a.solution.care, rel=1e-9)
    assert b.solution.total_cost_gbp == pytest.approx(a.solution.total_cost_gbp, rel=1e-9)
    columns = ["total_wte", "arrs_claimed_gbp_per_year", "own_money_gbp_per_year", "care_value_per_year"]  # roles that tie (paramedic, PA) may swap
    kept = b.years()[b.years()["future"] == "unfunded"].reset_index(drop=True)
    assert kept[columns].to_numpy() == pytest.approx(a.years()[columns].to_numpy(), rel=1e-6, abs=1e-3)
    for mode in ("robust", "expected"):  # an impossible future never binds, even in a robust plan
        assert make_plan(short(EXAMPLE_PLAN, futures=with_zero), mode=mode, compare=False).solution.care == pytest.approx(a.solution.care, rel=1e-9)


def test_a_future_that_cannot_happen_never_makes_a_plan_unsolvable():
    """With no top-up budget, a future where the ARRS sum ends could not pay the staff in post (it is unsolvable on
    its own); at probability 0 it is left out, so the plan is the plan of the other future alone."""
    data = EXAMPLE_PLAN.model_dump(mode="json", exclude_defaults=True)
    data["money"] = {**data.get("money", {}), "top_up_budget_gbp": 0}
    futures = {"unfunded": {"probability": 1.0}}
    gone = {**futures, "gone": {"probability": 0.0, "arrs_ends_from": "2026/27", "description": "no ARRS"}}
    alone = make_plan(short(parse_scenario(data, "plan"), futures=futures), compare=False)
    with_gone = make_plan(short(parse_scenario(data, "plan"), futures=gone), compare=False)
    assert with_gone.solution.care == pytest.approx(alone.solution.care, rel=1e-9)
    assert set(with_gone.years()["future"]) == {"unfunded"}


def test_a_single_future_equals_the_deterministic_plan():
    growth = {"pay_award_afc_percent": 4, "arrs_pot_growth_percent": 1}
    deterministic = make_plan(short(EXAMPLE_PLAN, futures={}, growth=growth))
    single = make_plan(short(EXAMPLE_PLAN, futures={"only": {"probability": 1, "growth": growth}}))
    assert single.solution.care == pytest.approx(deterministic.solution.care, rel=1e-9)
    assert single.mix()["total_wte"].tolist() == pytest.approx(deterministic.mix()["total_wte"].tolist(), abs=1e-6)


@pytest.mark.parametrize("mode", ["expected", "robust"])
def test_more_money_in_any_year_never_reduces_value(mode):
    inputs = prepare_plan(short(EXAMPLE_PLAN))
    _, before = solve_plan(inputs, mode)
    for key, period in inputs.periods.items():
        if key[1] != "frozen":  # every year, in the future where money is shortest
            continue
        for change in ({"arrs_sums_gbp": {p: s + 50_000 for p, s in period.arrs_sums_gbp.items()}},
                       {"top_up_budget_gbp": period.top_up_budget_gbp + 50_000}):
            richer = dataclasses.replace(inputs, periods={**inputs.periods, key: dataclasses.replace(period, **change)})
            _, after = solve_plan(richer, mode)
            assert after.care >= before.care - 1e-7 * abs(before.care), (key, change)


def test_knowing_the_future_is_never_worth_less_than_nothing():
    for mode in ("expected", "robust"):
        plan = make_plan(short(EXAMPLE_PLAN), mode=mode)
        assert plan.comparisons.wait_and_see >= plan.comparisons.here_and_now - 1e-6
        if plan.comparisons.single_forecast is not None:
            assert plan.comparisons.single_forecast <= plan.comparisons.here_and_now + 1e-6


def test_plan_tables_read_wte_by_the_results_rule():
    """The urban example's plan (five years, one forecast) leaves its paramedics at 0.656109 WTE in 2030/31: the
    0.6561 kept from 2029/30 and 9e-06 WTE new, the solver's tolerance (HiGHS meets each row to about 1e-7 of its
    scaled size). Read by the rule a one-year result reads its mix with (`at_bounds`, STAFFED_WTE), that is no new
    post and the year ends with the WTE kept; so in every table no new, reduced or own-funded WTE lies between 0 and
    STAFFED_WTE, nor staff at a year's end that close to those kept."""
    from optimiser.results.numbers import STAFFED_WTE

    [urban] = [p for p in EXAMPLES if p.stem == "urban-deprived-2026-27"]
    plan = make_plan(load_scenario(urban), compare=False)
    mix = plan.mix().set_index(["future", "year", "role"])
    assert mix.loc[("forecast", "2030/31", "paramedic"), ["total_wte", "new_wte"]].tolist() == [0.6561, 0.0]
    roles = plan.role_years()
    for column in ("new_wte", "reduced_wte", "own_funded_wte"):
        assert not roles[column].between(1e-12, STAFFED_WTE).any(), column
    assert not (roles["total_wte"] - roles["in_post_wte"]).abs().between(1e-12, STAFFED_WTE).any()
    assert not plan.mix()["new_wte"].between(1e-12, STAFFED_WTE).any()
