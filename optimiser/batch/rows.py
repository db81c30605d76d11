"""Table rows → validated scenarios: each row is the base with its cells, validated once by the core's Scenario model,
each problem located by row number and column (from pydantic's error location, never from a sentence's wording).

A chunk's rows share one base, so the base is validated once (`RowStart`): sections and roles no column sets go into
each row's data already validated, and pydantic keeps them as they are; the rest is the base's raw data with the
row's cells. A role's settings as a row gives them (the base's, with staff in post from the table) repeat from PCN to
PCN, so each distinct one is validated once a worker and reused. Cells are read a column at a time. A row with a
problem is validated like any other, so it gets the same sentences.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from optimiser.batch.table import DEMAND_RATE, DEMAND_RATE_BOUNDS, DEMAND_RATE_UNIT, NO_ICB, TEXT_FIELDS, RowProblem
from optimiser.errors import allowed_number, allowed_range, outside
from optimiser.scenario import Scenario
from optimiser.scenario_problems import located_problems
from optimiser.scenario_sections import RoleSettings

MAX_KNOWN_SETTINGS = 50_000
"""Validated role settings a worker keeps (a few hundred bytes each); past this it starts again."""
_known_settings: dict[tuple, RoleSettings] = {}


@dataclasses.dataclass(frozen=True)
class TableRow:
    """A row read: its identity and either its validated scenario or its problems."""

    row: int
    pcn_id: str
    name: str
    icb: str
    scenario: Scenario | None
    problems: list[RowProblem]


class RowStart:
    """What every row of a chunk starts from: the base with what no column sets already validated, and how each
    column's cell goes in (its path in a scenario, and whether it is text or a rate per 1,000 patients)."""

    def __init__(self, base: dict, targets: dict[str, tuple[str, ...]]):
        self.columns = [(column, path, _kind(column, path), tuple(path[:depth] for depth in range(1, len(path))))
                        for column, path in targets.items()]
        self.column_of = {path: column for column, path in targets.items()}
        self.roles_set = sorted({path[1] for path in targets.values() if path[0] == "roles"})
        self.data = dict(base)
        sections = {path[0] for path in targets.values()}
        probe = copy.deepcopy(base)
        probe.setdefault("pcn", {}).update({"name": "probe", "list_size": 1, "weighted_population": 1})
        probe.setdefault("estate", {}).setdefault("room_sessions_per_week", 0)
        try:
            valid = Scenario.model_validate(probe)
        except ValidationError:
            return  # every row then reports the base's problem, in full, as it did before
        for key, value in base.items():
            if key not in sections and key in Scenario.model_fields:
                self.data[key] = getattr(valid, key)
            elif key in ("roles", "demand") and isinstance(value, dict):
                entries = {path[1] for path in targets.values() if path[0] == key}
                self.data[key] = {name: entry if name in entries else getattr(valid, key)[name] for name, entry in value.items()}


def table_rows(table: pd.DataFrame, base: dict, targets: dict[str, tuple[str, ...]], numbers: Iterable[int] | None = None) -> Iterator[TableRow]:
    """Each row as base + its cells, validated once; rows are yielded lazily so memory does not grow with the table.

    `numbers`: each row's number as a spreadsheet shows it, when `table` holds only some of a table's rows.
    """
    numbers = range(2, len(table) + 2) if numbers is None else numbers
    start = RowStart(base, targets)
    cells = {}
    for position, column in enumerate(table.columns):
        cells[column] = _cells(table.iloc[:, position])  # a repeated name: the last column wins, as it always has
    for i, number in enumerate(numbers):
        yield _row(number, {column: values[i] for column, values in cells.items()}, start)


def ods_code_of(cell: Any) -> str:
    """A row's key in the records and the resume log: its ODS code as written ('' when the cell is empty)."""
    return str(_cell(cell) or "")


def _kind(column: str, path: tuple[str, ...]) -> str:
    if column.startswith(DEMAND_RATE + "."):
        return "rate"
    return "text" if path[-1] in TEXT_FIELDS else "number"


def _row(number: int, cells: dict[str, Any], start: RowStart) -> TableRow:
    pcn_id = str(cells.get("ods_code") or "")
    problems: list[RowProblem] = []
    data, copied = dict(start.data), set()
    for column, path, kind, prefixes in start.columns:
        value = cells.get(column)
        if value is None:
            continue
        if kind == "rate":
            value = _rate_times_list_size(value, cells.get("list_size"))
            if isinstance(value, str):
                problems.append(RowProblem(number, pcn_id, column, value))
                continue
            if value is None:
                continue  # the list size itself is reported; a rate times a bad list size would only echo it
        elif kind == "text":
            value = str(value)
        elif isinstance(value, str) and _is_number(value):
            value = float(value)  # CSV cells are text; text that is not a number is left for the core to report
        _set(data, path, prefixes, value, copied)
    if not pcn_id:
        problems.append(RowProblem(number, pcn_id, "ods_code", "required but missing: each PCN needs its ODS code"))
    fresh = _known_roles(data, start.roles_set)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        for loc, sentence in located_problems(error):
            problems.append(RowProblem(number, pcn_id, _column_for(loc, start.column_of), sentence))
    name, icb = str(cells.get("name") or ""), str(cells.get("icb") or NO_ICB)
    if problems:
        return TableRow(number, pcn_id, name, icb, None, [dataclasses.replace(p, pcn_name=name, icb=icb) for p in problems])
    if len(_known_settings) > MAX_KNOWN_SETTINGS:
        _known_settings.clear()
    for role, key in fresh:
        _known_settings[key] = scenario.roles[role]
    return TableRow(number, pcn_id, name, icb, scenario, problems)


def _known_roles(data: dict, roles: list[str]) -> list[tuple[str, tuple]]:
    """Put in place the settings of `roles` already validated in another row; return the others, with their keys."""
    if not roles or not isinstance(data.get("roles"), dict):
        return []
    section = data["roles"] = dict(data["roles"])  # the row's own: the start's is shared by every row
    fresh = []
    for role in roles:
        entry = section.get(role)
        if isinstance(entry, dict) and (key := _settings_key(entry)) is not None:
            if (known := _known_settings.get(key)) is None:
                fresh.append((role, key))
            else:
                section[role] = known
    return fresh


def _settings_key(entry: dict) -> tuple | None:
    """A role's settings as data, as a key: each value with its type (1 and True are different settings); None for a
    value that cannot be a key or is -0.0 (equal to 0.0, but not the same setting as written back)."""
    key = []
    for field, value in entry.items():
        if type(value) not in (int, float, str, bool, type(None)) or (type(value) is float and value == 0 and math.copysign(1.0, value) < 0):
            return None
        key.append((field, type(value), value))
    return tuple(key)


def _cells(column: pd.Series) -> list:
    """A column's cells as `_cell` gives them, a numeric column at once (empty cells are NaN there)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iufb":
        values = column.to_numpy()
        cells = values.tolist()
        if values.dtype.kind == "f":
            for i in np.flatnonzero(np.isnan(values)).tolist():
                cells[i] = None
        return cells
    return [_cell(value) for value in column]


def _rate_times_list_size(value: Any, list_size: Any) -> float | str | None:
    """Contacts a year from a rate per 1,000 patients; if the rate is bad, the sentence a scenario field gets (the row's
    problem names the column); None if the list size is bad."""
    if not _is_number(value):
        return outside("the rate", value, allowed_number(DEMAND_RATE_UNIT, **DEMAND_RATE_BOUNDS))
    rate = float(value)
    if rate < DEMAND_RATE_BOUNDS["ge"]:
        return outside("the rate", rate, allowed_range(**DEMAND_RATE_BOUNDS), DEMAND_RATE_UNIT)
    if not _is_number(list_size) or float(list_size) <= 0:
        return None
    return rate * float(list_size) / 1000


def _column_for(loc: tuple, column_of: dict[tuple[str, ...], str]) -> str:
    """The table column a problem comes from: the longest column path that starts its location ('' for the base)."""
    loc = tuple(str(part) for part in loc)
    for length in range(len(loc), 0, -1):
        if loc[:length] in column_of:
            return column_of[loc[:length]]
    return ""


def _cell(value: Any) -> Any:
    """A cell as a plain Python value; empty cells are None (the base or the default applies)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _set(data: dict, path: tuple[str, ...], prefixes: tuple[tuple[str, ...], ...], value: Any, copied: set[tuple[str, ...]]) -> None:
    """Set a value in a shallow copy of the base, copying only the mappings on its path (once each, noted in `copied`):
    the base is shared by every row and never changed. `prefixes`: the path of each mapping on the way."""
    for key, prefix in zip(path, prefixes):
        if prefix not in copied:
            inner = data.get(key, {})
            if not isinstance(inner, dict):
                return
            data[key] = dict(inner)
            copied.add(prefix)
        data = data[key]
    data[path[-1]] = value
