"""Equal-share valuation in multi-year plans: the lowest share of need met, over every year and future that can
happen, is raised first, then the care score; a hand-derived two-category case and a property. Real HiGHS solves."""

from __future__ import annotations

import pytest

from optimiser.plan import make_plan
from optimiser.scenario_problems import parse_scenario
from tests.helpers import small_scenario
from tests.test_plan import CP, EXAMPLE_PLAN, FLAT, short

NEEDS = {"medication_review": 2_500, "urgent_same_day": 1_250}


def two_needs(valuation: str, futures: dict | None = None):
    """A clinical pharmacist at £50,000 a WTE: 1,000 medication reviews or 500 same-day contacts a WTE-year.
    ARRS £100,000 this year, 20% more next year (pay unchanged), no top-up, two years, no discounting."""
    scenario = small_scenario({CP: {"medication_review": 1000, "urgent_same_day": 500}}, arrs_sum=100_000,
                              demand=NEEDS, policy={"valuation": valuation}, **{CP: {"cost_per_wte_gbp": 50_000}})
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    growth = {**FLAT, "arrs_pot_growth_percent": 20, "demand_growth_percent": dict.fromkeys(NEEDS, 0)}
    return parse_scenario({**data, "horizon": 2, "growth": growth, "futures": futures or {}}, "plan")


def shares(plan) -> dict[tuple[str, str], float]:
    care = plan.care()
    care = care[care["category"].isin(NEEDS)]
    return {(row.year, row.category): row.share_met for row in care.itertuples()}


def test_equal_share_holds_every_need_at_the_same_share_in_the_short_year():
    """Each need is 2.5 WTE-years of clinical time (2,500 / 1,000 and 1,250 / 500): 5 in all. Priorities: medication
    reviews 1, same-day 1.5, so the score gives 100 / (1 × 2.5 + 1.5 × 2.5) = 16 points a priority-weighted WTE-year;
    the curve's slopes 4 : 2 : 1 over shares 0–0.5, 0.5–0.8, 0.8–1 are 1/0.7, 1/1.4 and 1/2.8 once f(1) = 1.
    Staff: 2 WTE this year (£100,000), 2.4 WTE next year (£120,000).

    Equal-share: the lowest share over both years is at most 2 / 5 = 0.4 (this year); both needs get exactly 0.4,
    scoring 100 × f(0.4) = 100 × 0.4 / 0.7 = 57.142857. Next year the extra 0.4 WTE goes where a WTE scores most
    with both needs held at 0.4 or more: same-day up to 0.5 (0.25 WTE at 16 × 1.5 / 0.7 = 34.3 points a WTE), then
    medication reviews (0.15 WTE at 16 / 0.7 = 22.9, above same-day's 16 × 1.5 / 1.4 = 17.1): shares 0.46 and 0.5,
    scoring 16 × (2.5 × 0.46 + 3.75 × 0.5) / 0.7 = 69.142857. Plan: 126.285714.
    Share (for contrast): this year same-day first to 0.5 (1.25 WTE), then 0.75 WTE to medication reviews (0.3),
    scoring 16 × (2.5 × 0.3 + 3.75 × 0.5) / 0.7 = 60; next year as above: 129.142857, more care but less even.
    """
    equal, share = make_plan(two_needs("equal-share")), make_plan(two_needs("share"))
    assert equal.first_year_decisions()[CP][0] == pytest.approx(2)
    assert shares(equal) == pytest.approx({("2025/26", "medication_review"): 0.4, ("2025/26", "urgent_same_day"): 0.4,
                                           ("2026/27", "medication_review"): 0.46, ("2026/27", "urgent_same_day"): 0.5}, abs=1e-6)
    years = equal.years().set_index("year")["care_value_per_year"]
    assert list(years) == pytest.approx([100 * 0.4 / 0.7, 16 * (2.5 * 0.46 + 3.75 * 0.5) / 0.7], rel=1e-6)
    assert equal.solution.care == pytest.approx(126.285714, rel=1e-6)
    assert shares(share)[("2025/26", "medication_review")] == pytest.approx(0.3, abs=1e-6)
    assert share.solution.care == pytest.approx(129.142857, rel=1e-6)


def test_a_future_with_probability_zero_changes_nothing_under_equal_share():
    """A future that cannot happen takes no part in the lowest share, nor in the care, in either mode."""
    def planned(futures, mode):
        scenario = short(EXAMPLE_PLAN, futures=futures)
        data = scenario.model_dump(mode="json", exclude_defaults=True)
        data["policy"] = {**data.get("policy", {}), "valuation": "equal-share"}
        return make_plan(parse_scenario(data, "plan"), mode=mode, compare=False)

    futures = {"unfunded": {"probability": 1.0}}
    gone = {**futures, "gone": {"probability": 0.0, "arrs_ends_from": "2026/27", "description": "no ARRS"}}
    for mode in ("expected", "robust"):
        a, b = planned(futures, mode), planned(gone, mode)
        assert b.solution.care == pytest.approx(a.solution.care, rel=1e-7), mode
        assert b.solution.total_cost_gbp == pytest.approx(a.solution.total_cost_gbp, rel=1e-7), mode
        lowest = {plan.solution.value(plan.model.lowest_share) for plan in (a, b)}
        assert max(lowest) - min(lowest) < 1e-6 and min(lowest) > 0, (mode, lowest)
        kept = b.years()[b.years()["future"] == "unfunded"].reset_index(drop=True)
        columns = ["total_wte", "own_money_gbp_per_year", "need_met_share", "care_value_per_year"]
        assert kept[columns].to_numpy() == pytest.approx(a.years()[columns].to_numpy(), rel=1e-6, abs=1e-3), mode
