"""The single-forecast comparison: the plan made for the most likely future alone, its first-year hiring then held in
the plan made for every future (the same LP with only the first year's column bounds changed). Real HiGHS solves;
the cases are those of test_plan.py (one role, contacts valued, no discounting, C1 the next year's cost a WTE)."""

from __future__ import annotations

import pytest

from optimiser.plan import _solved, holding_first_year, make_plan, solve_plan
from optimiser.plan_inputs import prepare_plan
from optimiser.plan_results import PlanResult
from tests.test_plan import C1, CP, EXAMPLE_PLAN, FUNDING_FUTURES, plan_scenario

GROWTH = {"pay_award_afc_percent": 25}


def _funding(funded: float) -> dict:
    return {"funded": {**FUNDING_FUTURES["funded"], "probability": funded},
            "frozen": {**FUNDING_FUTURES["frozen"], "probability": round(1 - funded, 9)}}


def test_the_frozen_forecast_hires_what_the_plan_hires_and_costs_nothing():
    """Frozen 60%, funded 40%; ARRS £100,000, no top-up, staff cannot be cut. The frozen forecast alone hires
    100,000 / C1 (next year's cost must fit the frozen sum), as the plan for both does. Held in both futures: the first
    year 1,000 × 100,000 / C1; next year frozen stays at 100,000 / C1, funded tops up to 125,000 / C1. Care by future
    1,000 × 200,000 / C1 and 1,000 × 225,000 / C1; expected 1,000 × (100,000 + 0.6 × 100,000 + 0.4 × 125,000) / C1
    = 1,000 × 210,000 / C1, the plan's own: a single forecast costs nothing here (but the care stage 2 may give up)."""
    plan = make_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=GROWTH, futures=_funding(0.4)))
    compared = plan.comparisons
    assert compared.forecast == "frozen"
    assert compared.forecast_hiring == {CP: pytest.approx(100_000 / C1)}
    assert compared.single_forecast == pytest.approx(1000 * 210_000 / C1) == pytest.approx(plan.solution.care)
    assert compared.single_forecast_by_future == {"frozen": pytest.approx(1000 * 200_000 / C1),
                                                  "funded": pytest.approx(1000 * 225_000 / C1)}
    assert compared.cost_of_a_single_forecast <= 1e-9 * plan.solution.care  # stage 2 may give up 1e-9 of the care


def test_the_funded_forecast_cannot_be_kept_if_the_sum_is_frozen():
    """Funded 60%: the funded forecast alone hires 125,000 / C1, which next year costs £125,000 against a frozen
    £100,000 with no top-up and no cuts: no plan keeps it in every future, so there is no single-forecast value."""
    plan = make_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=GROWTH, futures=_funding(0.6)))
    compared = plan.comparisons
    assert compared.forecast == "funded" and compared.forecast_hiring == {CP: pytest.approx(125_000 / C1)}
    assert compared.single_forecast is None and compared.single_forecast_by_future == {}
    assert compared.cost_of_a_single_forecast is None


@pytest.mark.parametrize("mode", ["expected", "robust"])
def test_holding_a_plans_own_first_year_gives_back_its_care(mode):
    """The example plan (minimum post size: whether each role recruits is a yes/no column) with its own first-year
    hiring held: the same care, and the first year's new and reduced WTE exactly as held."""
    model, solution = solve_plan(prepare_plan(EXAMPLE_PLAN), mode)
    assert model.new_post_col is not None and (model.new_post_col >= 0).any()
    own = PlanResult(model=model, solution=solution).first_year_decisions()
    held = _solved(model, holding_first_year(model, own), None, held=True)
    assert held.care == pytest.approx(solution.care, rel=1e-7)
    assert PlanResult(model=model, solution=held).first_year_decisions() == own


def test_a_wait_and_see_plan_has_no_one_first_year_to_hold():
    model, _ = solve_plan(prepare_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=GROWTH, futures=_funding(0.4))),
                          shared_first_year=False)
    with pytest.raises(ValueError, match="no one first year"):
        holding_first_year(model, {CP: (1.0, 0.0)})


def test_the_forecast_is_the_most_likely_future_and_the_first_listed_on_ties():
    tie = prepare_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=GROWTH, futures=FUNDING_FUTURES))
    assert tie.futures == ["funded", "frozen"] and tie.most_likely == "funded"
    assert prepare_plan(plan_scenario(arrs_sum=100_000, horizon=2, growth=GROWTH, futures=_funding(0.4))).most_likely == "frozen"
