"""Supervision capacity: hand-derived limits, hours bought from the top-up, hours reported, bad input refused."""

from __future__ import annotations

import pytest

from optimiser.errors import ScenarioError
from optimiser.explain import InfeasibleScenario
from optimiser.pipeline import optimise
from optimiser.scenario_problems import parse_scenario
from tests.helpers import check_result, small_scenario

PHARMACIST = "clinical_pharmacist"


def with_supervision(scenario, **supervision):
    return parse_scenario({**scenario.model_dump(exclude_none=True), "supervision": supervision})


def pharmacists(**kwargs):
    return small_scenario({PHARMACIST: {"medication_review": 1000}}, **kwargs)


NEEDS = {PHARMACIST: {"hours_per_week_per_wte": 0.5}}


def test_supervision_hours_limit_the_mix_and_one_more_hour_is_valued():
    """0.5 h a week of senior pharmacist time per WTE, 1 h available: at most 2.0 WTE (money and rooms are ample).
    One more hour a week supervises 2 more WTE, i.e. 2 × 1,000 = 2,000 more contacts a year."""
    result = optimise(with_supervision(pharmacists(), available={"senior_pharmacist": {"hours_per_week": 1}}, needs=NEEDS))
    assert result.mix().at[PHARMACIST, "total_wte"] == pytest.approx(2.0)
    row = result.binding_constraints().loc["supervision[senior_pharmacist]"]
    assert row["marginal_value"] == pytest.approx(2000)
    assert "one more hour of senior pharmacist supervision a week would deliver about 2,000 weighted contacts" in row["explanation"]
    assert check_result(result) == []


def test_supervision_can_be_bought_from_the_top_up():
    """£50 an hour, £2,600 of top-up = 1 hour a week for 52 weeks: 2 hours in all, so 4.0 WTE. Spending the £2,600 on
    a post paid wholly by the PCN instead would buy 0.04 WTE, far less."""
    scenario = with_supervision(pharmacists(top_up=52 * 50), available={"senior_pharmacist": {"hours_per_week": 1, "gbp_per_hour": 50}},
                                needs=NEEDS)
    result = optimise(scenario)
    assert result.mix().at[PHARMACIST, "total_wte"] == pytest.approx(4.0)
    supervision = result.supervision()
    assert supervision.at["senior_pharmacist", "bought_hours_per_week"] == pytest.approx(1.0)
    assert result.money().at["Top-up used: supervision bought", "gbp_per_year"] == pytest.approx(2600)
    assert check_result(result) == []


def test_without_capacity_the_hours_needed_are_still_reported():
    """Default need for a clinical pharmacist: 0.23 h a week per WTE (monthly, 1 hour assumed); 3 WTE → 0.69 h."""
    result = optimise(pharmacists(arrs_sum=3 * 60_000, clinical_pharmacist={"cost_per_wte_gbp": 60_000}))
    assert result.mix().at[PHARMACIST, "total_wte"] == pytest.approx(3.0)
    table = result.supervision()
    assert table.at["senior_pharmacist", "needed_hours_per_week"] == pytest.approx(0.69)
    assert table["available_hours_per_week"].isna().all()


def test_staff_in_post_needing_more_supervision_than_there_is_is_a_conflict():
    scenario = with_supervision(pharmacists(clinical_pharmacist={"in_post_wte": 3}),
                                available={"senior_pharmacist": {"hours_per_week": 1}}, needs=NEEDS)
    with pytest.raises(InfeasibleScenario) as raised:
        optimise(scenario)
    assert raised.value.conflicts.at["supervision[senior_pharmacist]", "shortfall"] == pytest.approx(0.5)
    assert "need 1.5 hours a week of senior pharmacist supervision but 1.0 are available" in str(raised.value)


@pytest.mark.parametrize("supervision, message", [
    ({"available": {"gp": {"hours_per_week": -1}}}, "supervision.available.gp.hours_per_week is -1 hours a week; give 0 to 1,000"),
    ({"available": {"gps": {"hours_per_week": 1}}}, "supervision.available: 'gps' is not a supervising profession; did you mean 'gp'?"),
    ({"needs": {PHARMACIST: {"hours_per_week_per_wte": -0.5}}},
     "supervision.needs.clinical_pharmacist.hours_per_week_per_wte is -0.5 hours a week per WTE; give 0 to 40"),
])
def test_bad_supervision_input_names_the_field(supervision, message):
    with pytest.raises(ScenarioError) as raised:
        with_supervision(pharmacists(), **supervision)
    assert message in str(raised.value)
