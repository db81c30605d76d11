"""Each table row validated from what its chunk shares (the base validated once, role settings already seen reused)
is exactly the scenario, or the problems, the row gets validated alone: the base's raw data with its cells."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from optimiser.batch import load_base, read_table
from optimiser.batch import rows as batch_rows
from optimiser.batch.rows import _cell, _column_for, _is_number, _rate_times_list_size, table_rows
from optimiser.batch.table import DEMAND_RATE, column_targets
from optimiser.scenario import Scenario
from optimiser.scenario_problems import located_problems

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"


def _alone(record: dict, base: dict, targets: dict) -> tuple[Scenario | None, list[tuple[str, str]]]:
    """A row validated on its own, from a deep copy of the base: its scenario, or its (column, sentence) problems."""
    data, problems = copy.deepcopy(base), []
    for column, path in targets.items():
        value = _cell(record.get(column))
        if value is None:
            continue
        if column.startswith(DEMAND_RATE + "."):
            value = _rate_times_list_size(value, _cell(record.get("list_size")))
            if isinstance(value, str):
                problems.append((column, value))
                continue
            if value is None:
                continue
        elif path[-1] in ("ods_code", "name", "icb"):
            value = str(value)
        elif isinstance(value, str) and _is_number(value):
            value = float(value)
        inner = data
        for key in path[:-1]:
            inner = inner.setdefault(key, {})
        inner[path[-1]] = value
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        column_of = {path: column for column, path in targets.items()}
        return None, problems + [(_column_for(loc, column_of), sentence) for loc, sentence in located_problems(error)]
    return (None if problems else scenario), problems


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """The 50 sample PCNs, then rows with bad cells, and a row whose staff in post are bad in one role and good in the rest."""
    sample = read_table(ROOT / "scenarios" / "national" / "sample-50.csv")
    bad = sample.head(9).copy().astype(object)
    for i, (column, value) in enumerate([("list_size", -5), ("weighted_population", "lots"), ("in_post_wte.paramedic", -1),
                                         ("demand_per_1000_patients.msk", "x"), ("room_sessions_per_week", True),
                                         ("top_up_budget_gbp", " 1200 "), ("in_post_wte.clinical_pharmacist", 600),
                                         ("in_post_wte.paramedic", True), ("in_post_wte.paramedic", "0.5")]):
        bad.loc[bad.index[i], column] = value
    bad["ods_code"] = [f"BAD{i}" for i in range(len(bad))]
    return pd.concat([sample, bad, sample.head(5).assign(ods_code=lambda f: f["ods_code"] + "-again")], ignore_index=True)


def test_every_row_is_the_scenario_or_the_problems_it_gets_alone(table):
    base = load_base(BASE)
    targets = column_targets(table.columns, base)
    batch_rows._known_settings.clear()
    for _ in range(2):  # the second pass finds every valid row's role settings already validated
        read = list(table_rows(table, base, targets))
        for row, record in zip(read, table.to_dict("records")):
            scenario, problems = _alone(record, base, targets)
            assert row.scenario == scenario, row.pcn_id
            assert [(p.column, p.reason) for p in row.problems] == problems, row.pcn_id
    assert sum(row.scenario is None for row in read) == 7  # " 1200 " and "0.5" are numbers as a CSV gives them
    assert batch_rows._known_settings  # valid rows' settings were kept ...
    given = {part for key in batch_rows._known_settings for part in key}
    assert ("in_post_wte", int, 600) not in given and ("in_post_wte", bool, True) not in given  # ... bad ones not


def test_a_role_setting_of_one_and_of_true_are_not_the_same_setting():
    assert batch_rows._settings_key({"in_post_wte": 1}) != batch_rows._settings_key({"in_post_wte": True})
    assert batch_rows._settings_key({"in_post_wte": -0.0}) is None


def test_the_base_is_not_changed_by_its_rows(table):
    base = load_base(BASE)
    before = copy.deepcopy(base)
    list(table_rows(table, base, column_targets(table.columns, base)))
    assert base == before
