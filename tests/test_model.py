"""Optima worked out by hand, and properties every answer must keep."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from optimiser.catalogue import load_catalogue
from optimiser.explain import InfeasibleScenario
from optimiser.pipeline import optimise, with_caps_lifted
from optimiser.result_display import answer_in_words
from optimiser.scenario_io import load_scenario
from tests.helpers import HUGE, check_result, small_scenario

PHARMACIST = "clinical_pharmacist"
TECHNICIAN = "pharmacy_technician"


def max_amount(role: str, year: str = "2025/26-april") -> float:
    return float(load_catalogue(year).roles.at[role, "max_reimbursable_gbp"])


def wte(result, role: str) -> float:
    return float(result.mix(include_zero=True).at[role, "total_wte"])


def test_budget_bound_buys_exactly_what_the_arrs_sum_pays_for():
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=3 * max_amount(PHARMACIST))
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(3.0)
    assert result.summary()["served_contacts_per_year"] == pytest.approx(3000)
    assert result.summary()["arrs_unspent_gbp_per_year"] == pytest.approx(0, abs=1.0)  # within the stage-2 care tolerance
    binding = result.binding_constraints()
    assert "arrs_budget[arrs]" in binding.index
    # one more £1,000 buys 1000/max WTE, i.e. 1000 × 1000 / max contacts
    assert binding.at["arrs_budget[arrs]", "marginal_value"] == pytest.approx(1000 * 1000 / max_amount(PHARMACIST))
    assert check_result(result) == []


def test_rooms_bound_fills_the_sessions_and_values_one_more():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000}}, rooms=18,
        clinical_pharmacist={"room_sessions_per_wte_per_week": 9, "remote_share": 0},
    )
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(2.0)
    binding = result.binding_constraints()
    assert binding.at["clinical_rooms", "marginal_value"] == pytest.approx(1000 / 9)
    assert "one more room session a week" in binding.at["clinical_rooms", "explanation"]


def test_remote_share_frees_rooms():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000}}, rooms=18,
        clinical_pharmacist={"room_sessions_per_wte_per_week": 9, "remote_share": 0.5},
    )
    assert wte(optimise(scenario), PHARMACIST) == pytest.approx(4.0)


def test_rented_sessions_are_used_when_the_top_up_pays_for_them():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000}}, rooms=9, top_up=52 * 50 * 9,
        estate={"rentable_sessions_per_week": 100, "rent_gbp_per_session": 50},
        clinical_pharmacist={"room_sessions_per_wte_per_week": 9, "remote_share": 0},
    )
    result = optimise(scenario)
    assert result.summary()["rented_sessions_per_week"] == pytest.approx(9)
    assert wte(result, PHARMACIST) == pytest.approx(2.0)
    assert check_result(result) == []


def test_cap_binds_and_lifting_it_gives_exactly_the_derived_gain():
    year = "2024/25"
    role = "enhanced_practice_nurse"
    cap = load_catalogue(year).cap_wte(role, 50_000)
    assert cap == 1
    scenario = small_scenario({role: {"long_term_conditions": 1200}}, year=year, arrs_sum=5 * max_amount(role, year))
    capped = optimise(scenario)
    assert wte(capped, role) == pytest.approx(cap)
    assert capped.binding_constraints().at[f"role_cap[{role}]", "marginal_value"] == pytest.approx(1200)
    lifted = optimise(with_caps_lifted(scenario))
    assert wte(lifted, role) == pytest.approx(5.0)
    gain = lifted.summary()["served_contacts_per_year"] - capped.summary()["served_contacts_per_year"]
    assert gain == pytest.approx((5.0 - cap) * 1200)


def test_cap_depends_on_list_size():
    year, role = "2024/25", "enhanced_practice_nurse"
    scenario = small_scenario({role: {"long_term_conditions": 1200}}, year=year, list_size=100_000)
    assert wte(optimise(scenario), role) == pytest.approx(load_catalogue(year).cap_wte(role, 100_000)) == pytest.approx(2)


def test_co_funding_halves_the_arrs_draw():
    year, role = "2023/24", "mental_health_practitioner"
    roles = load_catalogue(year).roles
    assert roles.at[role, "arrs_share"] == 0.5
    scenario = small_scenario({role: {"mental_health": 1000}}, year=year, arrs_sum=max_amount(role, year))
    result = optimise(scenario)
    assert wte(result, role) == pytest.approx(2.0)
    money = result.money()["gbp_per_year"]
    assert money["Paid by co-funders"] == pytest.approx(max_amount(role, year))


def test_in_post_floor_keeps_staff_who_deliver_less():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 500}, TECHNICIAN: {"medication_review": 2000}},
        arrs_sum=3 * max_amount(PHARMACIST), clinical_pharmacist={"in_post_wte": 2},
    )
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(2.0)
    left = 3 * max_amount(PHARMACIST) - 2 * max_amount(PHARMACIST)
    assert wte(result, TECHNICIAN) == pytest.approx(left / max_amount(TECHNICIAN))
    floor = result.binding_constraints().at[f"in_post_floor[{PHARMACIST}]", "marginal_value"]
    # each pharmacist kept costs the technicians that money would buy, less the pharmacist's own contacts
    assert floor == pytest.approx(500 - 2000 * max_amount(PHARMACIST) / max_amount(TECHNICIAN))


def test_allowing_reductions_lets_the_better_role_take_the_money():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 500}, TECHNICIAN: {"medication_review": 2000}},
        arrs_sum=3 * max_amount(PHARMACIST), clinical_pharmacist={"in_post_wte": 2},
        policy={"allow_reducing_in_post": True},
    )
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(0.0, abs=1e-9)
    assert result.mix().at[PHARMACIST, "reduced_wte"] == pytest.approx(2.0)


def test_recruitment_limit_stops_hiring():
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, clinical_pharmacist={"in_post_wte": 1, "max_new_wte": 1.5})
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(2.5)
    assert result.binding_constraints().at[f"recruitment_limit[{PHARMACIST}]", "marginal_value"] == pytest.approx(1000)


def test_whole_posts_round_down_to_what_the_money_pays_for():
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=2.6 * max_amount(PHARMACIST), policy={"whole_posts": True})
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(2.0)
    assert "LP relaxation" in result.solution.method
    half_posts = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=2.6 * max_amount(PHARMACIST),
                                policy={"whole_posts": True, "post_size_wte": 0.5})
    assert wte(optimise(half_posts), PHARMACIST) == pytest.approx(2.5)


def test_demand_met_leaves_money_unspent_and_picks_the_cheapest_mix():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000}, TECHNICIAN: {"medication_review": 1000}},
        demand={"medication_review": 2000},
    )
    result = optimise(scenario)
    assert wte(result, TECHNICIAN) == pytest.approx(2.0)
    assert wte(result, PHARMACIST) == pytest.approx(0.0, abs=1e-9)
    assert result.summary()["total_cost_gbp_per_year"] == pytest.approx(2 * max_amount(TECHNICIAN))
    assert result.summary()["arrs_unspent_gbp_per_year"] == pytest.approx(HUGE - 2 * max_amount(TECHNICIAN))


def test_priority_weights_send_scarce_money_to_the_priority():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000, "long_term_conditions": 1000}},
        arrs_sum=max_amount(PHARMACIST),
    )
    data = scenario.model_dump()
    data["demand"]["long_term_conditions"]["priority_weight"] = 2.0
    from optimiser.scenario_problems import parse_scenario

    result = optimise(parse_scenario(data))
    care = result.care()
    assert care.at["long_term_conditions", "served_contacts_per_year"] == pytest.approx(1000)
    assert care.at["medication_review", "served_contacts_per_year"] == pytest.approx(0, abs=1e-6)


def test_cost_above_the_maximum_comes_from_the_top_up():
    cost = max_amount(PHARMACIST) + 10_000
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, top_up=25_000, clinical_pharmacist={"cost_per_wte_gbp": cost})
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(2.5)
    assert result.binding_constraints().index[0] == "top_up_budget"


def test_cbc_fallback_agrees_with_highs():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 500}, TECHNICIAN: {"medication_review": 2000}},
        arrs_sum=3 * max_amount(PHARMACIST), rooms=30, clinical_pharmacist={"in_post_wte": 2},
    )
    highs, cbc = optimise(scenario), optimise(scenario, solver="cbc")
    assert cbc.solution.solver == "CBC"
    assert cbc.solution.care == pytest.approx(highs.solution.care, rel=1e-6)
    assert cbc.solution.total_cost_gbp == pytest.approx(highs.solution.total_cost_gbp, rel=1e-6)


def test_infeasible_in_post_staff_over_the_arrs_sum_says_by_how_much():
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=100_000, clinical_pharmacist={"in_post_wte": 2},
                              policy={"in_post_beyond_arrs_sum": "infeasible"})
    with pytest.raises(InfeasibleScenario) as raised:
        optimise(scenario)
    needed = 2 * max_amount(PHARMACIST)
    conflicts = raised.value.conflicts
    assert list(conflicts.index) == ["arrs_budget[arrs]"]
    assert conflicts.at["arrs_budget[arrs]", "shortfall"] == pytest.approx(needed - 100_000)
    assert f"£{needed - 100_000:,.0f} short" in str(raised.value)


def test_in_post_staff_over_the_arrs_sum_are_paid_outside_arrs_by_default():
    """2 pharmacists in post claim 2 × £66,972 = £133,944 against a £100,000 sum: £33,944 is paid outside ARRS.

    The ARRS limit becomes exactly what the staff in post claim, so a new pharmacist (who would need ARRS:
    no top-up) cannot be afforded: 0 new WTE, £100,000 claimed, nothing unspent, and the answer says so.
    """
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=100_000, clinical_pharmacist={"in_post_wte": 2})
    result = optimise(scenario)
    beyond = 2 * max_amount(PHARMACIST) - 100_000
    summary = result.summary()
    assert summary["in_post_beyond_arrs_gbp_per_year"] == pytest.approx(beyond)
    assert summary["new_wte"] == pytest.approx(0.0, abs=1e-9) and summary["total_wte"] == pytest.approx(2.0)
    assert summary["arrs_claimed_gbp_per_year"] == pytest.approx(100_000)
    assert summary["arrs_unspent_gbp_per_year"] == pytest.approx(0.0, abs=1e-6)
    money = result.money()["gbp_per_year"]
    assert money["ARRS sum: staff in post beyond it"] == pytest.approx(beyond)
    assert f"£{beyond:,.0f} a year more than the ARRS sum of £100,000" in answer_in_words(result)


def test_in_post_staff_within_the_arrs_sum_leave_the_answer_as_it_was():
    """Below the sum nothing is paid outside ARRS: the default and the 'infeasible' option give the same mix."""
    contacts = {PHARMACIST: {"medication_review": 1000}}
    default = optimise(small_scenario(contacts, arrs_sum=300_000, clinical_pharmacist={"in_post_wte": 2}))
    strict = optimise(small_scenario(contacts, arrs_sum=300_000, clinical_pharmacist={"in_post_wte": 2},
                                     policy={"in_post_beyond_arrs_sum": "infeasible"}))
    assert default.summary()["in_post_beyond_arrs_gbp_per_year"] == 0.0
    assert "ARRS sum: staff in post beyond it" not in default.money().index
    pd.testing.assert_frame_equal(default.mix(), strict.mix())


def test_infeasible_cap_below_in_post_names_the_cap():
    year, role = "2024/25", "enhanced_practice_nurse"
    scenario = small_scenario({role: {"long_term_conditions": 1000}}, year=year, enhanced_practice_nurse={"in_post_wte": 3})
    with pytest.raises(InfeasibleScenario) as raised:
        optimise(scenario)
    assert raised.value.conflicts.at[f"role_cap[{role}]", "shortfall"] == pytest.approx(2.0)
    assert "lift the cap" in str(raised.value)


def test_infeasible_rooms_counts_the_rentable_sessions():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000}}, rooms=10, top_up=HUGE,
        estate={"rentable_sessions_per_week": 4, "rent_gbp_per_session": 1},
        clinical_pharmacist={"in_post_wte": 2, "room_sessions_per_wte_per_week": 9, "remote_share": 0},
    )
    with pytest.raises(InfeasibleScenario) as raised:
        optimise(scenario)
    assert raised.value.conflicts.at["clinical_rooms", "shortfall"] == pytest.approx(18 - 10 - 4)


# ---------------------------------------------------------------- properties

TWO_ROLES = {PHARMACIST: {"medication_review": 900, "long_term_conditions": 400}, TECHNICIAN: {"medication_review": 1500}}
money = st.floats(min_value=0, max_value=2_000_000)
rooms = st.floats(min_value=0, max_value=200)
fast = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(arrs=money, extra=st.floats(min_value=0, max_value=500_000), room=rooms)
def test_more_arrs_money_never_means_less_care(arrs, extra, room):
    demand = {"medication_review": 3000, "long_term_conditions": 1000}
    low = optimise(small_scenario(TWO_ROLES, arrs_sum=arrs, rooms=room, demand=demand))
    high = optimise(small_scenario(TWO_ROLES, arrs_sum=arrs + extra, rooms=room, demand=demand))
    assert high.solution.care >= low.solution.care - 1e-6 * max(1, low.solution.care)
    assert check_result(low) == [] and check_result(high) == []


@fast
@given(arrs=money, room=rooms, extra=st.floats(min_value=0, max_value=100))
def test_more_rooms_never_means_less_care(arrs, room, extra):
    low = optimise(small_scenario(TWO_ROLES, arrs_sum=arrs, rooms=room))
    high = optimise(small_scenario(TWO_ROLES, arrs_sum=arrs, rooms=room + extra))
    assert high.solution.care >= low.solution.care - 1e-6 * max(1, low.solution.care)


@fast
@given(arrs=money, list_size=st.integers(min_value=20_000, max_value=150_000))
def test_lifting_caps_never_means_less_care(arrs, list_size):
    contacts = {"enhanced_practice_nurse": {"long_term_conditions": 1200}, "advanced_practitioner": {"urgent_same_day": 2500}}
    scenario = small_scenario(contacts, year="2024/25", arrs_sum=arrs, list_size=list_size)
    capped, lifted = optimise(scenario), optimise(with_caps_lifted(scenario))
    assert lifted.solution.care >= capped.solution.care - 1e-6 * max(1, capped.solution.care)
    assert check_result(capped) == [] and check_result(lifted) == []


def test_every_unit_of_care_is_accounted_for():
    result = optimise(small_scenario(TWO_ROLES, arrs_sum=500_000, rooms=40))
    care = result.care()
    weighted = (care["served_contacts_per_year"] * care["priority_weight"]).sum()
    assert math.isclose(weighted, result.solution.care, rel_tol=1e-9)


@pytest.mark.parametrize("path", sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_examples_keep_every_rule_with_and_without_caps(path):
    scenario = load_scenario(path)
    for variant in (scenario, with_caps_lifted(scenario)):
        result = optimise(variant)
        assert result.solution.proven_optimal
        assert check_result(result) == []
    assert optimise(with_caps_lifted(scenario)).solution.care >= optimise(scenario).solution.care - 1e-6


def test_a_time_limit_is_never_shown_as_optimal():
    """PuLP's HiGHS wrapper calls a time limit 'Optimal'; here HiGHS's own status decides, and no answer is shown."""
    from optimiser.errors import SolverError
    from optimiser.inputs import prepare
    from optimiser.model import build_model
    from optimiser.solve import solve

    scenario = load_scenario(Path(__file__).parent.parent / "scenarios" / "large-2024-25.yaml")
    whole = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"whole_posts": True})})
    solution = solve(build_model(prepare(whole)), time_limit_seconds=0.0)
    assert solution.status == "time_limit" and not solution.proven_optimal
    with pytest.raises(SolverError, match="before proving an optimal mix"):
        optimise(whole, time_limit_seconds=0.0)


def test_notes_say_when_recruitment_is_unlimited_and_why_top_up_is_left():
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=2 * max_amount(PHARMACIST), top_up=5_000,
                              demand={"medication_review": 1000})  # the top-up could buy more staff, but no more care is needed
    notes = " ".join(optimise(scenario).notes())
    assert "No recruitment limit was set for clinical pharmacist" in notes
    assert "£5,000 of the top-up budget is unspent" in notes
    limited = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=2 * max_amount(PHARMACIST),
                             clinical_pharmacist={"max_new_wte": 5})
    assert optimise(limited).notes() == []


def test_notes_explain_staff_working_elsewhere_while_a_category_goes_unmet():
    scenario = small_scenario(
        {PHARMACIST: {"medication_review": 1000, "long_term_conditions": 2000}},
        arrs_sum=max_amount(PHARMACIST), clinical_pharmacist={"max_new_wte": 5},
    )
    result = optimise(scenario)
    assert result.care().at["medication_review", "served_contacts_per_year"] == pytest.approx(0, abs=1e-6)
    [note] = [n for n in result.notes() if "served although" in n]
    assert note.startswith("Medication reviews and medicines optimisation is 0% served although clinical pharmacist could do it")
    assert "demand.medication_review.priority_weight" in note


def test_top_up_beyond_the_arrs_sum_buys_posts_paid_wholly_by_the_pcn():
    """ARRS pays 3 WTE of a £65,000 pharmacist (cost below the maximum, so no top-up per ARRS WTE); £130,000 of top-up
    pays 130,000 / 65,000 = 2.0 WTE more at full cost. Total 5.0 WTE: 3.0 ARRS-funded, 2.0 own-funded."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=3 * 65_000, top_up=130_000,
                              clinical_pharmacist={"cost_per_wte_gbp": 65_000})
    result = optimise(scenario)
    mix = result.mix().loc[PHARMACIST]
    assert (mix["total_wte"], mix["arrs_funded_wte"], mix["own_funded_wte"]) == pytest.approx((5.0, 3.0, 2.0))
    money = result.money()["gbp_per_year"]
    assert money["Top-up used: posts paid wholly by the PCN"] == pytest.approx(130_000)
    assert money["ARRS sum: unspent"] == pytest.approx(0, abs=1.0)
    assert any("pays 2.00 WTE clinical pharmacist wholly" in note for note in result.notes())
    assert check_result(result) == []


def test_arrs_is_spent_before_the_pcns_own_money():
    """Demand for 2,000 contacts needs 2 WTE; the ARRS sum pays for 3. Own money must not pay for any of them."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=3 * 65_000, top_up=130_000,
                              demand={"medication_review": 2000}, clinical_pharmacist={"cost_per_wte_gbp": 65_000})
    mix = optimise(scenario).mix().loc[PHARMACIST]
    assert (mix["total_wte"], mix["own_funded_wte"]) == pytest.approx((2.0, 0.0))


@pytest.mark.parametrize("technician_contacts, technician_wte", [(500, 0.2), (100, 0.0)])
def test_minimum_post_size_takes_a_small_post_to_zero_or_up_to_the_minimum(technician_contacts, technician_wte):
    """Money for 2.1 pharmacists (p = max pharmacist, t = max technician); pharmacists are limited to 2.0 new WTE and
    deliver 1,000 contacts each, technicians c each. Without a minimum the LP buys 2.0 pharmacists and 0.1 p / t ≈ 0.15
    technician (pharmacists give more contacts per £ as long as c < 1,000 t / p ≈ 647).
    With a minimum post of 0.2 WTE either no technician (2,000 contacts) or a 0.2 technician post paid by 0.2 t / p
    fewer pharmacist WTE: 1,000 × (2.1 − 0.2 t / p) + 0.2 c contacts, which beats 2,000 when c = 500 (≈ 2,070) and
    not when c = 100 (≈ 1,990). More technician WTE than 0.2 would only swap better pharmacist time for worse."""
    p, t = max_amount(PHARMACIST), max_amount(TECHNICIAN)
    contacts = {PHARMACIST: {"medication_review": 1000}, TECHNICIAN: {"medication_review": technician_contacts}}
    settings_ = {"clinical_pharmacist": {"max_new_wte": 2.0}}
    lp = optimise(small_scenario(contacts, arrs_sum=2.1 * p, **settings_))
    assert wte(lp, TECHNICIAN) == pytest.approx(0.1 * p / t)
    milp = optimise(small_scenario(contacts, arrs_sum=2.1 * p, policy={"min_post_wte": 0.2}, **settings_))
    assert wte(milp, TECHNICIAN) == pytest.approx(technician_wte, abs=1e-6)
    assert wte(milp, PHARMACIST) == pytest.approx(2.1 - technician_wte * t / p if technician_wte else 2.0)
    assert "LP with the choice of new posts fixed" in milp.solution.method
    assert check_result(milp) == []


def test_minimum_post_size_leaves_staff_in_post_as_they_are():
    """2.05 WTE in post stay (a fractional WTE in post is fine); money for 2.1 would buy 0.05 new, below the minimum."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=2.1 * max_amount(PHARMACIST),
                              policy={"min_post_wte": 0.2}, clinical_pharmacist={"in_post_wte": 2.05})
    assert wte(optimise(scenario), PHARMACIST) == pytest.approx(2.05)


def test_arrs_left_below_the_smallest_post_says_so():
    """1 pharmacist in post (£66,972, 2025/26-april) and an ARRS sum £5,000 above that, no top-up, need unmet: a new post
    of 0.2 WTE would cost 0.2 × £66,972 = £13,394, more than the £5,000 left, so nothing is recruited and £5,000 is
    unspent. No limit binds, so the reason is the minimum post size (it read "no more care can be bought with it").
    Without the minimum, 5,000 ÷ 66,972 = 0.075 WTE is recruited and nothing is left."""
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=max_amount(PHARMACIST) + 5_000,
                              policy={"min_post_wte": 0.2}, clinical_pharmacist={"in_post_wte": 1})
    result = optimise(scenario)
    assert wte(result, PHARMACIST) == pytest.approx(1.0)
    assert ("£5,000 of the ARRS sum is unspent (lost to the PCN) because a new post of the smallest size allowed (0.2 WTE, "
            "policy.min_post_wte) costs the PCN at least £13,394 a year (clinical pharmacist), more than the £5,000 of "
            "ARRS and top-up left.") in result.notes()
    free = optimise(small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=max_amount(PHARMACIST) + 5_000,
                                   clinical_pharmacist={"in_post_wte": 1}))
    assert wte(free, PHARMACIST) == pytest.approx(1 + 5_000 / max_amount(PHARMACIST))
    assert not any("unspent" in note for note in free.notes())


def test_a_minimum_post_size_above_one_wte_is_refused():
    from optimiser.errors import ScenarioError
    from optimiser.scenario_problems import parse_scenario

    data = small_scenario({PHARMACIST: {"medication_review": 1000}}).model_dump()
    data["policy"]["min_post_wte"] = 1.5
    with pytest.raises(ScenarioError, match=r"policy.min_post_wte is 1.5 WTE; give 0 to 1"):
        parse_scenario(data)


SOLVER_SLIVER_WTE = 1e-5
"""New WTE below this is the solver's feasibility tolerance (1e-6 relative to a floor of a few WTE), shown as 0.00."""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrs_pennies=st.integers(min_value=0, max_value=40_000_000),
    top_up_pennies=st.integers(min_value=0, max_value=20_000_000),
    in_post=st.sampled_from([0.0, 1.0, 2.5]),
)
@example(arrs_pennies=866609, top_up_pennies=7, in_post=2.5)  # 7p of top-up once bought 1e-6 WTE
@example(arrs_pennies=0, top_up_pennies=7, in_post=1.0)
def test_a_minimum_post_size_never_makes_a_feasible_scenario_infeasible(arrs_pennies, top_up_pennies, in_post):
    """With no minimum, a scenario whose staff in post fit is feasible; with a 0.2 WTE minimum it must stay feasible,
    because recruiting nobody new is always allowed (the only rows pushing WTE up are the staff-in-post floors).
    Budgets are drawn to the penny, so knife-edge budgets (a cent above what some WTE needs) are tried."""
    contacts = {"clinical_pharmacist": {"medication_review": 2100}, "pharmacy_technician": {"medication_review": 1100}}
    def scenario(minimum):
        return small_scenario(contacts, arrs_sum=arrs_pennies / 100, top_up=top_up_pennies / 100,
                              demand={"medication_review": 30_000}, policy={"min_post_wte": minimum},
                              clinical_pharmacist={"in_post_wte": in_post})
    try:
        without = optimise(scenario(0.0))
    except InfeasibleScenario:
        return
    with_minimum = optimise(scenario(0.2))
    assert with_minimum.solution.proven_optimal
    new = with_minimum.mix(include_zero=True)["new_wte"]
    assert ((new < SOLVER_SLIVER_WTE) | (new >= 0.2 - 1e-6)).all()
    assert with_minimum.solution.care <= without.solution.care + 1e-6 * max(1.0, without.solution.care)


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_no_role_shows_the_solvers_tolerance_as_wte(path):
    """HiGHS may leave a role at 4.5e-07 WTE (its tolerance) where the answer is none, or in post ± that: every table
    and file shows those as exactly none or exactly the staff in post."""
    mix = optimise(load_scenario(path)).mix(include_zero=True)
    for column in ("total_wte", "new_wte", "reduced_wte"):
        tiny = mix[column].abs().between(0.0, 1e-6, inclusive="neither")
        assert not tiny.any(), (column, mix.loc[tiny, column].to_dict())


@given(st.integers(0, 2 * 10**9), st.integers(0, 2 * 10**9))
def test_a_sum_or_difference_of_wte_is_the_decimal_one(a, b):
    """WTE read to 9 decimals (`at_bounds`) add and differ by 9-decimal numbers, stored as the float nearest each:
    2.8 − 2.6 is 0.2, not the float difference 0.19999999999999973."""
    from decimal import Decimal

    from optimiser.results.numbers import WTE_DECIMALS, exact_wte

    x, y = (float(Decimal(n).scaleb(-WTE_DECIMALS)) for n in (a, b))
    assert exact_wte(x - y) == float(Decimal(a - b).scaleb(-WTE_DECIMALS))
    assert exact_wte(x + y) == float(Decimal(a + b).scaleb(-WTE_DECIMALS))
    assert exact_wte(2.8 - 2.6) == 0.2 != 2.8 - 2.6 and exact_wte(7.56 + 3) == 10.56 != 7.56 + 3
