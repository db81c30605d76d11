"""What a batch will run: every valid PCN × policy, with the fingerprint that says whether it is already done."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
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
    """What a batch runs: the policies, the table's size and every row problem.

    `rows` (each valid row with its scenarios) is filled only by `plan_batch`; a batch streams its rows to the
    workers instead, so it never holds every PCN's scenarios.
    """

    problems: list[RowProblem]
    policies: list[str]
    table_rows: int
    rows: list[PCNRow] = dataclasses.field(default_factory=list)


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


class Planner:
    """A table planned row by row: each valid row validated once, its policies applied and fingerprinted.

    What concerns the whole table (policies, columns, repeated ODS codes) is checked when it is made, so a bad
    table stops before anything runs. Rows are yielded one at a time and not kept; problems are kept.
    With a `horizon`, each scenario is planned that many years ahead in the plan `mode`, and its fingerprint says so.
    """

    def __init__(self, table: pd.DataFrame, base: dict, policies: list[str], horizon: int | None = None, mode: str = "expected"):
        self.parsed = parse_policies(policies, base["year"])
        self.targets = column_targets(table.columns, base)
        check_unique_codes(table)
        self.table, self.base, self.horizon = table, base, horizon
        self.salt = f"{ENGINE_VERSION}|{__version__}|{data_fingerprint()}" + (f"|plan-{horizon}-{mode}" if horizon else "")
        self.policies = list(self.parsed)
        self.table_rows = len(table)
        self.problems: list[RowProblem] = []
        self.read = 0

    def rows(self) -> Iterator[PCNRow]:
        """Valid rows in table order; each pass over the table collects its problems afresh."""
        self.problems, self.read = [], 0
        for read in table_rows(self.table, self.base, self.targets):
            self.read += 1
            if read.scenario is None:
                self.problems += read.problems
                continue
            row = self._row(read)
            if row is not None:
                yield row

    def _row(self, read) -> PCNRow | None:
        scenarios, fingerprints, refused = {}, {}, []
        for text, policy in self.parsed.items():
            try:
                scenario = policy.apply(read.scenario)
            except ScenarioError as error:
                refused += [RowProblem(read.row, read.pcn_id, "", reason, text) for reason in error.problems]
                continue
            if self.horizon:
                scenario = scenario.model_copy(update={"horizon": self.horizon})
            scenarios[text] = scenario
            fingerprints[text] = hashlib.sha256(f"{self.salt}|{scenario.canonical_json()}".encode()).hexdigest()[:24]
        if not fingerprints:  # no policy applies: the row itself is the problem, reported once
            self.problems += list(dict.fromkeys(dataclasses.replace(p, policy="") for p in refused))
            return None
        self.problems += refused
        return PCNRow(read.row, read.pcn_id, read.name, read.icb, scenarios, fingerprints)

    def plan(self, rows: list[PCNRow] | None = None) -> Plan:
        return Plan(problems=self.problems, policies=self.policies, table_rows=self.table_rows, rows=rows or [])


def plan_batch(table: pd.DataFrame, base: dict, policies: list[str], horizon: int | None = None, mode: str = "expected") -> Plan:
    """Every row planned and kept, with its scenarios: for tests and small tables (a batch streams instead)."""
    planner = Planner(table, base, policies, horizon, mode)
    rows = list(planner.rows())
    return planner.plan(rows)


class Stream:
    """The plan as a stream of pending tasks, in table order; of each row it keeps only what the run's end needs.

    A task whose (ODS code, policy, fingerprint) is in `done` is counted as skipped, not run. Each row's
    scenarios go to the executor with its tasks and are not kept here; `on_complete` is called once the
    whole table has been read.
    """

    def __init__(self, planner: Planner, done: set[tuple[str, str, str]], on_complete: Callable[[], None] | None = None):
        self.planner, self.done, self.on_complete = planner, done, on_complete
        self.wanted: dict[tuple[str, str], str] = {}  # (ODS code, policy) → today's fingerprint
        self.row_of: dict[str, int] = {}  # ODS code → its row in today's table
        self.skipped = self.to_run = 0

    def __iter__(self) -> Iterator[Task]:
        for row in self.planner.rows():
            self.row_of[row.pcn_id] = row.row
            for policy, fingerprint in row.fingerprints.items():
                self.wanted[row.pcn_id, policy] = fingerprint
                if (row.pcn_id, policy, fingerprint) in self.done:
                    self.skipped += 1
                    continue
                self.to_run += 1
                yield Task(row.pcn_id, row.row, row.name, row.icb, policy, fingerprint, row.scenarios[policy])
        if self.on_complete:
            self.on_complete()

    @property
    def to_run_at_most(self) -> int:
        """Tasks this run solves: exact once the table is read; until then every unread row counts under every policy."""
        return self.to_run + (self.planner.table_rows - self.planner.read) * len(self.planner.policies)


def chunks(tasks: Iterator[Task], size: int) -> Iterator[list[Task]]:
    chunk: list[Task] = []
    for task in tasks:
        chunk.append(task)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
