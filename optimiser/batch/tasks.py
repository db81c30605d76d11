"""What a batch will run: every valid PCN × policy, with the fingerprint that says whether it is already done."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from optimiser import __version__
from optimiser.batch.policy import Policy, parse_policy
from optimiser.batch.table import RowProblem, TableError, check_unique_codes, column_targets, table_rows
from optimiser.errors import ScenarioError
from optimiser.scenario import Scenario

ENGINE_VERSION = "batch-4"
"""Part of every fingerprint: bump it when the records written change meaning."""


@dataclasses.dataclass(frozen=True)
class PCNRow:
    """A valid row: identity, and its scenario under each policy that applies to it, with its fingerprint."""

    row: int
    pcn_id: str
    name: str
    icb: str
    scenarios: dict[str, Scenario]
    fingerprints: dict[str, str]


@dataclasses.dataclass
class Plan:
    """What a batch will run: valid rows, every row problem, the policies."""

    rows: list[PCNRow]
    problems: list[RowProblem]
    policies: list[str]
    table_rows: int

    def wanted(self) -> dict[tuple[str, str], str]:
        """(ODS code, policy) → the fingerprint of today's scenario."""
        return {(r.pcn_id, p): f for r in self.rows for p, f in r.fingerprints.items()}


@dataclasses.dataclass(frozen=True)
class Task:
    """One PCN under one policy: what a worker needs, and nothing else."""

    pcn_id: str
    row: int
    name: str
    icb: str
    policy: str
    fingerprint: str
    scenario: Scenario


def data_fingerprint() -> str:
    """Hash of the package's reference data, so new catalogue figures are not skipped as done."""
    root = Path(__file__).parents[1] / "data"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.csv")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def parse_policies(policies: list[str], base_year: str) -> dict[str, Policy]:
    """Every policy checked before any row is read: one bad policy stops the run with every problem named."""
    parsed, problems = {}, []
    for text in list(dict.fromkeys(policies)) or ["as-published"]:
        try:
            parsed[text] = parse_policy(text, base_year)
        except TableError as error:
            problems += error.problems
    if problems:
        raise TableError(problems)
    return parsed


def plan_batch(table: pd.DataFrame, base: dict, policies: list[str], horizon: int | None = None, mode: str = "expected") -> Plan:
    """Validate every row once, apply every policy; each problem with its row number, column and reason.

    With a `horizon`, each scenario is planned that many years ahead in the plan `mode`, and its fingerprint says so.
    """
    parsed = parse_policies(policies, base["year"])
    targets = column_targets(table.columns, base)
    check_unique_codes(table)
    salt = f"{ENGINE_VERSION}|{__version__}|{data_fingerprint()}" + (f"|plan-{horizon}-{mode}" if horizon else "")
    rows, problems = [], []
    for read in table_rows(table, base, targets):
        if read.scenario is None:
            problems += read.problems
            continue
        scenarios, fingerprints, refused = {}, {}, []
        for text, policy in parsed.items():
            try:
                scenario = policy.apply(read.scenario)
            except ScenarioError as error:
                refused += [RowProblem(read.row, read.pcn_id, "", reason, text) for reason in error.problems]
                continue
            if horizon:
                scenario = scenario.model_copy(update={"horizon": horizon})
            scenarios[text] = scenario
            fingerprints[text] = hashlib.sha256(f"{salt}|{scenario.canonical_json()}".encode()).hexdigest()[:24]
        if not fingerprints:  # no policy applies: the row itself is the problem, reported once
            problems += list(dict.fromkeys(dataclasses.replace(p, policy="") for p in refused))
            continue
        problems += refused
        rows.append(PCNRow(read.row, read.pcn_id, read.name, read.icb, scenarios, fingerprints))
    return Plan(rows=rows, problems=problems, policies=list(parsed), table_rows=len(table))


def tasks_for(rows: Iterable[PCNRow], policies: list[str], done: set[tuple[str, str, str]]) -> Iterator[Task]:
    """Pending tasks in table order, built lazily."""
    for row in rows:
        for policy in policies:
            fingerprint = row.fingerprints.get(policy)
            if fingerprint is None or (row.pcn_id, policy, fingerprint) in done:
                continue
            yield Task(row.pcn_id, row.row, row.name, row.icb, policy, fingerprint, row.scenarios[policy])


def chunks(tasks: Iterator[Task], size: int) -> Iterator[list[Task]]:
    chunk: list[Task] = []
    for task in tasks:
        chunk.append(task)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
