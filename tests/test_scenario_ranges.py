"""A number outside what a scenario field allows: one sentence naming the file, the field, the value with its unit and
every bound the field has ("my-pcn.yaml: horizon is 20 years; give 1 to 15"), for every bounded field."""

from __future__ import annotations

import copy
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from optimiser.errors import ScenarioError, allowed_range, with_unit
from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.scenario_units import UNITLESS, UNITS

ROOT = Path(__file__).resolve().parents[1]
RURAL = ROOT / "scenarios" / "rural-2026-27.yaml"
PLAN = ROOT / "scenarios" / "plan-rural-2025-26.yaml"

PLACES: dict[str, tuple[str, ...]] = {
    "PCN": ("pcn",), "Money": ("money",), "Estate": ("estate",), "RoleSettings": ("roles", "clinical_pharmacist"),
    "CustomRole": ("custom_roles", "x"), "DemandSettings": ("demand", "medication_review"), "Policy": ("policy",),
    "Growth": ("growth",), "Future": ("futures", "only"), "SupervisionCapacity": ("supervision", "available", "gp"),
    "SupervisionNeed": ("supervision", "needs", "clinical_pharmacist"), "Scenario": (),
}
"""Where each section sits in a scenario file, as a path of keys (a mapping's entry is given a name)."""


def _models(model: type[BaseModel] = Scenario, seen: set | None = None) -> list[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return []
    seen.add(model)
    found = [model]
    for field in model.model_fields.values():
        for inner in [field.annotation, *typing.get_args(field.annotation),
                      *(a for arg in typing.get_args(field.annotation) for a in typing.get_args(arg))]:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                found += _models(inner, seen)
    return found


def bounded_fields() -> list[tuple[str, str, dict]]:
    """Every (section, field, its bounds) with ge/gt/le/lt in the scenario's models."""
    fields = []
    for model in _models():
        for name, field in model.model_fields.items():
            bounds = {b: getattr(rule, b) for rule in field.metadata for b in ("ge", "gt", "le", "lt") if getattr(rule, b, None) is not None}
            if bounds:
                fields.append((model.__name__, name, bounds))
    return fields


def test_every_bounded_field_has_a_unit_or_is_a_plain_number():
    names = {name for _, name, _ in bounded_fields()}
    assert {"horizon", "list_size", "in_post_wte", "hours_per_week", "probability"} <= names  # the walk reaches every section
    assert names - set(UNITS) - UNITLESS == set()
    assert {model for model, _, _ in bounded_fields()} <= set(PLACES)


def rural() -> dict:
    data = yaml.safe_load(RURAL.read_text())
    data["custom_roles"] = {"x": {"name": "X", "afc_band": "6", "serves": {"msk": 1}}}
    data["futures"] = {"only": {"probability": 1}}
    data["supervision"] = {"available": {"gp": {"hours_per_week": 10}}, "needs": {"clinical_pharmacist": {"hours_per_week_per_wte": 1}}}
    return data


def beyond_each_bound() -> list[tuple[str, str, dict, float]]:
    """Each bounded field with a value just beyond each of its bounds."""
    cases = []
    for model, name, bounds in bounded_fields():
        low, high = bounds.get("ge", bounds.get("gt")), bounds.get("le", bounds.get("lt"))
        cases += [(model, name, bounds, value) for value in (None if low is None else low - 1, None if high is None else high + 1)
                  if value is not None]
    return cases


@pytest.mark.parametrize(("model", "name", "bounds", "value"), beyond_each_bound(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_value_beyond_any_bound_names_the_field_the_value_with_its_unit_and_every_bound(model, name, bounds, value):
    data = copy.deepcopy(rural())
    section = data
    for key in PLACES[model]:
        section = section.setdefault(key, {})
    section[name] = value
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data, "my-pcn.yaml")
    path = ".".join([*PLACES[model], name])
    unit = UNITS.get(name)
    assert f"{path} is {with_unit(value, unit)}; {allowed_range(**bounds)}" in error.value.problems
    assert (unit is None) == (name in UNITLESS)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(("command", "source", "old", "new", "sentence"), [
    ("plan", PLAN, "horizon: 5", "horizon: 20", "horizon is 20 years; give 1 to 15"),
    ("solve", RURAL, "clinical_pharmacist: {in_post_wte: 2}", "clinical_pharmacist: {in_post_wte: 600}",
     "roles.clinical_pharmacist.in_post_wte is 600 WTE; give 0 to 500"),
    ("solve", RURAL, "weighted_population: 33000", "weighted_population: 0",
     "pcn.weighted_population is 0 weighted patients; give more than 0, up to 2,000,000"),
    ("solve", RURAL, "top_up_budget_gbp: 20000", "top_up_budget_gbp: -20000", "money.top_up_budget_gbp is -£20,000 a year; give 0 or more"),
    ("solve", RURAL, "room_sessions_per_week: 90", "room_sessions_per_week: -4", "estate.room_sessions_per_week is -4 sessions a week; give 0 or more"),
])
def test_the_cli_names_the_file_the_field_the_value_and_what_is_allowed(command, source, old, new, sentence, tmp_path):
    assert_cli_says(command, source, old, new, sentence, tmp_path)


def assert_cli_says(command: str, source, old: str, new: str, sentence: str, tmp_path) -> None:
    """As a user meets it: solve or plan on a file of their own, exit code 2, the sentence alone, no traceback."""
    text = source.read_text()
    assert old in text
    path = tmp_path / "my-pcn.yaml"
    path.write_text(text.replace(old, new, 1))
    done = run(command, str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"Error: {path}: {sentence}"


def test_a_plan_growth_rate_out_of_range_is_one_sentence_with_its_unit(tmp_path):
    path = tmp_path / "my-pcn.yaml"
    text = PLAN.read_text()
    assert "\ngrowth:" not in text
    path.write_text(text + "growth: {discount_rate_percent: 120}\n")
    done = run("plan", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: {path}: growth.discount_rate_percent is 120% a year; give 0 to 100"
