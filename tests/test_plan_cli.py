"""`plan` on the command line: text, JSON and CSV, files, exit codes; numbers checked against hand derivations."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
import yaml

from optimiser.catalogue_rules import financial_year_of, later_financial_year
from optimiser.plan_inputs import future_in_words
from optimiser.scenario_io import scenario_to_text
from optimiser.scenario_problems import parse_scenario
from optimiser.scenario_sections import Future
from tests.test_cli import run
from tests.test_plan import C1, FUNDING_FUTURES, plan_scenario


def robust_case(tmp_path):
    """The robust-versus-expected case of tests/test_plan.py: robust hires 1.795 WTE now, expected value 1.994."""
    scenario = plan_scenario(arrs_sum=100_000, top_up=12_500, horizon=2, growth={"pay_award_afc_percent": 25},
                             futures=FUNDING_FUTURES)
    path = tmp_path / "plan.yaml"
    path.write_text(scenario_to_text(scenario))
    return path


def test_plan_json_gives_the_hand_derived_plans(tmp_path):
    path = robust_case(tmp_path)
    robust = json.loads(run("plan", str(path), "--format", "json", "--mode", "robust").stdout)
    assert robust["summary"]["verdict"] == "Hiring 1.8 WTE clinical pharmacist now stays within the top-up budget in every future."
    assert robust["summary"]["expected_care_value"] == pytest.approx(1000 * (1.5 * 112_500 + 0.5 * 137_500) / C1)
    expected = json.loads(run("plan", str(path), "--format", "json").stdout)
    frozen = [row for row in expected["years"] if row["future"] == "frozen" and row["year"] == "2026/27"][0]
    assert frozen["own_money_over_budget_gbp_per_year"] == 12_500


def test_plan_text_csv_and_files(tmp_path):
    path = robust_case(tmp_path)
    text = " ".join(run("plan", str(path)).stdout.split())  # the report wraps at the terminal's width
    assert "the second, 1.0 WTE clinical pharmacist, needs £12.5k of own money a year beyond the top-up budget from 2026/27" in text
    assert "What the uncertainty costs" in text
    before, technical = text.split("Technical details: ")  # solver words close the report, out of a manager's way
    assert "LP" not in before and "LP" in technical
    csv = run("plan", str(path), "--format", "csv", "--no-compare").stdout
    assert csv.splitlines()[0].startswith("future,year,probability,total_wte,new_wte,arrs_sum_gbp_per_year")
    assert len(csv.splitlines()) == 1 + 4  # two futures × two years
    done = run("plan", str(path), "--output", str(tmp_path / "out"))
    assert done.returncode == 0 and (tmp_path / "out" / "plan_years.csv").exists()
    again = run("plan", str(path), "--output", str(tmp_path / "out"))
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_plan_bad_input_and_infeasible_exit_codes(tmp_path):
    path = robust_case(tmp_path)
    assert run("plan", str(path), "--horizon", "0").returncode == 2
    wrong = run("plan", str(path), "--horizon", "1")  # the futures name 2026/27, outside a one-year plan
    assert wrong.returncode == 2 and "not a year of the plan" in wrong.stderr
    data = parse_scenario(yaml.safe_load(path.read_text()), "x").model_dump(mode="json", exclude_defaults=True)
    data["roles"]["clinical_pharmacist"]["in_post_wte"] = 2.2  # 2.2 × C1 > 100,000 + 12,500 when frozen
    data["money"]["top_up_budget_gbp"] = 12_500
    data["policy"]["in_post_beyond_arrs_sum"] = "infeasible"  # else staff in post beyond the sum are paid outside ARRS
    (tmp_path / "tight.yaml").write_text(scenario_to_text(parse_scenario(data, "x")))
    infeasible = run("plan", str(tmp_path / "tight.yaml"), "--mode", "robust")
    said = " ".join(infeasible.stderr.split())
    # 2.2 × C1 = £137,912.50 a year from 2026/27; the £12,500 top-up pays part of it, so £125,412.50 is claimed
    # against the sum: £100,000 frozen (£25,412.50 short), £125,000 funded (£412.50 short).
    assert infeasible.returncode == 1 and "(own money within the top-up budget in every future)" in said
    assert ("2026/27, if the ARRS sum is frozen (chance 50%): staff already in post claim £125,412 a year of ARRS beyond "
            "what the top-up budget pays, but the ARRS sum is £100,000: £25,412 short") in said


def test_a_plan_from_a_past_year_says_so_in_one_line_and_still_plans(tmp_path):
    """The robust case starts in 2025/26; a manager reading "this year (2025/26)" in 2026/27 is told it is a past year.
    The plan is still made (audits and comparisons use past years)."""
    done = run("plan", str(robust_case(tmp_path)), "--no-compare")
    assert done.returncode == 0
    now = financial_year_of(date.today())
    notes = [line for line in done.stdout.splitlines() if line.startswith("Note:")]
    assert notes == [f"Note: the plan starts in 2025/26, a past financial year; the current one is {now}."]


def test_only_a_year_already_over_is_past():
    assert later_financial_year("2025/26", date(2026, 11, 26)) == "2026/27"
    assert later_financial_year("2025/26-april", date(2026, 4, 1)) == "2026/27"
    assert later_financial_year("2025/26", date(2026, 3, 31)) is None  # still 2025/26 until 31 March
    assert later_financial_year("2026/27", date(2026, 11, 26)) is None
    assert later_financial_year("2027/28", date(2026, 11, 26)) is None


def test_over_the_top_up_budget_reads_0_where_nothing_is_over_in_text_and_data(tmp_path):
    """Expected value, robust case: only 'frozen' in 2026/27 needs own money beyond the budget, £25,000 against £12,500
    (docstring of tests/test_plan.py). A blank cell reads as 'unknown': the text shows £0 like every other money
    column, and the data files keep the number 0.0."""
    path = robust_case(tmp_path)
    text = run("plan", str(path), "--no-compare").stdout
    table = text[text.index("Year by year"):text.index("WTE in post")]
    rows = [line.split() for line in table.splitlines() if line.split()[:1] in (["funded"], ["frozen"])]
    over = 7  # future, year, staff, new staff, ARRS claimed, ARRS unspent, own money, over the top-up budget
    assert [(r[0], r[1], r[over]) for r in rows] == [
        ("funded", "2025/26", "£0"), ("funded", "2026/27", "£0"), ("frozen", "2025/26", "£0"), ("frozen", "2026/27", "£12,500")]
    run("plan", str(path), "--no-compare", "--output", str(tmp_path / "csv"))
    with open(tmp_path / "csv" / "plan_years.csv", newline="") as file:
        assert [row["own_money_over_budget_gbp_per_year"] for row in csv.DictReader(file)] == ["0.0", "0.0", "0.0", "12500.0"]
    years = json.loads(run("plan", str(path), "--no-compare", "--format", "json").stdout)["years"]
    assert [row["own_money_over_budget_gbp_per_year"] for row in years] == [0.0, 0.0, 0.0, 12500.0]


def test_the_plan_summary_gives_the_discount_rate_in_the_scenarios_unit():
    """The planning default discount rate is 3.5 % a year (tests/test_plan_inputs.py); the summary said 0.035 under a
    name with no unit, where the scenario writes growth.discount_rate_percent: 3.5."""
    summary = json.loads(run("plan", "scenarios/plan-rural-2025-26.yaml", "--format", "json", "--no-compare").stdout)["summary"]
    assert summary["discount_rate_percent"] == 3.5 and "discount_rate" not in summary


def test_a_future_with_no_description_says_what_it_sets_in_units():
    """A blank 'What differs' reads as 'nothing': a future without a description is described from its settings."""
    future = Future.model_validate({
        "probability": 0.5, "arrs_frozen_from": "2027/28", "extra_room_sessions_per_week": {"2028/29": 20},
        "top_up_budget_gbp": {"2027/28": 25_000},
        "growth": {"pay_award_afc_percent": {"2027/28": 5, "later": -1}, "list_growth_percent": 1.5, "discount_rate_percent": 3.5},
    })
    assert future_in_words(future) == (
        "the ARRS sum is frozen in cash from 2027/28; Agenda for Change pay award 5% in 2027/28, -1% in other years; "
        "list growth 1.5% a year; care discounted at 3.5% a year; 20 more room sessions a week from 2028/29; "
        "a top-up budget of £25,000 a year from 2027/28")
    assert future_in_words(Future(probability=1, growth={"arrs_pot_growth_percent": 2.5})) == "ARRS sum growth 2.5% a year"
    assert future_in_words(Future(probability=1)) == "nothing beyond the plan's growth"


def test_the_plan_shows_what_an_undescribed_future_sets(tmp_path):
    data = yaml.safe_load(robust_case(tmp_path).read_text())
    for future in data["futures"].values():
        future.pop("description")
    (tmp_path / "bare.yaml").write_text(yaml.safe_dump(data))
    futures = json.loads(run("plan", str(tmp_path / "bare.yaml"), "--format", "json", "--no-compare").stdout)["futures"]
    assert {row["future"]: row["description"] for row in futures} == {
        "funded": "the ARRS sum follows the pay awards", "frozen": "the ARRS sum is frozen in cash from 2026/27"}


def test_a_need_in_several_futures_gives_their_chance_in_all():
    """The rural plan example: the plan's later hiring needs own money beyond the top-up budget in 'frozen' (20%, the
    most: £42k by 2029/30), and also in 'unfunded' (40%) and 'hub' (10%), not in 'funded' (its column of the year
    table is £0 throughout). A board reading only "chance 20%" would underrate it: 20 + 40 + 10 = 70% in all."""
    done = run("plan", "scenarios/plan-rural-2025-26.yaml", "--no-compare")
    assert done.returncode == 0
    assert "if the ARRS sum is frozen in cash from 2027/28 (chance 20%; also in 2 other futures, 70% chance in all)" in " ".join(done.stdout.split())
