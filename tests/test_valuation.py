"""The value of care: share of each need met, sized in clinical time, with diminishing returns.

Hand-derived optima of the `share` valuation, the properties it must keep, and bad curves refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser.assumptions import load_assumptions
from optimiser.catalogue import load_catalogue
from optimiser.errors import ScenarioError
from optimiser.pipeline import optimise, with_caps_lifted
from optimiser.scenario_io import scenario_from_text
from optimiser.scenario_problems import parse_scenario
from optimiser.valuation import curve_problems, default_curve, make_curve
from tests.helpers import check_result, small_scenario

PHARMACIST, FCP, MHP = "clinical_pharmacist", "first_contact_physiotherapist", "mental_health_practitioner"
PLAIN = """
pcn: {name: Plain PCN, list_size: 50000, weighted_population: 50000}
year: "2025/26-april"
estate: {room_sessions_per_week: 80}
"""


def max_amount(role: str) -> float:
    return float(load_catalogue("2025/26-april").roles.at[role, "max_reimbursable_gbp"])


def share_scenario(contacts, **kwargs):
    policy = {"valuation": "share", **kwargs.pop("policy", {})}
    return small_scenario(contacts, policy=policy, **kwargs)


def test_rooms_for_one_wte_split_it_between_two_needs_of_equal_size_whatever_the_contact_length():
    """FCP: 2,000 MSK contacts a WTE-year (need 2,000); MHP: 1,000 mental health contacts (need 1,000); priority 1 each.

    Each is the only role for its category, so R_msk = 2,000 and R_mh = 1,000, and both needs are W = 1 WTE-year.
    Rooms for 1 WTE (9 sessions, no remote work). Counting contacts, the FCP's shorter contacts win everything
    (2,000 > 1,000). Valuing shares with f = 4:2:1 on 0–50–80–100 % (slopes 4/2.8, 2/2.8, 1/2.8), one WTE-year
    of either role adds the same value, so the first segments go first: 0.5 WTE each, shares 50 % and 50 %,
    score = 100 × (f(0.5) + f(0.5)) / 2 = 100 × 0.5 × 4 / 2.8 = 71.43.
    """
    settings_ = {"room_sessions_per_wte_per_week": 9, "remote_share": 0}
    contacts = {FCP: {"msk": 2000}, MHP: {"mental_health": 1000}}
    scenario = share_scenario(contacts, rooms=9, demand={"msk": 2000, "mental_health": 1000},
                              first_contact_physiotherapist=settings_, mental_health_practitioner=settings_)
    data = scenario.model_dump()
    data["demand"]["mental_health"]["priority_weight"] = 1.0
    result = optimise(parse_scenario(data))
    mix = result.mix(include_zero=True)["total_wte"]
    assert mix[FCP] == pytest.approx(0.5) and mix[MHP] == pytest.approx(0.5)
    assert result.summary()["care_score"] == pytest.approx(100 * 0.5 * 4 / 2.8)
    assert check_result(result) == []

    by_contacts = optimise(parse_scenario({**data, "policy": {**data["policy"], "valuation": "contacts"}}))
    assert by_contacts.mix(include_zero=True)["total_wte"][FCP] == pytest.approx(1.0)


def test_money_for_1_2_wte_fills_the_first_halves_then_the_priority():
    """One pharmacist serves medication reviews and long-term conditions, 1,000 contacts a WTE-year each; need 1,000 each.

    R = 1,000 for both, so W = 1 each; priorities 1 (medication) and 2 (LTC); Σ p W = 3. Own curve: breakpoints
    [0.5, 1], slopes 3 : 1, normalised so f(1) = 1: 1.5 then 0.5. Points per contact = 100/3 × p × slope / 1,000:
    LTC first half 0.1, medication first half 0.05, LTC second half 0.0333, medication second half 0.0167.
    Money for 1.2 WTE = 1,200 contacts: LTC 500, medication 500, then LTC 200 more. Served LTC 700, medication 500;
    score = 100/3 × (2 × f(0.7) + f(0.5)) = 100/3 × (2 × 0.85 + 0.75) = 81.67.
    One more £10,000 buys 10,000 / max WTE = 10 × 1,000,000 / max contacts of LTC at 0.0333 points each.
    """
    contacts = {PHARMACIST: {"medication_review": 1000, "long_term_conditions": 1000}}
    scenario = share_scenario(contacts, arrs_sum=1.2 * max_amount(PHARMACIST),
                              demand={"medication_review": 1000, "long_term_conditions": 1000},
                              policy={"value_curve": {"breakpoints": [0.5, 1], "slopes": [3, 1]}})
    data = scenario.model_dump()
    data["demand"]["long_term_conditions"]["priority_weight"] = 2.0
    result = optimise(parse_scenario(data))
    care = result.care()
    assert care.at["long_term_conditions", "served_contacts_per_year"] == pytest.approx(700)
    assert care.at["medication_review", "served_contacts_per_year"] == pytest.approx(500)
    assert result.summary()["care_score"] == pytest.approx(100 / 3 * 2.45)
    marginal = result.binding_constraints().at["arrs_budget[arrs]", "marginal_value"]
    assert marginal == pytest.approx(10_000 / max_amount(PHARMACIST) * 1000 * 100 / 3 * 2 * 0.5 / 1000)
    assert "£10,000 more a year would add about" in result.binding_constraints().at["arrs_budget[arrs]", "explanation"]
    assert check_result(result) == []


def test_splitting_contacts_in_half_leaves_the_mix_unchanged():
    """Need ×2 and every role's contacts per WTE-year ×2 for mental health: W_d, shares and value are unchanged."""
    base = scenario_from_text(PLAIN)
    rates = load_assumptions().productivity["contacts_per_wte_year"]
    need = load_assumptions().categories.at["mental_health", "contacts_per_1000_patients_per_year"] * 50
    doubled = {
        **base.model_dump(),
        "demand": {"mental_health": {"contacts_per_year": 2 * float(need)}},
        "productivity": {r: {"mental_health": 2 * float(rate)} for (r, d), rate in rates.items() if d == "mental_health"},
    }
    a, b = optimise(base), optimise(parse_scenario(doubled))
    assert b.summary()["care_score"] == pytest.approx(a.summary()["care_score"], rel=1e-9)
    wte_a, wte_b = a.mix(include_zero=True)["total_wte"], b.mix(include_zero=True)["total_wte"]
    assert wte_b.to_numpy() == pytest.approx(wte_a.to_numpy(), abs=1e-6)
    assert b.care().at["mental_health", "served_share"] == pytest.approx(a.care().at["mental_health", "served_share"], abs=1e-9)


@pytest.mark.parametrize("valuation", ["share", "equal-share"])
def test_a_plain_50000_patient_pcn_meets_part_of_every_need_a_role_can_serve(valuation):
    scenario = scenario_from_text(PLAIN + f"policy: {{valuation: {valuation}}}\n")
    result = optimise(scenario)
    care = result.care()
    servable = {d for (_, d) in result.inputs.contacts_by_pair}
    assert servable == set(care.index)
    assert (care.loc[sorted(servable), "served_share"] > 0.25).all(), care["served_share"]
    assert check_result(result) == []


def test_equal_share_raises_the_lowest_share_first():
    scenario = scenario_from_text(PLAIN + "policy: {valuation: equal-share}\n")
    share = optimise(scenario_from_text(PLAIN)).care()["served_share"]
    equal = optimise(scenario).care()["served_share"]
    assert equal.min() >= share.min() - 1e-9
    assert equal.max() - equal.min() == pytest.approx(0, abs=1e-5)  # money is short everywhere, so every share is equal


# ---------------------------------------------------------------- the curve

slopes = st.lists(st.floats(min_value=0.01, max_value=100), min_size=1, max_size=6).map(lambda s: sorted(s, reverse=True))


@settings(max_examples=50, deadline=None)
@given(slopes=slopes, data=st.data())
def test_the_value_of_more_of_a_need_never_rises(slopes, data):
    cuts = sorted(set(data.draw(st.lists(st.floats(min_value=0.01, max_value=0.99), min_size=len(slopes) - 1, max_size=len(slopes) - 1))))
    if len(cuts) != len(slopes) - 1:
        return
    curve = make_curve([*cuts, 1.0], slopes)
    assert curve.value(0) == 0 and curve.value(1) == pytest.approx(1)
    a, b, c = sorted(data.draw(st.lists(st.floats(min_value=0, max_value=1), min_size=3, max_size=3)))
    if b - a > 1e-6 and c - b > 1e-6:
        assert (curve.value(b) - curve.value(a)) / (b - a) >= (curve.value(c) - curve.value(b)) / (c - b) - 1e-9


def test_the_default_curve_is_concave_with_its_basis_stated():
    curve = default_curve()
    assert list(curve.slopes) == sorted(curve.slopes, reverse=True)
    assert curve.value(1) == pytest.approx(1)
    assert curve_problems([0.5, 0.8, 1], [1, 2, 4])  # rising slopes are refused


@pytest.mark.parametrize("curve, message", [
    ("{breakpoints: [0.5, 1], slopes: [1, 2]}", "policy.value_curve.slopes = [1, 2]: slopes must be decreasing"),
    ("{breakpoints: [0.8, 0.5, 1], slopes: [3, 2, 1]}", "policy.value_curve.breakpoints = [0.8, 0.5, 1]: must rise"),
    ("{breakpoints: [0.5, 1], slopes: [3]}", "2 breakpoints but 1 slopes"),
])
def test_bad_value_curves_are_refused_naming_the_field(curve, message):
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(PLAIN + f"policy: {{value_curve: {curve}}}\n")
    assert message in str(raised.value)


# ---------------------------------------------------------------- monotone under the new valuation

TWO_ROLES = {PHARMACIST: {"medication_review": 900, "long_term_conditions": 400}, "pharmacy_technician": {"medication_review": 1500}}
fast = settings(max_examples=20, deadline=None)


@fast
@given(arrs=st.floats(min_value=0, max_value=2_000_000), extra=st.floats(min_value=0, max_value=500_000),
       room=st.floats(min_value=0, max_value=200), more_rooms=st.floats(min_value=0, max_value=100))
def test_more_money_or_rooms_never_lower_the_care_score(arrs, extra, room, more_rooms):
    demand = {"medication_review": 3000, "long_term_conditions": 1000}
    low = optimise(share_scenario(TWO_ROLES, arrs_sum=arrs, rooms=room, demand=demand))
    richer = optimise(share_scenario(TWO_ROLES, arrs_sum=arrs + extra, rooms=room, demand=demand))
    roomier = optimise(share_scenario(TWO_ROLES, arrs_sum=arrs, rooms=room + more_rooms, demand=demand))
    for high in (richer, roomier):
        assert high.summary()["care_score"] >= low.summary()["care_score"] - 1e-6
        assert check_result(high) == []


@fast
@given(arrs=st.floats(min_value=0, max_value=2_000_000), list_size=st.integers(min_value=20_000, max_value=150_000))
def test_lifting_caps_never_lowers_the_care_score(arrs, list_size):
    contacts = {"enhanced_practice_nurse": {"long_term_conditions": 1200}, "advanced_practitioner": {"urgent_same_day": 2500}}
    scenario = share_scenario(contacts, year="2024/25", arrs_sum=arrs, list_size=list_size)
    capped, lifted = optimise(scenario), optimise(with_caps_lifted(scenario))
    assert lifted.summary()["care_score"] >= capped.summary()["care_score"] - 1e-6


@pytest.mark.parametrize("path", sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_examples_leave_no_servable_need_at_zero(path):
    from optimiser.scenario_io import load_scenario

    result = optimise(load_scenario(path))
    care = result.care()
    servable = sorted({d for (_, d) in result.inputs.contacts_by_pair})
    assert (care.loc[servable, "served_share"] > 0.2).all(), care["served_share"]
