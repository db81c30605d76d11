"""Scenario files: every bad input gets a sentence naming the field, the value and what is allowed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from optimiser.errors import ScenarioError
from optimiser.pipeline import optimise
from optimiser.scenario_io import load_scenario, save_scenario, scenario_from_text, scenario_to_text

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.yaml"))
MINIMAL = """
pcn: {name: Minimal PCN, list_size: 30000, weighted_population: 30000}
year: "2025/26"
estate: {room_sessions_per_week: 80}
"""


def problems_of(text: str) -> str:
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text, "test.yaml")
    return str(raised.value)


def test_a_minimal_scenario_derives_the_arrs_sum_from_the_published_rate():
    result = optimise(scenario_from_text(MINIMAL))
    arrs = result.inputs.funding.at["arrs", "sum_gbp"]
    assert arrs == pytest.approx(30_000 * 26.631) == pytest.approx(798_930)


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"pcn": {"list_size": -5}}, "pcn.list_size is -5 patients; give more than 0, up to 1,000,000"),
        ({"estate": {"room_sessions_per_week": ".nan"}}, "estate.room_sessions_per_week is nan; give a number of sessions a week, 0 or more"),
        ({"estate": {"room_sessions_per_week": ".inf"}}, "estate.room_sessions_per_week is inf; give a number of sessions a week, 0 or more"),
        ({"estate": {"room_sesions_per_week": 3}}, "estate.room_sesions_per_week: unknown key; did you mean 'room_sessions_per_week'?"),
        ({"roles": {"clinical_pharmacst": {"in_post_wte": 1}}}, "'clinical_pharmacst' is not a role in the 2025/26 catalogue; did you mean 'clinical_pharmacist'?"),
        ({"roles": {"clinical_pharmacist": {"in_post": 1}}}, "roles.clinical_pharmacist.in_post: unknown key; did you mean 'in_post_wte'?"),
        ({"roles": {"clinical_pharmacist": {"in_post_wte": "two"}}}, "roles.clinical_pharmacist.in_post_wte is 'two'; give a number of WTE, 0 to 500"),
        ({"demand": {"msk_pain": {"contacts_per_year": 10}}}, "'msk_pain' is not a demand category"),
        ({"year": "2030/31"}, "year '2030/31' has no ARRS rules; choose one of 2023/24-april, 2023/24, 2024/25-april, 2024/25, 2025/26-april, 2025/26, 2026/27"),
        ({"policy": {"remove_caps": ["advanced_practitoner"]}}, "did you mean 'advanced_practitioner'?"),
        ({"money": {"top_up_budget_gbp": -1}}, "money.top_up_budget_gbp is -£1 a year; give 0 or more"),
        ({"productivity": {"clinical_pharmacist": {"medication_review": -3}}}, "productivity.clinical_pharmacist.medication_review is -3 contacts per WTE-year; give 0 to 100,000"),
        ({"pcn": {"list_size": True}}, "pcn.list_size is True; give a whole number of patients, more than 0, up to 1,000,000"),
        ({"year": "2023/24", "roles": {"general_practitioner": {"in_post_wte": 1}}},
         "'general_practitioner' is not a role in the 2023/24 catalogue; it is an ARRS role in 2024/25, 2025/26, 2026/27"),
        ({"year": 2031}, "year '2031' has no ARRS rules"),
    ],
)
def test_bad_values_are_named_with_what_is_allowed(change, expected):
    data = yaml.safe_load(MINIMAL)
    for key, value in change.items():
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    text = yaml.safe_dump(data).replace("'.nan'", ".nan").replace("'.inf'", ".inf")
    message = problems_of(text)
    assert expected in message
    assert "Traceback" not in message


def test_a_key_given_twice_is_an_error_not_a_silent_override():
    message = problems_of(MINIMAL + 'year: "2024/25"\n')
    assert "key 'year' is given twice (first on line 3)" in message


def test_yaml_syntax_errors_give_the_line():
    assert "line 3" in problems_of("pcn:\n  name: x\n  list_size: [1, 2\nyear: 2025/26\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "the scenario is empty"),
        ("# just a comment\n", "the scenario is empty"),
        ("- a\n- list\n", "must be a mapping"),
        ("just text", "must be a mapping"),
        ("pcn: {name: x}\n", "pcn.list_size is required: give a whole number of patients, more than 0, up to 1,000,000"),
        ("pcn: {list_size: 3000}\n", "pcn.name is required: PCN name as the PCN uses it"),
        ("pcn: {nme: x, list_size: 3000}\n", "pcn.nme: unknown key; did you mean 'name'?"),
        ("roles: {clinical_pharmacist: {cost_per_wte_gbp: 60000, salary_gbp: 50000}}\n",  # a section's own check names it
         "roles.clinical_pharmacist: give one of cost_per_wte_gbp, salary_gbp or afc_band with afc_point, not cost_per_wte_gbp and salary_gbp"),
        ("custom_roles: {x: {name: X, afc_band: '6'}}\n", "custom_roles.x: a custom role must serve some demand"),
    ],
)
def test_empty_and_shapeless_files_are_sentences(text, expected):
    assert expected in problems_of(text)


def test_missing_binary_and_huge_files(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\x00\x01\x02\xff\xfe")
    with pytest.raises(ScenarioError, match="not UTF-8|binary"):
        load_scenario(binary)
    huge = tmp_path / "huge.yaml"
    huge.write_text("a: " + "x" * 2_000_000)
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(huge)
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_not_allowed_role_with_staff_in_post_is_a_sentence():
    text = MINIMAL + "roles:\n  paramedic: {allowed: false, in_post_wte: 2}\n"
    with pytest.raises(ScenarioError, match="roles.paramedic: 2 WTE in post but allowed is false"):
        optimise(scenario_from_text(text))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_saving_round_trips_exactly_and_solves_the_same(path, tmp_path):
    scenario = load_scenario(path)
    for suffix in (".yaml", ".json"):
        saved = save_scenario(scenario, tmp_path / f"copy{suffix}")
        again = load_scenario(saved)
        assert again == scenario
        assert again.canonical_json() == scenario.canonical_json()
    assert optimise(load_scenario(tmp_path / "copy.yaml")).solution.care == pytest.approx(optimise(scenario).solution.care, rel=1e-9)


def test_saving_never_overwrites_without_being_asked(tmp_path):
    scenario = load_scenario(EXAMPLES[0])
    path = save_scenario(scenario, tmp_path / "mine.yaml")
    before = path.read_bytes()
    changed = scenario.model_copy(update={"year": scenario.year})
    changed.money.top_up_budget_gbp = 1.0
    with pytest.raises(FileExistsError, match="already exists"):
        save_scenario(changed, path)
    assert path.read_bytes() == before
    save_scenario(changed, path, overwrite=True)
    assert load_scenario(path).money.top_up_budget_gbp == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["mine.yaml"]  # no temporary files left behind
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # readable by colleagues, as any file the user writes


def test_saved_files_hold_only_what_differs_from_the_defaults():
    text = scenario_to_text(scenario_from_text(MINIMAL))
    assert yaml.safe_load(text) == yaml.safe_load(MINIMAL)
    assert json.loads(scenario_to_text(scenario_from_text(MINIMAL), "json")) == yaml.safe_load(MINIMAL)


def test_a_misspelt_key_is_not_also_reported_missing():
    said = problems_of("pcn: {nme: x, list_size: 3000, weighted_population: 3000}\nestate: {room_sessions_per_week: 5}\n")
    assert "pcn.nme: unknown key; did you mean 'name'?" in said and "pcn.name is required" not in said
