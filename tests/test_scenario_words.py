"""A word (or true, NaN, a fraction for a whole number) where a number belongs reads like a number out of range: one
sentence naming the file, the field, the value as written and what is allowed with its unit and every bound
("my-pcn.yaml: pcn.list_size is 'lots'; give a whole number of patients, more than 0, up to 1,000,000"), in a
scenario file and in a batch table's cell alike."""

from __future__ import annotations

import copy
import subprocess
import sys

import pandas as pd
import pytest

from optimiser.batch.rows import _rate_times_list_size
from optimiser.errors import ScenarioError, allowed_number, allowed_range, outside
from optimiser.scenario_problems import parse_scenario
from optimiser.scenario_units import UNITS
from tests.test_scenario_ranges import PLACES, PLAN, ROOT, RURAL, assert_cli_says, bounded_fields, rural

WHOLE = {"list_size", "horizon"}
"""The bounded fields that hold whole numbers (patients, years)."""
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"


def problems(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data, "my-pcn.yaml")
    return error.value.problems


def with_value(path: tuple[str, ...], value) -> dict:
    data = copy.deepcopy(rural())
    section = data
    for key in path[:-1]:
        section = section.setdefault(key, {})
    section[path[-1]] = value
    return data


@pytest.mark.parametrize(("model", "name", "bounds"), bounded_fields(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_word_in_any_bounded_field_names_the_field_the_word_the_unit_and_every_bound(model, name, bounds):
    path = (*PLACES[model], name)
    expected = outside(".".join(path), "lots", allowed_number(UNITS.get(name), name in WHOLE, **bounds))
    assert expected == f"{'.'.join(path)} is 'lots'; {allowed_number(UNITS.get(name), name in WHOLE, **bounds)}"
    assert expected in problems(with_value(path, "lots"))


def test_the_whole_number_fields_are_the_ones_declared_int():
    from tests.test_scenario_ranges import _models

    declared = {name for model in _models() for name, field in model.model_fields.items()
                if name in {n for _, n, _ in bounded_fields()} and (field.annotation is int or int in getattr(field.annotation, "__args__", ()))}
    assert declared == WHOLE


@pytest.mark.parametrize(("path", "value", "sentence"), [
    (("pcn", "list_size"), "lots", "pcn.list_size is 'lots'; give a whole number of patients, more than 0, up to 1,000,000"),
    (("pcn", "list_size"), 1.5, "pcn.list_size is 1.5; give a whole number of patients, more than 0, up to 1,000,000"),
    (("pcn", "list_size"), True, "pcn.list_size is True; give a whole number of patients, more than 0, up to 1,000,000"),
    (("horizon",), "five", "horizon is 'five'; give a whole number of years, 1 to 15"),
    (("money", "top_up_budget_gbp"), "lots", "money.top_up_budget_gbp is 'lots'; give a number in £ a year, 0 or more"),
    (("estate", "room_sessions_per_week"), float("nan"), "estate.room_sessions_per_week is nan; give a number of sessions a week, 0 or more"),
    (("roles", "clinical_pharmacist", "in_post_wte"), "two", "roles.clinical_pharmacist.in_post_wte is 'two'; give a number of WTE, 0 to 500"),
    (("demand", "medication_review", "priority_weight"), "high", "demand.medication_review.priority_weight is 'high'; give a number, 0 to 100"),
    (("productivity", "clinical_pharmacist", "medication_review"), "many",
     "productivity.clinical_pharmacist.medication_review is 'many'; give a number of contacts per WTE-year, 0 to 100,000"),
    (("plan", "clinical_pharmacist"), "two", "plan.clinical_pharmacist is 'two'; give a number of WTE, 0 to 500"),
    (("growth", "leaving_rate_percent", "clinical_pharmacist"), "high",
     "growth.leaving_rate_percent.clinical_pharmacist is 'high'; give a number in % of WTE a year, 0 to 100"),
    (("growth", "pay_award_afc_percent", "later"), "some", "growth.pay_award_afc_percent.later is 'some'; give a number in % a year, -100 to 100"),
    (("custom_roles", "x", "max_reimbursable_gbp"), True,
     "custom_roles.x.max_reimbursable_gbp is True; give a number in £ a year per WTE, more than 0, up to 1,000,000"),
])
def test_a_word_anywhere_a_number_belongs_reads_like_a_number_out_of_range(path, value, sentence):
    """Mappings' entries (productivity, plan, growth rates) carry the bounds checked by hand for them."""
    assert sentence in problems(with_value(path, value))


def test_an_entry_out_of_range_and_a_word_there_name_the_same_bounds():
    word = problems(with_value(("growth", "leaving_rate_percent", "clinical_pharmacist"), "high"))
    number = problems(with_value(("growth", "leaving_rate_percent", "clinical_pharmacist"), 120))
    assert "growth.leaving_rate_percent.clinical_pharmacist is 'high'; give a number in % of WTE a year, 0 to 100" in word
    assert "growth.leaving_rate_percent.clinical_pharmacist is 120% of WTE a year; give 0 to 100" in number


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(("command", "source", "old", "new", "sentence"), [
    ("solve", RURAL, "list_size: 30500", "list_size: lots", "pcn.list_size is 'lots'; give a whole number of patients, more than 0, up to 1,000,000"),
    ("solve", RURAL, "room_sessions_per_week: 90", "room_sessions_per_week: .nan", "estate.room_sessions_per_week is nan; give a number of sessions a week, 0 or more"),
    ("solve", RURAL, "clinical_pharmacist: {in_post_wte: 2}", "clinical_pharmacist: {in_post_wte: two}",
     "roles.clinical_pharmacist.in_post_wte is 'two'; give a number of WTE, 0 to 500"),
    ("plan", PLAN, "horizon: 5", "horizon: five", "horizon is 'five'; give a whole number of years, 1 to 15"),
])
def test_the_cli_names_the_file_the_field_the_word_and_what_is_allowed(command, source, old, new, sentence, tmp_path):
    assert_cli_says(command, source, old, new, sentence, tmp_path)


@pytest.mark.parametrize(("value", "sentence"), [
    ("x", "the rate is 'x'; give a number of contacts a year per 1,000 patients, 0 or more"),
    ("-5", "the rate is -5 contacts a year per 1,000 patients; give 0 or more"),
    (float("inf"), "the rate is inf; give a number of contacts a year per 1,000 patients, 0 or more"),
])
def test_a_bad_demand_rate_cell_gets_the_scenario_fields_sentence(value, sentence):
    assert _rate_times_list_size(value, 30_000) == sentence
    assert _rate_times_list_size("250", 30_000) == 7_500  # 250 per 1,000 × 30,000


def test_batch_names_row_column_value_and_what_is_allowed_in_the_same_words(tmp_path):
    """A batch table with a word for a list size, a word and a negative number for a demand rate, and a word for staff
    in post: each invalid row's line (stderr and failures.csv) is the row, the column and the scenario's sentence."""
    table = pd.read_csv(SAMPLE).head(5).astype(object)
    bad = [("list_size", "lots"), ("demand_per_1000_patients.msk", "x"), ("demand_per_1000_patients.msk", "-5"),
           ("in_post_wte.clinical_pharmacist", "two")]
    for i, (column, value) in enumerate(bad):
        table.loc[i, column] = value
    path = tmp_path / "pcns.csv"
    table.to_csv(path, index=False)
    done = run("batch", str(path), "--base", str(BASE), "--output", str(tmp_path / "out"), "--workers", "1", "--no-progress")
    assert done.returncode == 4, done.stderr
    codes = list(table["ods_code"])
    sentences = [
        "pcn.list_size is 'lots'; give a whole number of patients, more than 0, up to 1,000,000",
        "the rate is 'x'; give a number of contacts a year per 1,000 patients, 0 or more",
        "the rate is -5 contacts a year per 1,000 patients; give 0 or more",
        "roles.clinical_pharmacist.in_post_wte is 'two'; give a number of WTE, 0 to 500",
    ]
    lines = [line for line in done.stderr.splitlines() if line.startswith("invalid row")]
    assert lines == [f"invalid row {i + 2} ({codes[i]}), column {column}: {sentence}"
                     for i, ((column, _), sentence) in enumerate(zip(bad, sentences))]
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert list(failures["reason"]) == [f"{column}: {sentence}" for (column, _), sentence in zip(bad, sentences)]
    assert "Traceback" not in done.stderr


def test_rows_and_files_share_the_sentence():
    """One place for the sentence: the row's reason is what the same value in a scenario file gets."""
    in_file = problems(with_value(("pcn", "list_size"), "lots"))
    assert outside("pcn.list_size", "lots", allowed_number("patients", True, gt=0, le=1_000_000)) in in_file
    assert _rate_times_list_size("-5", 1000) == outside("the rate", -5.0, allowed_range(ge=0), "contacts a year per 1,000 patients")


@pytest.mark.parametrize("field", ["pay_award_afc_percent", "pay_award_gp_percent", "arrs_pot_growth_percent", "top_up_growth_percent"])
def test_a_word_for_a_growth_rate_says_one_number_or_years_will_do(field):
    """These rates take one number for every year or a mapping of years; a word read 'must be a mapping' alone."""
    said = problems(with_value(("growth", field), "x"))
    assert said == [f"growth.{field} is 'x'; give a number in % a year, -100 to 100, for every year, "
                    "or years and their % a year, e.g. {2027/28: 3, later: 2}"]
    assert not problems_or_none(with_value(("growth", field), 3))


def problems_or_none(data: dict) -> list[str]:
    try:
        parse_scenario(data, "my-pcn.yaml")
    except ScenarioError as error:
        return error.problems
    return []
