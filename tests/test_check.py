"""Check my plan: a manager's intended mix checked against every rule, without optimising it, beside the best mix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.catalogue import load_catalogue
from optimiser.check import check_plan
from optimiser.check_table import need_met_compared, plan_money, supervision_in_words
from optimiser.errors import ScenarioError
from optimiser.scenario_io import scenario_to_text
from optimiser.scenario_problems import parse_scenario
from tests.helpers import small_scenario

PHARMACIST, TECHNICIAN = "clinical_pharmacist", "pharmacy_technician"
ROOT = Path(__file__).parent.parent


def yaml_text(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


def max_amount(role: str) -> float:
    return float(load_catalogue("2025/26").roles.at[role, "max_reimbursable_gbp"])


def with_plan(scenario, plan):
    return parse_scenario({**scenario.model_dump(exclude_none=True), "plan": plan})


def test_a_plan_over_the_arrs_sum_says_by_how_much_and_the_best_mix_fits_it():
    """Every planned post ARRS-funded (`beyond_arrs="breach"`, the reading before own money was counted).
    ARRS for 3 pharmacists (p = the maximum reimbursable amount), a plan of 4: £p over, claimable 3p, balance −p.
    The plan delivers 4,000 contacts (need is ample); the best mix within the sum 3.0 WTE, 3,000 contacts."""
    p = max_amount(PHARMACIST)
    scenario = with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p), {PHARMACIST: 4})
    check = check_plan(scenario, beyond_arrs="breach")
    assert check.breaches == [f"Over the ARRS sum by £{p:,.0f} a year: the plan would claim £{4 * p:,.0f} but the sum is £{3 * p:,.0f}."]
    assert check.summary["arrs_claimable_gbp_per_year"] == pytest.approx(3 * p)
    assert check.summary["arrs_balance_gbp_per_year"] == pytest.approx(-p)
    assert check.planned.summary()["served_contacts_per_year"] == pytest.approx(4000)
    assert check.comparison().at[PHARMACIST, "best_wte"] == pytest.approx(3.0)
    assert "Your plan breaks 1 rule" in check.headline() and "−1.0 WTE clinical pharmacist" in check.headline()


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
    assert f"for £{p:,.0f} a year less in total cost: −1.0 WTE clinical pharmacist" in check.headline()
    assert "-0" not in check.headline()  # the same care score differs by nothing, not by "-0.0 points"


def test_rooms_caps_recruitment_and_post_size_are_each_a_sentence():
    year, nurse = "2024/25", "enhanced_practice_nurse"
    scenario = small_scenario({PHARMACIST: {"medication_review": 1000}, nurse: {"long_term_conditions": 1000}}, year=year,
                              rooms=9, policy={"min_post_wte": 0.2},
                              clinical_pharmacist={"room_sessions_per_wte_per_week": 9, "remote_share": 0, "max_new_wte": 1})
    check = check_plan(with_plan(scenario, {PHARMACIST: 1.5, nurse: 1.1}))
    text = " ".join(check.breaches)
    assert "the plan needs 22.4 clinical room sessions a week but 9 are free: 13.4 over" in text  # 13.5 + 1.1 × 8.1 = 22.41
    assert "1.1 WTE of enhanced practice nurse is over its cap of 1 WTE by 0.1" in text
    assert "Clinical pharmacist: 1.5 new WTE is more than the 1 you could recruit" in text


@pytest.mark.parametrize("plan, message", [
    ({"pharmacist": 1}, "plan: 'pharmacist' is not a role in the 2025/26 catalogue; did you mean 'clinical_pharmacist'?"),
    ({PHARMACIST: -1}, "plan.clinical_pharmacist is -1 WTE; give 0 to 500"),
    ({PHARMACIST: 500.5}, "plan.clinical_pharmacist is 500.5 WTE; give 0 to 500"),
    ({TECHNICIAN: 1}, "plan.pharmacy_technician: 1 WTE planned but roles.pharmacy_technician.allowed is false"),
])
def test_bad_plans_are_refused_naming_the_field(plan, message):
    with pytest.raises(ScenarioError) as raised:
        with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26"), plan)
    assert message in str(raised.value)


def test_check_command_prints_the_rules_and_the_best_mix(tmp_path):
    """ARRS for 3 pharmacists, a plan of 4, no top-up: the fourth is paid wholly by the PCN, p it does not have, so the
    plan breaks a rule: the report is printed and the command exits 1 (2 for a scenario with no plan)."""
    p = max_amount(PHARMACIST)
    scenario = with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p), {PHARMACIST: 4})
    path = tmp_path / "plan.yaml"
    path.write_text(scenario_to_text(scenario))
    done = subprocess.run([sys.executable, "-m", "optimiser", "check", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"Needs £{p:,.0f} a year of top-up" in done.stdout and f"£{p:,.0f} over" in done.stdout
    assert "1.00 WTE clinical pharmacist is paid wholly from the PCN's own money" in " ".join(done.stdout.split())
    assert f"Top-up needed (£ a year) {p:,.0f} of a budget of 0" in " ".join(done.stdout.split())
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
    assert check.breaches[0].startswith(f"Needs £{p:,.0f} a year of top-up (£{p:,.0f} of it the whole employment cost of posts beyond the ARRS sum")


def test_a_post_paid_wholly_by_the_pcn_costs_its_whole_cost_when_pay_is_above_reimbursement():
    """As above, but a pharmacist costs p + d, d above the maximum reimbursable amount p. ARRS still pays 3 posts
    (claims 4p, sum 3p), so 1.0 WTE is paid wholly by the PCN at its whole cost p + d, and the 3 ARRS-funded
    posts need d each above reimbursement: own money p + 4d, as the planned mix's own money table says."""
    p, d = max_amount(PHARMACIST), 10_000.0
    base = small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p, top_up=3 * p)
    dearer = {PHARMACIST: base.roles[PHARMACIST].model_copy(update={"cost_per_wte_gbp": p + d})}
    check = check_plan(with_plan(base.model_copy(update={"roles": {**base.roles, **dearer}}), {PHARMACIST: 4}))
    assert check.own_funded == pytest.approx({PHARMACIST: 1.0})
    assert check.summary["own_funded_gbp_per_year"] == pytest.approx(p + d)
    assert check.summary["top_up_needed_gbp_per_year"] == pytest.approx(p + 4 * d)
    money = check.planned.money()["gbp_per_year"]
    assert money["Top-up used: posts paid wholly by the PCN"] == pytest.approx(p + d)
    # the note counts the ARRS claim beyond the sum (p), the broken rule the posts' whole cost (p + d): each says which
    assert check.notes == [f"The plan's ARRS claims are £{p:,.0f} a year more than the ARRS sum can pay, so 1.00 WTE clinical "
                           f"pharmacist is paid wholly from the PCN's own money (the top-up budget), at a whole employment "
                           f"cost of £{p + d:,.0f} a year."]


def test_planned_staff_beyond_the_arrs_sum_are_paid_from_own_money_as_solve_pays_them():
    """ARRS for 3 pharmacists (p = the maximum reimbursable amount, also the cost: ARRS pays a pharmacist's whole cost),
    a plan of 4. Claims 4p, sum 3p, nobody in post: ARRS pays 3p and the p beyond it is a post paid wholly by the PCN,
    1.0 WTE (4 × p / 4p). With a top-up of 2p that costs p of it and no rule is broken; with a top-up of p/2 the plan
    needs p, p/2 over. Kept as the old reading (`beyond_arrs="breach"`), the same plan is £p over the ARRS sum."""
    p = max_amount(PHARMACIST)
    base = small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p, top_up=2 * p)
    check = check_plan(with_plan(base, {PHARMACIST: 4}))
    assert check.breaches == []
    assert check.own_funded == pytest.approx({PHARMACIST: 1.0})
    assert check.summary["arrs_claimable_gbp_per_year"] == pytest.approx(3 * p)
    assert check.summary["arrs_balance_gbp_per_year"] == pytest.approx(0, abs=1e-6)
    assert check.summary["own_funded_gbp_per_year"] == pytest.approx(p)
    assert check.summary["top_up_needed_gbp_per_year"] == pytest.approx(p)
    assert check.notes == [f"The plan's ARRS claims are £{p:,.0f} a year more than the ARRS sum can pay, so 1.00 WTE clinical "
                           f"pharmacist is paid wholly from the PCN's own money (the top-up budget), at a whole employment "
                           f"cost of £{p:,.0f} a year."]
    money = check.planned.money()["gbp_per_year"]
    assert money["ARRS sum: claimed"] == pytest.approx(3 * p)
    assert money["Top-up used: posts paid wholly by the PCN"] == pytest.approx(p)

    short = check_plan(with_plan(base.model_copy(update={"money": base.money.model_copy(update={"top_up_budget_gbp": p / 2})}),
                                 {PHARMACIST: 4}))
    assert short.breaches == [f"Needs £{p:,.0f} a year of top-up (£{p:,.0f} of it the whole employment cost of posts beyond the ARRS sum, paid wholly by the PCN; "
                              f"the rest for costs above reimbursement, rent and supervision bought) but the top-up budget is "
                              f"£{p / 2:,.0f}: £{p / 2:,.0f} over."]

    old = check_plan(with_plan(base, {PHARMACIST: 4}), beyond_arrs="breach")
    assert old.breaches == [f"Over the ARRS sum by £{p:,.0f} a year: the plan would claim £{4 * p:,.0f} but the sum is £{3 * p:,.0f}."]
    assert old.own_funded == {} and old.notes == []


def test_staff_in_post_beyond_the_arrs_sum_are_paid_outside_arrs_not_a_broken_rule():
    """4 pharmacists in post, ARRS for 3 (p each), no top-up. Keeping them claims 4p: the p beyond the sum is staff in
    post, paid outside ARRS as `solve` pays it, so no rule is broken and the balance is 0. A plan of 5 adds p beyond
    what ARRS and that outside money pay: a post paid wholly by the PCN, p of top-up it does not have."""
    p = max_amount(PHARMACIST)
    base = small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p,
                          clinical_pharmacist={"in_post_wte": 4})
    kept = check_plan(with_plan(base, {PHARMACIST: 4}))
    assert kept.breaches == []
    assert kept.summary["in_post_beyond_arrs_gbp_per_year"] == pytest.approx(p)
    assert kept.summary["arrs_balance_gbp_per_year"] == pytest.approx(0, abs=1e-6)
    assert kept.notes == [f"Staff in post claim £{p:,.0f} a year beyond the ARRS sum: paid outside ARRS (own money or other "
                          "funding), as the best mix assumes too."]
    assert kept.comparison().at[PHARMACIST, "best_wte"] == pytest.approx(4.0)

    more = check_plan(with_plan(base, {PHARMACIST: 5}))
    assert more.own_funded == pytest.approx({PHARMACIST: 1.0})
    assert more.breaches == [f"Needs £{p:,.0f} a year of top-up (£{p:,.0f} of it the whole employment cost of posts beyond the ARRS sum, paid wholly by the PCN; "
                             "the rest for costs above reimbursement, rent and supervision bought) but the top-up budget is £0: "
                             f"£{p:,.0f} over."]


def test_the_own_money_note_names_the_three_largest_posts_and_counts_the_rest():
    """Own-money WTE by role, as `own_funded_wte` would give them: 0.5 pharmacist, 0.3 care co-ordinator, 0.2 link
    worker, 0.2 technician, 0.1 coach, 0.004 dietitian (under 0.005: left out) and 0 podiatrist (left out). Named:
    the three largest (the 0.2 tie broken by role id, link worker first); the rest 0.2 + 0.1 = 0.30 WTE in 2 roles."""
    from optimiser.check import PotFunding, funding_notes
    from optimiser.inputs import prepare

    inputs = prepare(parse_scenario(yaml_text(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")))
    own = {PHARMACIST: 0.5, "care_coordinator": 0.3, "social_prescribing_link_worker": 0.2, TECHNICIAN: 0.2,
           "health_and_wellbeing_coach": 0.1, "dietitian": 0.004, "podiatrist": 0.0}
    [pot] = inputs.arrs_sums_gbp
    funding = {pot: PotFunding(arrs_sum=100_000, claims=150_000, in_post_beyond=0, own_money=50_000)}
    cost = sum(w * inputs.role_columns["cost_per_wte_gbp"][r] for r, w in own.items())
    assert funding_notes(inputs, funding, own) == [
        "The plan's ARRS claims are £50,000 a year more than the ARRS sum can pay, so 0.50 WTE clinical pharmacist, 0.30 WTE "
        "care co-ordinator, 0.20 WTE social prescribing link worker and 0.30 WTE in 2 other roles are paid wholly from the "
        f"PCN's own money (the top-up budget), at a whole employment cost of £{cost:,.0f} a year."]


def test_the_urban_example_over_its_arrs_sum_lists_no_empty_posts():
    """The urban example with an ARRS sum of £500,000 and one pharmacist planned above the 4 in post: the staff in
    post already claim more than the sum, so every planned post gives the same share to own money. Roles with no
    staff give none and are not listed; the WTE the note shows add up to the plan's own-funded WTE (to rounding)."""
    import re

    data = yaml_text(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")
    data["money"]["arrs_sum_gbp"] = 500_000
    check = check_plan(parse_scenario({**data, "plan": {PHARMACIST: 5}}))
    [note] = [n for n in check.notes if "paid wholly from the PCN's own money" in n]
    assert "0.00 WTE" not in note and "in 2 other roles" in note
    assert len(re.findall(r"\d\.\d\d WTE (?!in )[a-z]", note)) == 3
    shown = sum(float(w) for w in re.findall(r"(\d+\.\d\d) WTE", note))
    assert shown == pytest.approx(check.summary["own_funded_wte"], abs=0.02)


def test_the_plans_money_rooms_and_supervision_are_labelled_with_units():
    """ARRS for 3 pharmacists (p each, 2025/26), a plan of 4, no top-up: claimable 3p, 1.00 WTE paid wholly by the PCN
    (£p), top-up needed p of a budget of 0; rooms 4 × 4.5 = 18 sessions a week of the 90,000 free (HUGE / 100), none
    rented: whole sessions read as whole numbers in one row; senior pharmacist supervision 4 × 0.23 = 0.92 hours a week."""
    p = max_amount(PHARMACIST)
    check = check_plan(with_plan(small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p),
                                 {PHARMACIST: 4}))
    money = dict(zip(*plan_money(check.summary).to_dict("list").values()))
    assert money["ARRS claimable (£ a year)"] == f"{3 * p:,.0f}"
    assert money["Posts paid wholly by the PCN (WTE; £ a year)"] == f"1.00 WTE; £{p:,.0f}"
    assert money["Top-up needed (£ a year)"] == f"{p:,.0f} of a budget of 0"
    assert money["Clinical room sessions (sessions a week)"] == "18 needed, 90,000 free, 0 rented"
    supervision = supervision_in_words(check.planned.supervision()).set_index("Supervising profession")
    assert supervision.at["Senior pharmacist supervision", "Needed (hours a week)"] == pytest.approx(0.92)
    assert supervision.at["Senior pharmacist supervision", "Available (hours a week)"] == "no limit set"  # not a blank read as 0
    need_met = need_met_compared(check.care()).set_index("Demand category")
    assert need_met["Plan: need met (%)"].tolist() == pytest.approx((check.care()["plan_served_share"] * 100).tolist())
    assert all("(" in column for column in need_met.columns)
    assert all("(" in column for column in supervision.columns)


def test_check_command_exits_0_for_a_plan_within_the_rules_and_1_for_one_that_breaks_a_rule(tmp_path):
    """Money for 2 pharmacists (p each) and no top-up: a plan of 2 keeps every rule (exit 0); a plan of 3 needs p of
    top-up it does not have (exit 1), and the report still says so."""
    from typer.testing import CliRunner

    from optimiser.cli import app

    p = max_amount(PHARMACIST)
    base = small_scenario({PHARMACIST: {"medication_review": 1000}}, year="2025/26", arrs_sum=2 * p)
    codes = {}
    for planned in (2, 3):
        path = tmp_path / f"plan-{planned}.yaml"
        path.write_text(scenario_to_text(with_plan(base, {PHARMACIST: planned})))
        done = CliRunner().invoke(app, ["check", str(path)])
        codes[planned] = (done.exit_code, "None: the plan keeps every rule." in done.output,
                          f"Needs £{p:,.0f} a year of top-up" in " ".join(done.output.split()))
    assert codes == {2: (0, True, False), 3: (1, False, True)}


def test_the_plans_rent_supervision_and_own_money_are_the_planned_results_own():
    """The urban example (70 free room sessions, rent £45 a session) with 1 hour a week of GP supervision at £90 an
    hour, and a plan needing 70.2 room sessions and 1.15 GP hours a week: it rents 0.2 sessions (£45 × 52 × 0.2 = £468
    a year) and buys 0.15 hours (£90 × 52 × 0.15 = £702 a year). The check works these out once; the planned result
    holds the same rent, hours bought and own money, so the two never disagree."""
    data = yaml_text(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")
    data["supervision"] = {"available": {"gp": {"hours_per_week": 1, "gbp_per_hour": 90}}}
    plan = {PHARMACIST: 6, "mental_health_practitioner": 1.5, "paramedic": 1, "first_contact_physiotherapist": 2.5}
    check = check_plan(parse_scenario({**data, "plan": plan}))
    assert check.needs.room_sessions_per_week == pytest.approx(70.2)
    assert check.summary["rented_sessions_per_week"] == pytest.approx(0.2)
    rooms = dict(zip(*plan_money(check.summary).to_dict("list").values()))["Clinical room sessions (sessions a week)"]
    assert rooms == "70.2 needed, 70 free, 0.2 rented"  # one decimal where the number is not whole, in the same row
    assert check.needs.supervision_hours_per_week["gp"] == pytest.approx(1.15)
    supervision = check.planned.supervision()
    assert supervision.at["gp", "bought_gbp_per_year"] == pytest.approx(702)
    assert supervision["needed_hours_per_week"].to_dict() == pytest.approx(check.needs.supervision_hours_per_week)
    money = check.planned.money()["gbp_per_year"]
    assert money["Top-up used: rented room sessions"] == pytest.approx(468)
    assert check.summary["top_up_needed_gbp_per_year"] == pytest.approx(check.planned.summary()["top_up_used_gbp_per_year"])
    assert check.breaches == []


INTENDED = ROOT / "scenarios" / "urban-deprived-2026-27-intended-mix.yaml"


def test_the_bundled_intended_mix_is_checked_and_its_headline_money_is_a_difference_shown():
    """The bundled example with a plan (every other bundled scenario has none, so `check` could not be tried). Its plan
    needs 91.3 room sessions a week against 70 free + 20 rentable and more top-up than the £60,000 budget: two broken
    rules, exit 1. The headline's "£N a year more in total cost" is the best mix's total cost less the plan's, both
    shown in the money table (it used to sit beside the employment cost alone, which leaves out rent)."""
    import re

    done = subprocess.run([sys.executable, "-m", "optimiser", "check", str(INTENDED)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    text = " ".join(done.stdout.replace("│", " ").split())
    assert "Your plan breaks 2 rules (below)." in text
    assert "the plan needs 91.3 clinical room sessions a week but 70 are free and 20 could be rented" in text  # as the README says
    assert "Needs £62,192 a year of top-up" in text and "top-up budget is £60,000" in text
    row = re.search(r"Total cost: staff, rent and supervision bought \(£ a year\) ([\d,]+) \(best mix ([\d,]+)\)", text)
    assert row, text
    plan_cost, best_cost = (int(figure.replace(",", "")) for figure in row.groups())
    assert f"for £{best_cost - plan_cost:,} a year more in total cost:" in text
    employment = int(re.search(r"Total employment cost \(£ a year\) ([\d,]+)", text).group(1).replace(",", ""))
    assert employment < plan_cost  # rent is part of the total, not of the employment cost


def test_the_readme_shows_check_on_the_bundled_intended_mix():
    readme = (ROOT / "README.md").read_text()
    assert f"check {INTENDED.relative_to(ROOT)}" in readme
    assert check_plan(parse_scenario(yaml_text(INTENDED))).scenario.plan
