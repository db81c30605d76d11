"""A scenario's own rules: co-funding tables, custom roles, overrides of a role's maximum and share, cost from salary,
the default year, and the year-aware capability table. Real HiGHS solves; optima derived by hand."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import current_year
from optimiser.errors import ScenarioError
from optimiser.inputs import prepare
from optimiser.pipeline import optimise
from optimiser.scenario_io import scenario_from_text
from tests.helpers import check_result, small_scenario

MHP, CP, CC = "mental_health_practitioner", "clinical_pharmacist", "care_coordinator"
YEAR = "2026/27"


def maximum(role: str, year: str = YEAR) -> float:
    return float(load_catalogue(year).roles.at[role, "max_reimbursable_gbp"])


def wte(result, role: str) -> float:
    return float(result.mix(include_zero=True).at[role, "total_wte"])


# ---------------------------------------------------------------- co-funding tables (DES Tables 3a/3b)


@pytest.mark.parametrize(("agreement", "expected_wte", "co_funded_wte"), [(False, 4.0, 4.0), (True, 2.5, 1.0)])
def test_mental_health_practitioner_co_funding_is_exact(agreement, expected_wte, co_funded_wte):
    """MHP only, cost = maximum m, ARRS sum 2m, need for 10 WTE. Without an agreement every WTE claims 0.5m:
    4 WTE. With one the first WTE claims 0.5m and later ones m: 0.5m + (w − 1)m = 2m → w = 2.5. The co-funder
    pays 0.5m for each WTE at the first-post share: 4 × 0.5m, or 1 × 0.5m."""
    m = maximum(MHP)
    scenario = small_scenario({MHP: {"mental_health": 1000}}, year=YEAR, arrs_sum=2 * m, demand={"mental_health": 10_000},
                              mental_health_practitioner={"co_funding_agreement": agreement})
    result = optimise(scenario)
    money = result.money()["gbp_per_year"]
    assert wte(result, MHP) == pytest.approx(expected_wte)
    assert money["ARRS sum: claimed"] == pytest.approx(2 * m)
    assert money["Paid by co-funders"] == pytest.approx(co_funded_wte * 0.5 * m)
    assert check_result(result) == []


def test_a_part_time_first_post_is_claimed_at_the_first_post_share():
    """With an agreement and ARRS sum 0.4m, the first post's share (0.5) applies to all of it: 0.5m × w = 0.4m → w = 0.8,
    and the report claims 0.4m (first = min(WTE, 1)), not the later-post share."""
    m = maximum(MHP)
    scenario = small_scenario({MHP: {"mental_health": 1000}}, year=YEAR, arrs_sum=0.4 * m, demand={"mental_health": 10_000},
                              mental_health_practitioner={"co_funding_agreement": True})
    result = optimise(scenario)
    assert wte(result, MHP) == pytest.approx(0.8)
    assert result.mix().at[MHP, "arrs_claimed_gbp_per_year"] == pytest.approx(0.4 * m)
    assert check_result(result) == []


def test_an_agreement_where_the_year_has_no_tiers_is_a_note_not_a_change():
    scenario = small_scenario({MHP: {"mental_health": 1000}}, year="2023/24", mental_health_practitioner={"co_funding_agreement": True})
    inputs = prepare(scenario)
    assert inputs.roles.at[MHP, "arrs_share"] == 0.5
    assert any("co_funding_agreement has no effect" in w for w in inputs.warnings)


# ---------------------------------------------------------------- custom roles and overrides


CUSTOM = """
pcn: {name: Custom PCN, list_size: 30000, weighted_population: 30000}
year: "2026/27"
money: {arrs_sum_gbp: 150000}
estate: {room_sessions_per_week: 500}
roles: {%s}
custom_roles:
  frailty_practitioner:
    name: Frailty practitioner
    salary_gbp: 40000
    max_reimbursable_gbp: 45000
    arrs_share: 0.5
    serves: {care_coordination: 2000}
"""


def test_custom_role_claims_its_approved_maximum_at_its_share():
    """Only the custom role is allowed. Salary £40,000 → cost 40,000 × 1.1438 + 0.15 × 35,000 = £51,002 (2026/27 rules);
    claim = min(51,002, 45,000) × 0.5 = £22,500 a WTE. With no top-up budget nobody pays the other £28,502: 0 WTE.
    With ARRS £150,000 and a top-up of £250,000: 150,000 ÷ 22,500 = 6.667 ARRS-funded WTE, whose other £28,502 each
    take £190,013.33 of the top-up; the £59,986.67 left pays 1.176 WTE wholly (£51,002 each): 7.843 WTE in all."""
    others = ", ".join(f"{r}: {{allowed: false}}" for r in load_catalogue(YEAR).roles.index)
    scenario = scenario_from_text(CUSTOM % others)
    inputs = prepare(scenario)
    assert inputs.roles.at["frailty_practitioner", "cost_per_wte_gbp"] == pytest.approx(51_002)
    assert inputs.roles.at["frailty_practitioner", "claim_per_wte_gbp"] == pytest.approx(22_500)
    assert inputs.roles.at["frailty_practitioner", "max_reimbursable_status"] == "given in the scenario"
    assert wte(optimise(scenario), "frailty_practitioner") == pytest.approx(0)

    funded = scenario_from_text((CUSTOM % others).replace("arrs_sum_gbp: 150000", "arrs_sum_gbp: 150000, top_up_budget_gbp: 250000")
                                .replace("room_sessions_per_week: 500", "room_sessions_per_week: 500}\ndemand: {care_coordination: {contacts_per_year: 100000}"))
    result = optimise(funded)
    own = (250_000 - 150_000 / 22_500 * 28_502) / 51_002
    assert result.mix().at["frailty_practitioner", "own_funded_wte"] == pytest.approx(own, abs=1e-4)
    assert wte(result, "frailty_practitioner") == pytest.approx(150_000 / 22_500 + own, abs=1e-4)
    assert result.care().at["care_coordination", "served_contacts_per_year"] == pytest.approx(2000 * (150_000 / 22_500 + own), abs=0.2)
    assert check_result(result) == []


def test_override_of_a_catalogue_role_maximum_and_share():
    """An ICB notice says the clinical pharmacist's maximum is £70,000 and ARRS pays 80%: claim = 70,000 × 0.8 = £56,000;
    cost defaults to the maximum given, so £14,000 a WTE falls to the top-up."""
    scenario = small_scenario({CP: {"medication_review": 1000}}, year=YEAR, arrs_sum=112_000, top_up=28_000,
                              clinical_pharmacist={"max_reimbursable_gbp": 70_000, "arrs_share": 0.8})
    result = optimise(scenario)
    assert result.inputs.roles.at[CP, "claim_per_wte_gbp"] == pytest.approx(56_000)
    assert wte(result, CP) == pytest.approx(2.0)
    assert check_result(result) == []


def test_cost_from_salary_or_band_uses_the_year_rules():
    """Salary £40,000 in 2026/27 costs £51,002 (above); band 6 top (2024/25 £44,962 × 1.036 × 1.033) = £48,117.79
    → 48,117.79 × 1.1438 + 0.15 × 43,117.79 = £61,504.80."""
    scenario = small_scenario({CC: {"care_coordination": 1000}, CP: {"medication_review": 1000}}, year=YEAR,
                              care_coordinator={"salary_gbp": 40_000}, clinical_pharmacist={"afc_band": "6", "afc_point": "top"})
    roles = prepare(scenario).roles
    assert roles.at[CC, "cost_per_wte_gbp"] == pytest.approx(51_002)
    assert roles.at[CP, "cost_per_wte_gbp"] == pytest.approx(61_504.80, abs=0.01)


def test_a_salary_below_the_band_is_a_warning_not_an_error():
    scenario = small_scenario({CC: {"care_coordination": 1000}}, year=YEAR, care_coordinator={"salary_gbp": 20_000})
    result = optimise(scenario)
    assert any("roles.care_coordinator: salary £20,000 is below the bottom of Agenda for Change band 4" in n for n in result.notes())


@pytest.mark.parametrize(
    ("custom", "expected"),
    [
        ({"name": "X", "serves": {"msk": 2000}}, "a custom role needs a cost: give afc_band (e.g. '6') or salary_gbp"),
        ({"name": "X", "afc_band": "6"}, "a custom role must serve some demand"),
        ({"name": "X", "afc_band": "6", "serves": {"msk": 0}}, "a custom role must serve some demand"),
        ({"name": "X", "afc_band": "6", "arrs_share": 1.5, "serves": {"msk": 1}}, "custom_roles.x.arrs_share is 1.5; give 0 to 1"),
        ({"name": "X", "salary_gbp": 30000, "serves": {"msk": 1}}, "max_reimbursable_gbp is 'derive from band' but no afc_band is given"),
        ({"name": "X", "afc_band": "11", "serves": {"msk": 1}}, "custom_roles.x.afc_band = '11': not an Agenda for Change band"),
        ({"name": "X", "afc_band": "6", "serves": {"msk_pain": 1}}, "custom_roles.x.serves: 'msk_pain' is not a demand category"),
        ({"name": "X", "afc_band": "6", "max_reimbursable_gbp": "lots", "serves": {"msk": 1}},
         "custom_roles.x.max_reimbursable_gbp is 'lots'; give a number in £ a year per WTE, more than 0, up to 1,000,000, or 'derive from band'"),
        ({"name": "X", "afc_band": "6", "max_reimbursable_gbp": 2_000_000, "serves": {"msk": 1}},
         "custom_roles.x.max_reimbursable_gbp is £2,000,000 a year per WTE; give more than 0, up to 1,000,000, or 'derive from band'"),
    ],
)
def test_bad_custom_roles_are_named(custom, expected):
    data = {"pcn": {"name": "P", "list_size": 1000, "weighted_population": 1000}, "year": YEAR,
            "estate": {"room_sessions_per_week": 1}, "custom_roles": {"x": custom}}
    with pytest.raises(ScenarioError) as error:
        scenario_from_text(yaml.safe_dump(data), "bad.yaml")
    assert expected in str(error.value)


def test_role_share_outside_0_to_1_and_two_costs_are_errors():
    base = {"pcn": {"name": "P", "list_size": 1000, "weighted_population": 1000}, "year": YEAR, "estate": {"room_sessions_per_week": 1}}
    for setting, expected in [
        ({"arrs_share": -0.1}, "roles.clinical_pharmacist.arrs_share is -0.1; give 0 to 1"),
        ({"salary_gbp": 40000, "cost_per_wte_gbp": 50000}, "give one of cost_per_wte_gbp, salary_gbp or afc_band with afc_point"),
        ({"afc_band": "6"}, "afc_band and afc_point go together"),
    ]:
        with pytest.raises(ScenarioError) as error:
            scenario_from_text(yaml.safe_dump({**base, "roles": {CP: setting}}))
        assert expected in str(error.value)


def test_custom_role_derived_from_band_uses_the_band_reference_salary():
    """'derive from band' with band 6 in 2026/27 gives the band-6 ARRS maximum, the mental health practitioner's £57,114."""
    scenario = scenario_from_text(
        "pcn: {name: P, list_size: 1000, weighted_population: 1000}\nyear: '2026/27'\nestate: {room_sessions_per_week: 1}\n"
        "custom_roles: {x: {name: X, afc_band: '6', serves: {msk: 1000}}}\n"
    )
    roles = prepare(scenario).roles
    assert roles.at["x", "max_reimbursable_gbp"] == pytest.approx(maximum(MHP), abs=0.5)
    assert roles.at["x", "max_reimbursable_status"] == "provisional"


# ---------------------------------------------------------------- default year, year-aware capability


def test_a_scenario_without_a_year_uses_the_financial_year_containing_today():
    scenario = scenario_from_text("pcn: {name: P, list_size: 1000, weighted_population: 1000}\nestate: {room_sessions_per_week: 1}\n")
    assert scenario.year == current_year() == current_year(date.today())


def test_physician_associates_stop_serving_undifferentiated_demand_from_2025_26():
    def pairs(year):
        scenario = scenario_from_text(f"pcn: {{name: P, list_size: 1000, weighted_population: 1000}}\nyear: '{year}'\n"
                                      "estate: {room_sessions_per_week: 1}\n")
        return {c for r, c in prepare(scenario).contacts_by_pair if r == "physician_associate"}

    assert pairs("2024/25") == {"minor_illness", "long_term_conditions", "urgent_same_day"}
    assert pairs("2025/26-april") == pairs("2026/27") == {"long_term_conditions"}
