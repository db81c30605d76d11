"""Check my plan: a manager's intended mix checked against every rule, without optimising it, beside the best mix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.catalogue import load_catalogue
from optimiser.check import check_plan
from optimiser.errors import ScenarioError
from optimiser.scenario_io import scenario_to_text
from optimiser.scenario_problems import parse_scenario
from tests.helpers import small_scenario

PHARMACIST, TECHNICIAN = "clinical_pharmacist", "pharmacy_technician"
ROOT = Path(__file__).parent.parent


def max_amount(role: str) -> float:
    return float(load_catalogue("2025/26").roles.at[role, "max_reimbursable_gbp"])


def with_plan(scenario, plan):
    return parse_scenario({**scenario.model_dump(exclude_none=True), "plan": plan})


def test_a_plan_over_the_arrs_sum_says_by_how_much_and_the_best_mix_fits_it():
    """ARRS for 3 pharmacists (p = the maximum reimbursable amount), a plan of 4: £p over, claimable 3p, balance −p.
    The plan delivers 4,000 contacts (need is ample); the best mix within the sum 3.0 WTE, 3,000 contacts."""
    p = max_amount(PHARMACIST)
    scenario = with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p), {PHARMACIST: 4})
    check = check_plan(scenario)
    assert check.breaches == [f"Over the ARRS sum by £{p:,.0f} a year: the plan would claim £{4 * p:,.0f} but the sum is £{3 * p:,.0f}."]
    assert check.summary["arrs_claimable_gbp_per_year"] == pytest.approx(3 * p)
    assert check.summary["arrs_balance_gbp_per_year"] == pytest.approx(-p)
    assert check.planned.summary()["served_contacts_per_year"] == pytest.approx(4000)
    assert check.comparison().at[PHARMACIST, "best_wte"] == pytest.approx(3.0)
    assert "Your plan breaks 1 rule" in check.headline() and "−1.0 clinical pharmacist" in check.headline()


def test_a_plan_within_the_rules_is_compared_with_the_best_mix():
    """Money for 2 pharmacist-equivalents; need 1,000 medication reviews. Plan: 2 pharmacists (1,000 contacts each),
    meeting all of the need. The best mix meets it with 1 pharmacist, for p a year less; the rest is left unspent."""
    p = max_amount(PHARMACIST)
    scenario = with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=2 * p, demand={"medication_review": 1000}),
                         {PHARMACIST: 2})
    check = check_plan(scenario)
    assert check.breaches == []
    assert check.summary["arrs_balance_gbp_per_year"] == pytest.approx(0, abs=1)
    assert check.headline().startswith("Your plan keeps every rule. The best mix within the rules meets as much need")
    assert f"for £{p:,.0f} a year less: −1.0 clinical pharmacist" in check.headline()


def test_rooms_caps_recruitment_and_post_size_are_each_a_sentence():
    year, nurse = "2024/25", "enhanced_practice_nurse"
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}, nurse: {"long_term_conditions": 1000}}, year=year,
                              rooms=9, policy={"min_post_wte": 0.2},
                              clinical_pharmacist={"room_sessions_per_wte_per_week": 9, "remote_share": 0, "max_new_wte": 1})
    check = check_plan(with_plan(scenario, {PHARMACIST: 1.5, nurse: 1.1}))
    text = " ".join(check.breaches)
    assert "the plan needs 22.4 clinical room sessions a week but 9 are free: 13.4 over" in text  # 13.5 + 1.1 × 8.1 = 22.41
    assert "1.1 WTE of Enhanced practice nurse is over its cap of 1 WTE by 0.1" in text
    assert "Clinical pharmacist: 1.5 new WTE is more than the 1 you could recruit" in text


@pytest.mark.parametrize("plan, message", [
    ({"pharmacist": 1}, "plan: 'pharmacist' is not a role in the 2025/26 catalogue; did you mean 'clinical_pharmacist'?"),
    ({PHARMACIST: -1}, "plan.clinical_pharmacist = -1.0: must be a number of WTE from 0 to 500"),
    ({TECHNICIAN: 1}, "plan.pharmacy_technician: 1 WTE planned but roles.pharmacy_technician.allowed is false"),
])
def test_bad_plans_are_refused_naming_the_field(plan, message):
    with pytest.raises(ScenarioError) as raised:
        with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26"), plan)
    assert message in str(raised.value)


def test_check_command_prints_the_rules_and_the_best_mix(tmp_path):
    p = max_amount(PHARMACIST)
    scenario = with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p), {PHARMACIST: 4})
    path = tmp_path / "plan.yaml"
    path.write_text(scenario_to_text(scenario))
    done = subprocess.run([sys.executable, "-m", "optimiser", "check", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"Over the ARRS sum by £{p:,.0f} a year" in done.stdout
    assert "Staff: the plan and the best mix" in done.stdout
    no_plan = tmp_path / "no-plan.yaml"
    no_plan.write_text(scenario_to_text(small_scenario({PHARMACIST: {"medication_review": 1000}})))
    failed = subprocess.run([sys.executable, "-m", "optimiser", "check", str(no_plan)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert failed.returncode == 2 and "the scenario has no plan to check" in failed.stderr and "Traceback" not in failed.stderr


def test_the_apps_plan_table_round_trips_into_a_checked_plan():
    from optimiser import check_table

    p = max_amount(PHARMACIST)
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p,
                              clinical_pharmacist={"in_post_wte": 1})
    table = check_table.plan_table(scenario)
    assert list(table["plan_wte"]) == [1.0]  # no plan yet: the staff in post
    table.loc[0, "plan_wte"] = 4.0
    check = check_plan(check_table.with_plan(scenario, table))
    assert check.breaches[0].startswith(f"Over the ARRS sum by £{p:,.0f} a year")
