"""The PCN table: reading it, checking its columns and the base, and where each column goes in a scenario (each row is
validated in `rows.py`).

`PCN_COLUMNS`, `ROLE_PREFIXES` and the demand prefixes below are the one map from a PCN's flat fields (a
table column) to where each sits in a scenario. Each row is validated once, by the core's own Scenario
model; a problem's column comes from pydantic's error location, never from the wording of the sentence.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from optimiser import tables
from optimiser.errors import OptimiserError, ScenarioError
from optimiser.scenario import PCN_NUMBERS
from optimiser.scenario_io import read_scenario_data
from optimiser.scenario_problems import parse_scenario

PCN_COLUMNS: dict[str, tuple[str, ...]] = {
    "ods_code": ("pcn", "ods_code"),
    "name": ("pcn", "name"),
    "icb": ("pcn", "icb"),
    **PCN_NUMBERS,
}
"""Plain columns: column name → path in the scenario (list size, weighted population, money, estate)."""
ROLE_PREFIXES = ("in_post_wte", "max_new_wte", "cost_per_wte_gbp")
"""`in_post_wte.<role>` etc.: one column per role and setting, → roles.<role>.<setting>."""
DEMAND_COUNT = "demand_contacts_per_year"
DEMAND_RATE = "demand_per_1000_patients"
"""`demand_contacts_per_year.<category>`, or `demand_per_1000_patients.<category>` (× list size ÷ 1,000)."""
DEMAND_RATE_UNIT = "contacts a year per 1,000 patients"
DEMAND_RATE_BOUNDS = {"ge": 0}
REQUIRED_COLUMNS = ("ods_code", "name", "list_size", "weighted_population")
TEXT_FIELDS = ("ods_code", "name", "icb")
NO_ICB = "(no ICB given)"


class TableError(OptimiserError):
    """The table as a whole cannot be used: unreadable file, missing or unknown columns, a bad base or policy."""

    def __init__(self, problems: list[str], source: str | None = None, note: str = ""):
        self.problems = problems
        where = f"{source}: " if source else ""
        text = f"{where}{problems[0]}" if len(problems) == 1 else (
            f"{where}{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems))
        super().__init__(text + (f"\n{note}" if note else ""))


class PolicyError(TableError):
    """A --policy the batch does not know: about the command, not the table, so no file is named."""


@dataclasses.dataclass(frozen=True)
class RowProblem:
    """One reason a row cannot run: the row number as a spreadsheet shows it (header = row 1)."""

    row: int
    ods_code: str
    column: str
    reason: str
    policy: str = ""
    pcn_name: str = ""
    icb: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.ods_code})" if self.ods_code else "")
        column = f", column {self.column}" if self.column else ""
        policy = f", policy {self.policy}" if self.policy else ""
        return f"{where}{column}{policy}: {self.reason}"


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a PCN table from .csv, .parquet or .xlsx; every cell as read, nothing coerced yet."""
    path = Path(path)
    if not path.exists():
        raise TableError(["no such file; check the path"], str(path))
    try:
        table = tables.read_table(path)
    except ValueError as error:
        raise TableError([str(error)], str(path)) from None
    except Exception as error:  # the readers raise many types; the user needs one sentence
        raise TableError([f"cannot read the table: {error}"], str(path)) from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise TableError(["the table has no rows"], str(path))
    return table


def load_base(path: str | Path) -> dict:
    """The base scenario file (everything the table does not give; no pcn section), read by the scenario loader."""
    try:
        data = read_scenario_data(path)
    except ScenarioError as error:
        raise TableError(error.problems, str(path)) from None
    return check_base(data or {}, str(path))


def is_batch_base(data: Any) -> bool:
    """A scenario file without a pcn section is a batch's base (each PCN comes from the table), not a PCN's scenario."""
    return isinstance(data, dict) and "pcn" not in data


def check_base(data: Any, source: str = "base scenario") -> dict:
    if not isinstance(data, dict):
        raise TableError(["the base scenario must be a mapping (year, money, estate, roles, ...)"], source)
    if "year" not in data:
        raise TableError(["the base scenario needs a year, e.g. year: \"2025/26\""], source)
    probe = copy.deepcopy(data)
    probe.setdefault("pcn", {}).update({"name": "probe", "list_size": 1, "weighted_population": 1})
    probe.setdefault("estate", {}).setdefault("room_sessions_per_week", 0)
    try:
        parse_scenario(probe, source)
    except ScenarioError as error:
        raise TableError(error.problems, source) from None
    return data


def column_targets(columns: Iterable[str], base: dict) -> dict[str, tuple[str, ...]]:
    """Scenario path of each column; raises TableError for unknown, missing or doubled columns (they affect every row)."""
    from optimiser.assumptions import load_assumptions
    from optimiser.catalogue import load_catalogue

    columns, year = list(columns), base["year"]
    role_ids = list(load_catalogue(year).roles.index)
    category_ids = list(load_assumptions().categories.index)
    known = [*PCN_COLUMNS, *(f"{p}.<role>" for p in ROLE_PREFIXES), f"{DEMAND_COUNT}.<category>", f"{DEMAND_RATE}.<category>"]
    targets, problems, demand_seen = {}, [], {}
    for column in columns:
        if column in PCN_COLUMNS:
            targets[column] = PCN_COLUMNS[column]
            continue
        prefix, _, name = column.partition(".")
        if prefix in ROLE_PREFIXES and name:
            if name in role_ids:
                targets[column] = ("roles", name, prefix)
            else:
                problems.append(f"column {column!r}: {unknown(name, role_ids, f'role in the {year} catalogue')}")
        elif prefix in (DEMAND_COUNT, DEMAND_RATE) and name:
            if name not in category_ids:
                problems.append(f"column {column!r}: {unknown(name, category_ids, 'demand category')}")
            elif name in demand_seen:
                problems.append(f"columns {demand_seen[name]!r} and {column!r} both give {name} demand; keep one")
            else:
                demand_seen[name] = column
                targets[column] = ("demand", name, "contacts_per_year")
        else:
            close = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known columns: {', '.join(known)}"
            problems.append(f"column {column!r} is not a known column; {hint}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "room_sessions_per_week" not in columns and "room_sessions_per_week" not in base.get("estate", {}):
        missing.append("room_sessions_per_week")
    problems += [f"required column {c!r} is missing" for c in missing]
    if problems:
        raise TableError(problems)
    return targets


def unknown(name: str, allowed: list[str], kind: str) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
    return f"{name!r} is not a {kind}; " + (f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(sorted(allowed))}")


def check_unique_codes(table: pd.DataFrame) -> None:
    codes = table["ods_code"].astype(str)
    repeated = codes[codes.duplicated(keep=False) & table["ods_code"].notna()]
    if len(repeated):
        raise TableError([
            f"ods_code {code!r} is given in rows {', '.join(str(i + 2) for i in rows.index)}: each PCN needs its own ODS code "
            "(results and resuming are keyed on it)"
            for code, rows in repeated.groupby(repeated)
        ])
