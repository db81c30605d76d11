"""Batch runs: the best mix for every PCN in a table, under one or more policies, resumable, in parallel.

The flow: read the PCN table (CSV, Parquet or Excel) → validate every row (each row becomes a
Scenario through the core's `parse_scenario`, so validation is the core's) → run the pending
PCN × policy tasks in chunks, locally (one worker process per core) or on a Dask cluster → write
each finished chunk as Parquet parts, atomically → assemble per-PCN tables and roll-ups.

Numbers per PCN come from the core's prepare → build_model → compile → solve; this module only
reads answers off the solved model (the same arithmetic as `Result.mix` / `Result.summary`, checked
equal to them by tests), it never states a model rule itself.

Workers return records and never raise. Rerunning the same command skips every PCN × policy whose
fingerprint (scenario after base + row + policy, package data and engine version) is already done.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import io
import math
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from optimiser import __version__
from optimiser.atomic import write_bytes_atomic
from optimiser.errors import OptimiserError, ScenarioError, SolverError
from optimiser.report import excel_bytes
from optimiser.scenario import PCN_NUMBERS

ENGINE_VERSION = "batch-2"
"""Part of every fingerprint: bump it when the records written change meaning."""

DEFAULT_CHUNK_SIZE = 25
NO_ICB = "(no ICB given)"
FINAL_STATUSES = ("optimal", "infeasible")
"""Records with these statuses are not run again on resume; solver stops and errors are retried."""

# ================================================================ the PCN table

PLAIN_COLUMNS: dict[str, tuple[str, ...]] = {
    "ods_code": ("pcn", "ods_code"),
    "name": ("pcn", "name"),
    "icb": ("pcn", "icb"),
    **PCN_NUMBERS,
}
ROLE_PREFIXES = ("in_post_wte", "max_new_wte", "cost_per_wte_gbp")
"""`in_post_wte.<role>` etc.: one column per role and setting."""
DEMAND_COUNT = "demand_contacts_per_year"
DEMAND_RATE = "demand_per_1000_patients"
"""`demand_contacts_per_year.<category>`, or `demand_per_1000_patients.<category>` (× list size ÷ 1,000)."""
REQUIRED_COLUMNS = ("ods_code", "name", "list_size", "weighted_population")


class TableError(OptimiserError):
    """The table as a whole cannot be used: unreadable file, missing or unknown columns, a bad base or policy."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        where = f"{source}: " if source else ""
        text = f"{where}{problems[0]}" if len(problems) == 1 else (
            f"{where}{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems))
        super().__init__(text)


@dataclasses.dataclass(frozen=True)
class RowProblem:
    """One reason a row cannot run: the row number as a spreadsheet shows it (header = row 1)."""

    row: int
    ods_code: str
    column: str
    reason: str
    policy: str = ""

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
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        elif suffix in (".parquet", ".pq"):
            table = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xlsm"):
            table = pd.read_excel(path, dtype=object)
        else:
            raise TableError([f"unknown table format {suffix!r}; use .csv, .parquet or .xlsx"], str(path))
    except TableError:
        raise
    except Exception as error:  # the readers raise many types; the user needs one sentence
        raise TableError([f"cannot read the table: {error}"], str(path)) from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise TableError(["the table has no rows"], str(path))
    return table


def load_base(path: str | Path) -> dict:
    """The base scenario (YAML) as a mapping: everything the table does not give. It has no pcn section."""
    path = Path(path)
    if not path.exists():
        raise TableError(["no such base scenario file; check the path"], str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise TableError([f"cannot read the base scenario: {error}"], str(path)) from None
    return check_base(data or {}, str(path))


def check_base(data: Any, source: str = "base scenario") -> dict:
    from optimiser.scenario import parse_scenario

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


def _column_targets(columns: Iterable[str], year: str) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Scenario path of each column, and the problems with columns that have none."""
    from optimiser.assumptions import load_assumptions
    from optimiser.catalogue import load_catalogue

    role_ids = list(load_catalogue(year).roles.index)
    category_ids = list(load_assumptions().categories.index)
    known = [*PLAIN_COLUMNS, *(f"{p}.<role>" for p in ROLE_PREFIXES), f"{DEMAND_COUNT}.<category>", f"{DEMAND_RATE}.<category>"]
    targets, problems, demand_seen = {}, [], {}
    for column in columns:
        if column in PLAIN_COLUMNS:
            targets[column] = PLAIN_COLUMNS[column]
            continue
        prefix, _, name = column.partition(".")
        if prefix in ROLE_PREFIXES and name:
            if name in role_ids:
                targets[column] = ("roles", name, prefix)
            else:
                problems.append(f"column {column!r}: {_unknown(name, role_ids, f'role in the {year} catalogue')}")
        elif prefix in (DEMAND_COUNT, DEMAND_RATE) and name:
            if name not in category_ids:
                problems.append(f"column {column!r}: {_unknown(name, category_ids, 'demand category')}")
            elif name in demand_seen:
                problems.append(f"columns {demand_seen[name]!r} and {column!r} both give {name} demand; keep one")
            else:
                demand_seen[name] = column
                targets[column] = ("demand", name, "contacts_per_year")
        else:
            close = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known columns: {', '.join(known)}"
            problems.append(f"column {column!r} is not a known column; {hint}")
    return targets, problems


def _unknown(name: str, allowed: list[str], kind: str) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
    return f"{name!r} is not a {kind}; " + (f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(sorted(allowed))}")


def _cell(value: Any) -> Any:
    """A cell as a plain Python value; empty cells are None (the base or the default applies)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def _set(data: dict, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
        if not isinstance(data, dict):
            return
    data[path[-1]] = value


# ================================================================ policies

POLICY_HELP = """\
Named policies, combined with commas (e.g. "no-caps,rooms+10%"):
  as-published      the base scenario as it is (the year's published caps and rules)
  no-caps           every role cap removed
  uncap:ROLE        the cap on one role removed (e.g. uncap:enhanced_practice_nurse)
  rooms+N% / rooms-N%    clinical room sessions a week scaled by ±N%
  top-up+N% / top-up-N%  the PCN's top-up budget scaled by ±N%
  whole-posts       WTE changes only in whole posts
  reduce-in-post    staff in post may be reduced
  year:YYYY/YY      the rules, amounts and caps of another year (e.g. year:2024/25)"""

_SCALE = re.compile(r"^(rooms|top-up)([+-])(\d+(?:\.\d+)?)%$")


def parse_policy(text: str) -> list[tuple[str, Any]]:
    """A policy string as a list of steps; raises TableError naming the part it does not know."""
    from optimiser.catalogue import available_years

    steps, problems = [], []
    parts = [p.strip() for p in text.split(",")]
    for part in parts:
        scale = _SCALE.match(part)
        if part == "as-published":
            steps.append(("as_published", None))
        elif part == "no-caps":
            steps.append(("no_caps", None))
        elif part.startswith("uncap:") and part[6:]:
            steps.append(("uncap", part[6:]))
        elif scale:
            factor = 1 + (1 if scale.group(2) == "+" else -1) * float(scale.group(3)) / 100
            if factor < 0:
                problems.append(f"policy {text!r}: {part} would make a negative amount")
            steps.append((scale.group(1), factor))
        elif part == "whole-posts":
            steps.append(("whole_posts", None))
        elif part == "reduce-in-post":
            steps.append(("reduce_in_post", None))
        elif part.startswith("year:"):
            if part[5:] not in available_years():
                problems.append(f"policy {text!r}: year {part[5:]!r} has no catalogue; choose one of {', '.join(available_years())}")
            steps.append(("year", part[5:]))
        else:
            problems.append(f"policy {text!r}: {part!r} is not a policy.\n{POLICY_HELP}")
    if not text.strip():
        problems.append("a policy cannot be empty; use as-published for the base scenario as it is")
    if problems:
        raise TableError(problems)
    return steps


def _copy(value: Any) -> Any:
    """Copy of JSON-like data (dicts, lists, scalars): ten times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def apply_policy(data: dict, steps: list[tuple[str, Any]]) -> dict:
    """The scenario data with a policy applied; validation stays with parse_scenario."""
    if all(kind == "as_published" for kind, _ in steps):
        return data
    data = _copy(data)
    policy = data.setdefault("policy", {})
    for kind, value in steps:
        if kind == "no_caps":
            policy["remove_all_caps"] = True
        elif kind == "uncap":
            policy["remove_caps"] = [*policy.get("remove_caps", []), value]
        elif kind == "whole_posts":
            policy["whole_posts"] = True
        elif kind == "reduce_in_post":
            policy["allow_reducing_in_post"] = True
        elif kind == "year":
            data["year"] = value
            _drop_roles_unknown_in(data, value)
        elif kind in ("rooms", "top-up"):
            section, key = ("estate", "room_sessions_per_week") if kind == "rooms" else ("money", "top_up_budget_gbp")
            current = data.get(section, {}).get(key)
            if isinstance(current, (int, float)) and not isinstance(current, bool):
                data[section][key] = current * value
    return data


def _drop_roles_unknown_in(data: dict, year: str) -> None:
    """Settings for roles another year does not have are dropped, unless staff are in post in them."""
    from optimiser.catalogue import load_catalogue

    known = set(load_catalogue(year).roles.index)
    roles = data.get("roles", {})
    for role in [r for r in roles if r not in known]:
        if not (isinstance(roles[role], dict) and roles[role].get("in_post_wte")):
            del roles[role]
    for section in ("productivity",):
        for role in [r for r in data.get(section, {}) if r not in known]:
            del data[section][role]
    policy = data.get("policy", {})
    if "remove_caps" in policy:
        policy["remove_caps"] = [r for r in policy["remove_caps"] if r in known]


# ================================================================ rows → tasks


@dataclasses.dataclass(frozen=True)
class PCNRow:
    """A valid row: identity and the scenario data (base + row) before any policy."""

    row: int
    pcn_id: str
    name: str
    icb: str
    data: dict
    fingerprints: dict[str, str]  # policy → fingerprint


@dataclasses.dataclass
class Plan:
    """What a batch will run: valid rows, every row problem, the policies."""

    rows: list[PCNRow]
    problems: list[RowProblem]
    policies: list[str]
    table_rows: int


def data_fingerprint() -> str:
    """Hash of the package's reference data, so new catalogue figures are not skipped as done."""
    root = Path(__file__).parent / "data"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.csv")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def plan_batch(table: pd.DataFrame, base: dict, policies: list[str]) -> Plan:
    """Validate every row under every policy; report each problem with row number, column and reason."""
    from optimiser.scenario import parse_scenario

    policies = list(dict.fromkeys(policies)) or ["as-published"]
    steps = {p: parse_policy(p) for p in policies}
    targets, column_problems = _column_targets(table.columns, base["year"])
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if "room_sessions_per_week" not in table.columns and "room_sessions_per_week" not in base.get("estate", {}):
        missing.append("room_sessions_per_week")
    column_problems += [f"required column {c!r} is missing" for c in missing]
    if column_problems:
        raise TableError(column_problems)

    codes = table["ods_code"].astype(str)
    repeated = codes[codes.duplicated(keep=False) & table["ods_code"].notna()]
    if len(repeated):
        raise TableError([
            f"ods_code {code!r} is given in rows {', '.join(str(i + 2) for i in rows.index)}: each PCN needs its own ODS code "
            "(results and resuming are keyed on it)"
            for code, rows in repeated.groupby(repeated)
        ])

    salt = f"{ENGINE_VERSION}|{__version__}|{data_fingerprint()}"
    records = table.to_dict("records")
    rows, problems = [], []
    for index, record in enumerate(records):
        number = index + 2
        cells = {c: _cell(v) for c, v in record.items()}
        pcn_id = str(cells.get("ods_code") or "")
        row_problems: list[RowProblem] = []
        data = _copy(base)
        where: dict[str, str] = {}
        for column, path in targets.items():
            value = cells.get(column)
            if column.startswith(DEMAND_RATE + "."):
                where[".".join(path)] = column
                if value is None:
                    continue
                try:
                    rate, size = float(value), float(cells.get("list_size"))
                except (TypeError, ValueError):
                    if not _is_number(value):
                        row_problems.append(RowProblem(number, pcn_id, column, f"{value!r} must be a number (contacts per 1,000 patients a year)"))
                    continue
                if not math.isfinite(rate) or rate < 0:
                    row_problems.append(RowProblem(number, pcn_id, column, f"{value!r} must be a number ≥ 0"))
                    continue
                if not (math.isfinite(size) and size > 0):
                    continue  # the list size itself is reported; a rate times a bad list size would only echo it
                value = rate * size / 1000
            where[".".join(path)] = column
            if value is not None:
                if path[-1] in ("ods_code", "name", "icb"):
                    value = str(value)
                elif isinstance(value, str) and _is_number(value):
                    value = float(value)  # CSV cells are text; text that is not a number is left for the core to report
                _set(data, path, value)
        if not pcn_id:
            row_problems.append(RowProblem(number, pcn_id, "ods_code", "required but missing: each PCN needs its ODS code"))
        fingerprints, by_policy = {}, {}
        for policy in policies:
            try:
                scenario = parse_scenario(apply_policy(data, steps[policy]))
            except ScenarioError as error:
                by_policy[policy] = [(_column_for(text.split(" ", 1)[0].rstrip(":"), where), text) for text in error.problems]
                continue
            fingerprints[policy] = hashlib.sha256(f"{salt}|{scenario.canonical_json()}".encode()).hexdigest()[:24]
        if row_problems or not fingerprints:  # the row itself is bad: report each problem once, for every policy
            seen = dict.fromkeys((c, t) for found in by_policy.values() for c, t in found)
            problems += row_problems + [RowProblem(number, pcn_id, c, t) for c, t in seen]
            continue
        for policy, found in by_policy.items():  # the row is fine, but a policy cannot apply to it
            problems += [RowProblem(number, pcn_id, c, t, policy) for c, t in found]
        rows.append(PCNRow(number, pcn_id, str(cells.get("name")), str(cells.get("icb") or NO_ICB), data, fingerprints))
    return Plan(rows=rows, problems=problems, policies=policies, table_rows=len(records))


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _column_for(path: str, where: dict[str, str]) -> str:
    """The table column a scenario problem comes from ('' if it comes from the base or a policy)."""
    best, found = "", ""
    for target, column in where.items():
        if (path == target or path.startswith(target + ".")) and len(target) > len(best):
            best, found = target, column
    return found


@dataclasses.dataclass(frozen=True)
class Task:
    """One PCN under one policy: what a worker needs, and nothing else."""

    pcn_id: str
    row: int
    name: str
    icb: str
    policy: str
    fingerprint: str
    scenario: dict


def tasks_for(rows: Iterable[PCNRow], policies: list[str], done: set[tuple[str, str, str]]) -> Iterator[Task]:
    """Pending tasks, built lazily so memory does not grow with the table."""
    steps = {p: parse_policy(p) for p in policies}
    for row in rows:
        for policy in policies:
            fingerprint = row.fingerprints.get(policy)
            if fingerprint is None or (row.pcn_id, policy, fingerprint) in done:
                continue
            yield Task(row.pcn_id, row.row, row.name, row.icb, policy, fingerprint, apply_policy(row.data, steps[policy]))


# ================================================================ the worker (returns records, never raises)

SUMMARY_FIELDS: dict[str, pa.DataType] = {
    "ods_code": pa.string(), "pcn_name": pa.string(), "icb": pa.string(), "row": pa.int64(), "policy": pa.string(),
    "status": pa.string(), "reason": pa.string(),
    "list_size": pa.float64(), "weighted_population": pa.float64(),
    "total_wte": pa.float64(), "new_wte": pa.float64(), "in_post_wte": pa.float64(), "own_funded_wte": pa.float64(),
    "arrs_sum_gbp_per_year": pa.float64(), "arrs_claimed_gbp_per_year": pa.float64(), "arrs_unspent_gbp_per_year": pa.float64(),
    "in_post_beyond_arrs_gbp_per_year": pa.float64(), "top_up_used_gbp_per_year": pa.float64(), "total_cost_gbp_per_year": pa.float64(),
    "demand_contacts_per_year": pa.float64(), "served_contacts_per_year": pa.float64(), "unmet_contacts_per_year": pa.float64(),
    "weighted_care_per_year": pa.float64(), "care_score": pa.float64(), "rented_sessions_per_week": pa.float64(),
    "binding_constraints": pa.string(), "solver_seconds": pa.float64(), "worker_seconds": pa.float64(), "fingerprint": pa.string(),
}
ROLE_FIELDS: dict[str, pa.DataType] = {
    "ods_code": pa.string(), "icb": pa.string(), "policy": pa.string(), "role": pa.string(), "role_name": pa.string(),
    "in_post_wte": pa.float64(), "new_wte": pa.float64(), "reduced_wte": pa.float64(), "total_wte": pa.float64(),
    "own_funded_wte": pa.float64(),
    "cost_gbp_per_year": pa.float64(), "arrs_claimed_gbp_per_year": pa.float64(), "top_up_gbp_per_year": pa.float64(),
    "room_sessions_per_week": pa.float64(), "fingerprint": pa.string(),
}
SUMMARY_SCHEMA = pa.schema(list(SUMMARY_FIELDS.items()))
ROLE_SCHEMA = pa.schema(list(ROLE_FIELDS.items()))

_local = threading.local()


def _highs():
    """One HiGHS instance per worker thread, reused for every PCN it solves (its model is replaced each time)."""
    from optimiser.solve import new_highs

    if getattr(_local, "highs", None) is None:
        _local.highs = new_highs()
    return _local.highs


@dataclasses.dataclass
class ChunkResult:
    summary: list[dict]
    roles: list[dict]


def run_chunk(tasks: list[Task]) -> ChunkResult:
    """Solve a chunk of tasks in this process; every task yields a summary record, failures included."""
    summary, roles = [], []
    for task in tasks:
        record, role_rows = run_task(task)
        summary.append(record)
        roles += role_rows
    return ChunkResult(summary, roles)


def run_task(task: Task) -> tuple[dict, list[dict]]:
    """One PCN under one policy → (summary record, role rows), through the same pipeline as `solve`.

    Never raises (except on Ctrl-C): a failure becomes the record's status and reason.
    """
    from optimiser.explain import InfeasibleScenario
    from optimiser.pipeline import optimise
    from optimiser.scenario import parse_scenario

    started = time.perf_counter()
    record = {k: None for k in SUMMARY_FIELDS}
    record.update(ods_code=task.pcn_id, pcn_name=task.name, icb=task.icb, row=task.row, policy=task.policy,
                  fingerprint=task.fingerprint, solver_seconds=0.0)
    try:
        scenario = parse_scenario(task.scenario, f"row {task.row}")
        record.update(list_size=float(scenario.pcn.list_size), weighted_population=float(scenario.pcn.weighted_population))
        result = optimise(scenario, highs=_highs())
    except InfeasibleScenario as error:
        record.update(status="infeasible", reason="no mix meets every rule: " + " ".join(error.conflicts["explanation"]))
    except ScenarioError as error:
        record.update(status="invalid", reason="; ".join(error.problems))
    except SolverError as error:
        record.update(status="solver_error", reason=str(error))
    except OptimiserError as error:
        record.update(status="error", reason=str(error))
    except Exception as error:  # a worker never raises: the failure becomes a row with its reason
        record.update(status="error", reason=f"{type(error).__name__}: {error}")
    else:
        summary = result.summary()
        record.update({k: summary[k] for k in SUMMARY_FIELDS if k in summary and k not in ("status",)})
        record.update(status="optimal", reason="", solver_seconds=result.solution.solver_seconds,
                      in_post_wte=float(result.inputs.role_data["in_post_wte"].sum()),
                      binding_constraints="; ".join(result.binding_constraint_names()))
        keys = {"ods_code": task.pcn_id, "icb": task.icb, "policy": task.policy, "fingerprint": task.fingerprint}
        fields = [c for c in ROLE_FIELDS if c not in keys]
        role_rows = [{**keys, **{c: row[c] for c in fields}} for row in result.role_rows()]
        record["worker_seconds"] = time.perf_counter() - started
        return record, role_rows
    record["worker_seconds"] = time.perf_counter() - started
    return record, []


# ================================================================ parts on disk (the resume log)


def parts_dir(output: Path) -> Path:
    return Path(output) / "parts"


def write_chunk(output: Path, result: ChunkResult) -> None:
    """Role rows first, then the summary part, which marks the chunk done: a crash between leaves an orphan, never a gap."""
    folder = parts_dir(output)
    chunk = uuid.uuid4().hex[:16]
    if result.roles:
        write_bytes_atomic(folder / f"roles-{chunk}.parquet", _parquet(result.roles, ROLE_SCHEMA))
    write_bytes_atomic(folder / f"summary-{chunk}.parquet", _parquet(result.summary, SUMMARY_SCHEMA))


def _parquet(rows: list[dict], schema: pa.Schema) -> bytes:
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _chunk_id(path: Path) -> str:
    return path.stem.split("-", 1)[1]


def read_parts(output: Path, columns: list[str] | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """Every committed summary record, and the role parts that belong to committed chunks."""
    folder = parts_dir(output)
    summaries = sorted(folder.glob("summary-*.parquet")) if folder.exists() else []
    committed = {_chunk_id(p) for p in summaries}
    role_parts = [p for p in sorted(folder.glob("roles-*.parquet")) if _chunk_id(p) in committed] if folder.exists() else []
    if not summaries:
        return pd.DataFrame({k: pd.Series(dtype=object) for k in (columns or SUMMARY_FIELDS)}), role_parts
    tables = [pq.read_table(p, columns=columns) for p in summaries]
    return pa.concat_tables(tables).to_pandas(), role_parts


def done_keys(output: Path) -> set[tuple[str, str, str]]:
    """(ODS code, policy, fingerprint) of every task already finished with a final status."""
    frame, _ = read_parts(output, ["ods_code", "policy", "fingerprint", "status"])
    final = frame[frame["status"].isin(FINAL_STATUSES)]
    return set(zip(final["ods_code"], final["policy"], final["fingerprint"]))


# ================================================================ execution


@dataclasses.dataclass
class Progress:
    total: int
    done: int = 0
    failed: int = 0
    started: float = dataclasses.field(default_factory=time.perf_counter)


ProgressCallback = Callable[[Progress], None]


def _chunks(tasks: Iterator[Task], size: int) -> Iterator[list[Task]]:
    chunk: list[Task] = []
    for task in tasks:
        chunk.append(task)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def execute(
    chunks: Iterator[list[Task]],
    output: Path,
    progress: Progress,
    on_progress: ProgressCallback | None = None,
    pool=None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    dask_processes: bool = True,
) -> None:
    """Run every chunk and write each as it finishes; at most a few chunks are in flight at any time.

    `pool` comes from `start_pool` (None runs in this process); a Dask scheduler replaces it.
    """

    def finished(result: ChunkResult) -> None:
        write_chunk(output, result)
        progress.done += len(result.summary)
        progress.failed += sum(r["status"] != "optimal" for r in result.summary)
        if on_progress:
            on_progress(progress)

    if scheduler or dask_local:
        _execute_dask(chunks, finished, scheduler, dask_local, dask_processes)
        return
    if pool is None:
        for chunk in chunks:
            finished(run_chunk(chunk))
        return
    _execute_processes(chunks, finished, pool)


def start_pool(workers: int | None):
    """Worker processes (None for one worker: run in this process), booting in the background while the table is checked."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["optimiser.batch", "optimiser.inputs", "optimiser.model", "optimiser.solve"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_worker)
    for _ in range(workers):
        pool.submit(int)  # starts the processes now rather than at the first chunk
    return pool


def _execute_processes(chunks: Iterator[list[Task]], finished: Callable[[ChunkResult], None], pool) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait

    workers = os.cpu_count() or 1
    pending: set = set()
    try:
        for chunk in chunks:
            pending.add(pool.submit(run_chunk, chunk))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(future.result())
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finished(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _warm_worker() -> None:
    """Load the catalogue and assumptions once per worker, before the first PCN."""
    from optimiser.assumptions import load_assumptions

    load_assumptions()
    _highs()


def _execute_dask(chunks, finished, scheduler: str | None, dask_local: int | None, processes: bool) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=processes,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        with client:
            limit = 2 * max(1, sum(client.nthreads().values()))
            chunks = iter(chunks)
            queue = as_completed()
            for chunk in chunks:
                queue.add(client.submit(run_chunk, chunk, pure=False))
                if queue.count() >= limit:
                    break
            for future in queue:
                finished(future.result())
                future.release()
                following = next(chunks, None)
                if following is not None:
                    queue.add(client.submit(run_chunk, following, pure=False))
    finally:
        if cluster is not None:
            cluster.close()


# ================================================================ the whole batch


@dataclasses.dataclass
class BatchOutcome:
    plan: Plan
    summary: pd.DataFrame  # one row per PCN × policy, failures and invalid rows included
    roles: pd.DataFrame  # long form: PCN × policy × role
    skipped: int  # tasks already done before this run
    ran: int
    files: list[Path]
    seconds: float

    @property
    def failed(self) -> pd.DataFrame:
        return self.summary[self.summary["status"] != "optimal"]

    @property
    def any_failed(self) -> bool:
        return len(self.failed) > 0


def run_batch(
    table: pd.DataFrame | str | Path,
    base: dict | str | Path,
    policies: list[str],
    output: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    dask_processes: bool = True,
    strict: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    formats: tuple[str, ...] = ("csv", "parquet", "xlsx"),
    on_plan: Callable[[Plan, int], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> BatchOutcome:
    """Validate, run what is not done yet, and write the outputs. Raises TableError for unusable input."""
    started = time.perf_counter()
    output = Path(output)
    source = str(table) if not isinstance(table, pd.DataFrame) else None
    pool = None if scheduler or dask_local else start_pool(workers)
    try:
        table = read_table(table) if source else table
        base = load_base(base) if not isinstance(base, dict) else check_base(base)
        try:
            plan = plan_batch(table, base, policies)
        except TableError as error:
            raise TableError(error.problems, source) from None
        if strict and plan.problems:
            raise TableError([str(p) for p in plan.problems] + ["--strict: nothing was run"], source)

        done = done_keys(output)
        wanted = {(r.pcn_id, p, f) for r in plan.rows for p, f in r.fingerprints.items()}
        skipped = len(wanted & done)
        to_run = len(wanted) - skipped
        if on_plan:
            on_plan(plan, to_run)
        progress = Progress(total=to_run)
        if to_run:
            chunks = _chunks(tasks_for(plan.rows, plan.policies, done), chunk_size)
            execute(chunks, output, progress, on_progress, pool, scheduler, dask_local, dask_processes)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    summary, roles = assemble(output, plan)
    files = write_outputs(output, summary, roles, plan, formats)
    return BatchOutcome(plan, summary, roles, skipped, to_run, files, time.perf_counter() - started)


def assemble(output: Path, plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The current records only: one per PCN × policy with today's fingerprint, invalid rows added."""
    frame, role_parts = read_parts(output)
    wanted = pd.DataFrame(
        [(r.pcn_id, p, f) for r in plan.rows for p, f in r.fingerprints.items()], columns=["ods_code", "policy", "fingerprint"]
    )
    summary = wanted.merge(frame, on=["ods_code", "policy", "fingerprint"], how="inner")
    summary = summary.drop_duplicates(["ods_code", "policy"], keep="last")
    invalid = [
        {**{k: None for k in SUMMARY_FIELDS}, "ods_code": p.ods_code, "row": p.row, "policy": pol, "status": "invalid",
         "reason": f"{p.column}: {p.reason}" if p.column else p.reason}
        for p in plan.problems for pol in ([p.policy] if p.policy else plan.policies)
    ]
    if invalid:
        invalid_frame = pd.DataFrame(invalid).groupby(["row", "policy"], as_index=False, sort=False).agg(
            {**{k: "first" for k in SUMMARY_FIELDS if k not in ("row", "policy", "reason")}, "reason": "; ".join})
        summary = pd.concat([summary.astype(object), invalid_frame[list(SUMMARY_FIELDS)].astype(object)], ignore_index=True)
    order = {p: i for i, p in enumerate(plan.policies)}
    summary = summary[list(SUMMARY_FIELDS)]
    summary = summary.assign(_p=summary["policy"].map(order)).sort_values(["row", "_p"]).drop(columns="_p").reset_index(drop=True)
    summary = summary.astype({k: "float64" for k, t in SUMMARY_FIELDS.items() if t == pa.float64()} | {"row": "int64"})

    keep = summary.loc[summary["status"] == "optimal", ["ods_code", "policy", "fingerprint"]]
    if role_parts:
        roles = pa.concat_tables([pq.read_table(p) for p in role_parts]).to_pandas()
        roles = roles.merge(keep, on=["ods_code", "policy", "fingerprint"], how="inner")
        roles = roles.drop_duplicates(["ods_code", "policy", "role"], keep="last")
    else:
        roles = pd.DataFrame({k: pd.Series(dtype="float64" if t == pa.float64() else object) for k, t in ROLE_FIELDS.items()})
    rows = summary.drop_duplicates("ods_code").set_index("ods_code")["row"]
    roles = roles.assign(_r=roles["ods_code"].map(rows), _p=roles["policy"].map(order))
    roles = roles.sort_values(["_r", "_p", "total_wte"], ascending=[True, True, False]).drop(columns=["_r", "_p"]).reset_index(drop=True)
    return summary, roles


# ================================================================ roll-ups

ROLLUP_SUMS = [
    "list_size", "weighted_population", "in_post_wte", "new_wte", "total_wte", "own_funded_wte", "arrs_sum_gbp_per_year", "arrs_claimed_gbp_per_year",
    "arrs_unspent_gbp_per_year", "in_post_beyond_arrs_gbp_per_year", "top_up_used_gbp_per_year", "total_cost_gbp_per_year", "demand_contacts_per_year",
    "served_contacts_per_year", "unmet_contacts_per_year", "weighted_care_per_year",
]
CHANGE_MEASURES = ["total_wte", "new_wte", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year", "top_up_used_gbp_per_year",
                   "served_contacts_per_year", "unmet_contacts_per_year", "weighted_care_per_year"]


def rollup(summary: pd.DataFrame, policies: list[str], by: list[str]) -> pd.DataFrame:
    """Totals per policy (and `by`), over PCNs optimal under every policy so policies compare like with like.

    Counts of PCNs optimal and failed under each policy are given beside the totals; each measure's change
    against the first policy (the baseline) is in `change_<measure>` columns.
    """
    ok_everywhere = summary.groupby("ods_code")["status"].agg(lambda s: (s == "optimal").all() and len(s) == len(policies))
    common = summary[summary["ods_code"].map(ok_everywhere).fillna(False).astype(bool)]
    keys = [*by, "policy"]
    totals = common.groupby(keys, sort=False)[ROLLUP_SUMS].sum()
    totals.insert(0, "pcns_compared", common.groupby(keys, sort=False).size())
    counts = summary.assign(optimal=summary["status"] == "optimal", failed=summary["status"] != "optimal")
    counts = counts.assign(icb=counts["icb"].fillna(NO_ICB)) if "icb" in by else counts
    counts = counts.groupby(keys, sort=False)[["optimal", "failed"]].sum().rename(columns={"optimal": "pcns_optimal", "failed": "pcns_failed"})
    table = counts.join(totals, how="left").reset_index()
    table["pcns_compared"] = table["pcns_compared"].fillna(0).astype(int)
    table[ROLLUP_SUMS] = table[ROLLUP_SUMS].fillna(0.0)
    table = table.rename(columns={"list_size": "list_size_patients", "weighted_population": "weighted_population_patients"})
    baseline = table[table["policy"] == policies[0]].set_index(by)[CHANGE_MEASURES] if by else table[table["policy"] == policies[0]][CHANGE_MEASURES].iloc[0]
    for measure in CHANGE_MEASURES:
        if by:
            base_values = table.set_index(by).index.map(baseline[measure]).to_numpy(float)
        else:
            base_values = float(baseline[measure])
        table[f"change_{measure}"] = table[measure] - base_values
    order = {p: i for i, p in enumerate(policies)}
    return table.assign(_p=table["policy"].map(order)).sort_values([*by, "_p"]).drop(columns="_p").reset_index(drop=True)


def rollup_roles(roles: pd.DataFrame, summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """WTE, cost and ARRS claimed per role nationally, per policy, with the change against the baseline."""
    ok_everywhere = summary.groupby("ods_code")["status"].agg(lambda s: (s == "optimal").all() and len(s) == len(policies))
    common = roles[roles["ods_code"].map(ok_everywhere).fillna(False).astype(bool)]
    measures = ["in_post_wte", "new_wte", "total_wte", "cost_gbp_per_year", "arrs_claimed_gbp_per_year"]
    table = common.groupby(["role", "policy"])[measures].sum().unstack("policy").fillna(0.0)
    table = table.stack("policy", future_stack=True).reset_index() if len(table) else pd.DataFrame(columns=["role", "policy", *measures])
    names = roles.drop_duplicates("role").set_index("role")["role_name"]
    table.insert(1, "role_name", table["role"].map(names))
    base = table[table["policy"] == policies[0]].set_index("role")["total_wte"]
    table["change_total_wte"] = table["total_wte"] - table["role"].map(base).fillna(0.0)
    order = {p: i for i, p in enumerate(policies)}
    table = table.assign(_p=table["policy"].map(order), _w=-table["role"].map(base).fillna(0.0))
    return table.sort_values(["_w", "role", "_p"]).drop(columns=["_p", "_w"]).reset_index(drop=True)


def compare_by_pcn(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Per PCN, each policy against the first: the change in WTE, money and care."""
    wide = summary[summary["status"] == "optimal"].set_index(["ods_code", "policy"])[CHANGE_MEASURES]
    baseline = wide.xs(policies[0], level="policy") if policies[0] in wide.index.get_level_values("policy") else wide.iloc[:0]
    rows = []
    for policy in policies[1:]:
        if policy not in wide.index.get_level_values("policy"):
            continue
        other = wide.xs(policy, level="policy")
        change = (other - baseline).dropna(how="all").add_prefix("change_")
        change.insert(0, "policy", policy)
        change.insert(1, "baseline_policy", policies[0])
        rows.append(change.reset_index())
    columns = ["ods_code", "policy", "baseline_policy", *(f"change_{m}" for m in CHANGE_MEASURES)]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.concat(rows, ignore_index=True)
    info = summary.drop_duplicates("ods_code").set_index("ods_code")[["pcn_name", "icb", "row"]]
    table = table.join(info, on="ods_code")
    return table.sort_values(["row", "policy"])[["ods_code", "pcn_name", "icb", *columns[1:]]].reset_index(drop=True)


# ================================================================ outputs

EXCEL_MAX_ROWS = 1_048_575


def output_tables(summary: pd.DataFrame, roles: pd.DataFrame, plan: Plan) -> dict[str, pd.DataFrame]:
    policies = plan.policies
    failures = summary[summary["status"] != "optimal"][["row", "ods_code", "pcn_name", "icb", "policy", "status", "reason"]]
    return {
        "national": rollup(summary, policies, []),
        "by_icb": rollup(summary, policies, ["icb"]),
        "national_by_role": rollup_roles(roles, summary, policies),
        "comparison_by_pcn": compare_by_pcn(summary, policies),
        "pcn_summary": summary,
        "pcn_roles": roles,
        "failures": failures.reset_index(drop=True),
    }


def write_outputs(output: Path, summary: pd.DataFrame, roles: pd.DataFrame, plan: Plan, formats: tuple[str, ...]) -> list[Path]:
    """Every table as CSV and Parquet, and the roll-ups in one Excel workbook; each file replaced atomically.

    The long form (PCN × policy × role) stays out of the workbook: for a national run it is hundreds of
    thousands of cells, which openpyxl takes longer to write than the whole batch takes to solve.
    """
    tables = output_tables(summary, roles, plan)
    files = []
    for name, frame in tables.items():
        if "csv" in formats:
            files.append(_write(output / f"{name}.csv", frame.to_csv(index=False).encode("utf-8")))
        if "parquet" in formats:
            sink = io.BytesIO()
            frame.to_parquet(sink, index=False)
            files.append(_write(output / f"{name}.parquet", sink.getvalue()))
    if "xlsx" in formats:
        sheets = {name: frame for name, frame in tables.items() if name != "pcn_roles" and len(frame) <= EXCEL_MAX_ROWS}
        files.append(_write(output / "results.xlsx", excel_bytes(sheets)))
    return files


def _write(path: Path, content: bytes) -> Path:
    write_bytes_atomic(path, content, overwrite=True)
    return path


def summary_line(outcome: BatchOutcome) -> str:
    """One line: how many PCN × policy results, how many failed and why, how many were already done."""
    counts = outcome.summary["status"].value_counts()
    pcns = outcome.plan.table_rows
    failed = ", ".join(f"{n} {s}" for s, n in counts.items() if s != "optimal")
    return (f"{pcns:,} PCNs × {len(outcome.plan.policies)} {'policy' if len(outcome.plan.policies) == 1 else 'policies'}: "
            f"{int(counts.get('optimal', 0)):,} optimal, {len(outcome.failed):,} failed" + (f" ({failed})" if failed else "")
            + f"; {outcome.ran:,} solved now, {outcome.skipped:,} already done; {outcome.seconds:.1f} s")
