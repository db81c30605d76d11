"""Answers worked out by hand for the rules a planted bug once slipped past: desk space, London weighting,
new WTE, costless in-post floors and a weighted population that differs from the list size.

Each test's docstring gives the derivation; the scenarios (tests.helpers.small_scenario) allow only the roles
named, value care as contacts, and zero every other role-category pair, so the optimum is arithmetic.
"""

from __future__ import annotations

import pytest

from optimiser.pipeline import optimise
from tests.helpers import check_result, small_scenario

PHARMACIST, TECHNICIAN, NURSE = "clinical_pharmacist", "pharmacy_technician", "enhanced_practice_nurse"
APRIL_2025_DES = "2025/26-april"
"""The 2025/26 rules as the April 2025 Network Contract DES published them (national and London amounts)."""


def total(result, role: str) -> float:
    return float(result.mix(include_zero=True).at[role, "total_wte"])


def test_desk_space_binds_at_desk_sessions_over_sessions_per_wte():
    """Pharmacy technicians need a desk, not a clinical room: 9 sessions a WTE, none remote here. With 18 desk
    sessions a week and money to spare, WTE = 18 ÷ 9 = 2.0. One more desk session buys 1/9 WTE, i.e.
    1,000 ÷ 9 = 111.1 contacts a year: the marginal value of desk space."""
    scenario = small_scenario({TECHNICIAN: {"medication_review": 1000}}, estate={"desk_sessions_per_week": 18},
                              pharmacy_technician={"room_sessions_per_wte_per_week": 9, "remote_share": 0})
    result = optimise(scenario)
    assert total(result, TECHNICIAN) == pytest.approx(2.0)
    binding = result.binding_constraints()
    assert binding.at["desk_space", "marginal_value"] == pytest.approx(1000 / 9)
    assert "one more desk session a week" in binding.at["desk_space", "explanation"]
    assert check_result(result) == []


def test_remote_work_frees_desks_and_no_desk_limit_means_money_decides():
    """Half the sessions remote: each WTE takes 9 × 0.5 = 4.5 desk sessions, so 18 buy 18 ÷ 4.5 = 4.0 WTE.
    With desks unlimited, an ARRS sum of 5 × £43,352 buys exactly 5.0 WTE (the money binds, not the desks)."""
    half_remote = small_scenario({TECHNICIAN: {"medication_review": 1000}}, estate={"desk_sessions_per_week": 18},
                                 pharmacy_technician={"room_sessions_per_wte_per_week": 9, "remote_share": 0.5})
    assert total(optimise(half_remote), TECHNICIAN) == pytest.approx(4.0)
    no_limit = small_scenario({TECHNICIAN: {"medication_review": 1000}}, arrs_sum=5 * 43_352,
                              pharmacy_technician={"room_sessions_per_wte_per_week": 9, "remote_share": 0})
    result = optimise(no_limit)
    assert total(result, TECHNICIAN) == pytest.approx(5.0)
    assert "desk_space" not in result.binding_constraints().index


@pytest.mark.parametrize("weighting, amount", [("inner", 77_545), ("outer", 74_392), ("none", 66_972)])
def test_london_weighting_end_to_end(weighting, amount):
    """April 2025 DES, clinical pharmacist: £77,545 a WTE in inner London, £74,392 outer, £66,972 elsewhere.
    An ARRS sum of £232,635 = 3 × £77,545 buys exactly 3.0 WTE in inner London; outer London
    232,635 ÷ 74,392 = 3.1271 WTE; elsewhere 232,635 ÷ 66,972 = 3.4736 WTE. Reading inner as outer moves the answer."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, year=APRIL_2025_DES, arrs_sum=232_635,
                              policy={"london_weighting": weighting})
    result = optimise(scenario)
    assert result.inputs.roles.at[PHARMACIST, "max_reimbursable_gbp"] == amount
    assert total(result, PHARMACIST) == pytest.approx(232_635 / amount, abs=1e-6)
    if weighting == "inner":
        assert total(result, PHARMACIST) == pytest.approx(3.0, abs=1e-6)
    assert result.summary()["arrs_claimed_gbp_per_year"] == pytest.approx(232_635, abs=1.0)
    assert result.binding_constraints().at["arrs_budget[arrs]", "marginal_value"] == pytest.approx(1000 * 1000 / amount, rel=1e-6)


def test_new_wte_is_total_minus_staff_in_post():
    """1 WTE in post and a recruitment limit of 1.5 new WTE, money to spare: total 2.5, new 2.5 − 1 = 1.5, in the
    mix and in the summary; nothing reduced."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, clinical_pharmacist={"in_post_wte": 1, "max_new_wte": 1.5})
    result = optimise(scenario)
    row = result.mix().loc[PHARMACIST]
    assert (row["in_post_wte"], row["new_wte"], row["total_wte"], row["reduced_wte"]) == pytest.approx((1.0, 1.5, 2.5, 0.0))
    summary = result.summary()
    assert summary["total_wte"] == pytest.approx(2.5) and summary["new_wte"] == pytest.approx(1.5)


def test_a_costless_in_post_floor_is_never_listed_as_a_limit():
    """2 WTE of pharmacists in post, but only 1,000 reviews needed (1 WTE's work) and money to spare: the floor
    holds the mix at 2.0 WTE, yet keeping them costs no care (nothing else could use the money), so its marginal
    value is 0 and it is not a limit; the only binding rows are the met demand."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, demand={"medication_review": 1000},
                              clinical_pharmacist={"in_post_wte": 2})
    result = optimise(scenario)
    assert total(result, PHARMACIST) == pytest.approx(2.0)
    assert f"in_post_floor[{PHARMACIST}]" not in result.binding_constraints().index
    assert f"in_post_floor[{PHARMACIST}]" not in result.binding_constraint_names()
    assert set(result.binding_constraints()["family"]) == {"demand_cover"}


def test_arrs_sum_follows_weighted_population_and_caps_follow_list_size():
    """2025/26, list size 50,000, weighted population 60,000, ARRS sum derived: 60,000 × £26.631 = £1,597,860
    (not 50,000 × £26.631 = £1,331,550). Pharmacists only: 1,597,860 ÷ 66,972 = 23.8586 WTE."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=None, list_size=50_000, weighted_population=60_000)
    result = optimise(scenario)
    assert result.summary()["arrs_sum_gbp_per_year"] == pytest.approx(1_597_860)
    assert total(result, PHARMACIST) == pytest.approx(1_597_860 / 66_972, abs=1e-6)


def test_a_cap_follows_list_size_not_weighted_population():
    """2024/25: the enhanced practice nurse cap is 1 WTE below 100,000 registered patients and 2 WTE from 100,000.
    List size 90,000 with a weighted population of 120,000: the cap is 1 WTE, so 1.0 WTE however much money."""
    scenario = small_scenario({NURSE: {"long_term_conditions": 1200}}, year="2024/25", list_size=90_000, weighted_population=120_000)
    result = optimise(scenario)
    assert total(result, NURSE) == pytest.approx(1.0)
    assert result.binding_constraints().at[f"role_cap[{NURSE}]", "marginal_value"] == pytest.approx(1200)



def test_a_recruitment_limit_of_nothing_reads_zero_not_minus_zero():
    """A role nobody can recruit (max_new_wte 0, none in post) whose work is wanted: its limit of 0 WTE binds and the
    sentence must say "0 WTE", not "-0 WTE" (the row's right-hand side is stored negated)."""
    other = "pharmacy_technician"
    scenario = small_scenario({PHARMACIST: {"medication_review": 2100}, other: {"medication_review": 1100}},
                              demand={"medication_review": 10_000}, arrs_sum=200_000,
                              clinical_pharmacist={"max_new_wte": 0})
    result = optimise(scenario)
    limits = result.binding_constraints()
    row = limits.loc[f"recruitment_limit[{PHARMACIST}]"]
    assert str(row["limit"]) == "0.0"
    assert "(0 WTE in total" in row["explanation"] and "-0" not in row["explanation"]
