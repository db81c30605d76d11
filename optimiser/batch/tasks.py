"""What a batch will run: the table's rows, in chunks, with each row's PCN × policy tasks and the fingerprint that
says whether a task is already done.

The parent checks what concerns the whole table (columns, policies, repeated ODS codes) and fingerprints the rows
as read (their cells, with the base, the policy and the code's version), a batch of rows at once; it sends rows as
read to the workers, and each worker validates its rows, once each, and applies their policies (`RowChunk.tasks`).
So the parent's work per row is a hash and a look-up, and the validation runs in parallel.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from optimiser import __version__
from optimiser.batch.policy import Policy, parse_policy
from optimiser.batch.rows import TableRow, ods_code_of, table_rows
from optimiser.batch.table import PolicyError, RowProblem, TableError, check_unique_codes, column_targets
from optimiser.errors import ScenarioError
from optimiser.inputs.common import only_pcn_numbers
from optimiser.scenario import Scenario

ENGINE_VERSION = "batch-5"
"""Part of every fingerprint: bump it when the records written change meaning (batch-5: fingerprints of rows as read)."""
READ_ROWS = 2_000
"""Rows fingerprinted at a time, so the parent's memory for it does not grow with the table."""


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

    `rows` (each valid row with its scenarios) is filled only by `plan_batch`; a batch sends its rows to the
    workers as read instead, so it never holds every PCN's scenarios.
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
    common: str | None = None
    """Tasks of a chunk with the same `common` share their `CommonInputs` (None: each works out its own)."""


@dataclasses.dataclass(frozen=True)
class Setting:
    """What every row of a batch shares: the base scenario, each column's place in a scenario, the policies, the horizon."""

    base: dict
    targets: dict[str, tuple[str, ...]]
    policies: dict[str, Policy]
    horizon: int | None = None

    def expand(self, read: TableRow, fingerprints: dict[str, str]) -> tuple[dict[str, Scenario], list[RowProblem]]:
        """A row read, under each policy in `fingerprints`: (scenario by policy, problems).

        A row no policy applies to (of all the batch's) is itself the problem, reported once for every policy.
        """
        if read.scenario is None:
            return {}, read.problems
        scenarios, refused = {}, []
        for text in fingerprints:
            try:
                scenario = self.policies[text].apply(read.scenario)
            except ScenarioError as error:
                refused += [RowProblem(read.row, read.pcn_id, "", reason, text, read.name, read.icb) for reason in error.problems]
                continue
            scenarios[text] = scenario.model_copy(update={"horizon": self.horizon}) if self.horizon else scenario
        if not scenarios and len(fingerprints) == len(self.policies):
            return {}, list(dict.fromkeys(dataclasses.replace(p, policy="") for p in refused))
        return scenarios, refused

    @property
    def rows_share_common_inputs(self) -> bool:
        """Whether rows under one policy share their `CommonInputs`: they do when the table's columns give only a PCN's
        own numbers (every row is the same base with its cells, under the same policy)."""
        return only_pcn_numbers(self.targets.values())


@dataclasses.dataclass(frozen=True)
class RowChunk:
    """Table rows as read, for one worker, with the (policy, fingerprint) of each row's tasks still to run."""

    setting: Setting
    rows: pd.DataFrame
    numbers: tuple[int, ...]
    pending: tuple[tuple[tuple[str, str], ...], ...]

    def tasks(self) -> tuple[list[Task], list[RowProblem], dict[int, float]]:
        """Each row validated once and its policies applied: the tasks to solve, the rows' problems, and the seconds
        this took per task of each row (row number → seconds), so a task's time counts from its table row."""
        tasks, problems, seconds = [], [], {}
        rows = table_rows(self.rows, self.setting.base, self.setting.targets, self.numbers)
        shared = self.setting.rows_share_common_inputs
        for pending in self.pending:
            started = time.perf_counter()
            read = next(rows)
            fingerprints = dict(pending)
            scenarios, found = self.setting.expand(read, fingerprints)
            problems += found
            tasks += [Task(read.pcn_id, read.row, read.name, read.icb, text, fingerprints[text], scenario, text if shared else None)
                      for text, scenario in scenarios.items()]
            seconds[read.row] = (time.perf_counter() - started) / max(len(scenarios), 1)
        return tasks, problems, seconds


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
        raise PolicyError(problems)
    return parsed


class Planner:
    """A table checked as a whole when made (policies, columns, repeated ODS codes), so a bad table stops before
    anything runs; then its rows, fingerprinted a batch at a time (`fingerprints`).

    A fingerprint is the hash of a row's cells as read (pandas' stable row hash) after a digest of everything else
    its answer depends on: the code's and data's versions, the base, the columns, the policy, and with a `horizon`
    the plan's years and mode.
    """

    def __init__(self, table: pd.DataFrame, base: dict, policies: list[str], horizon: int | None = None, mode: str = "expected"):
        parsed = parse_policies(policies, base["year"])
        self.setting = Setting(base, column_targets(table.columns, base), parsed, horizon)
        check_unique_codes(table)
        self.table = table
        self.policies = list(parsed)
        self.table_rows = len(table)
        self.problems: list[RowProblem] = []
        shared = json.dumps([ENGINE_VERSION, __version__, data_fingerprint(), base, [str(c) for c in table.columns],
                             f"plan-{horizon}-{mode}" if horizon else ""], sort_keys=True, default=str)
        self.digests = {text: hashlib.sha256(f"{shared}|{text}".encode()).hexdigest()[:8] for text in self.policies}

    def fingerprints(self, rows: pd.DataFrame) -> dict[str, list[str]]:
        """Each row's fingerprint under each policy."""
        hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
        return {text: [f"{digest}{h:016x}" for h in hashes] for text, digest in self.digests.items()}

    def check_rows(self) -> list[RowProblem]:
        """Every row validated here and now, under every policy: for --strict, before anything runs."""
        problems = []
        for read in table_rows(self.table, self.setting.base, self.setting.targets):
            problems += self.setting.expand(read, dict.fromkeys(self.policies, ""))[1]
        return problems

    def plan(self) -> Plan:
        return Plan(problems=self.problems, policies=self.policies, table_rows=self.table_rows)


def plan_batch(table: pd.DataFrame, base: dict, policies: list[str], horizon: int | None = None, mode: str = "expected") -> Plan:
    """Every row planned and kept, with its scenarios: for tests and small tables (a batch streams rows instead)."""
    planner = Planner(table, base, policies, horizon, mode)
    fingerprints = planner.fingerprints(table)
    rows, problems = [], []
    for i, read in enumerate(table_rows(table, planner.setting.base, planner.setting.targets)):
        mine = {text: fingerprints[text][i] for text in planner.policies}
        scenarios, found = planner.setting.expand(read, mine)
        problems += found
        if scenarios:
            rows.append(PCNRow(read.row, read.pcn_id, read.name, read.icb, scenarios, {t: mine[t] for t in scenarios}))
    return Plan(problems=problems, policies=planner.policies, table_rows=len(table), rows=rows)


class Stream:
    """The table as chunks of rows with tasks still to run, in table order, read a batch of rows at a time.

    A task whose (ODS code, policy, fingerprint) is in `done` is counted as skipped, not run; a chunk holds rows
    with about `chunk_size` tasks to run, fewer near the end when `workers` share them (see `_size_now`). Of each
    row it keeps only what the run's end needs (`wanted`).
    """

    def __init__(self, planner: Planner, done: set[tuple[str, str, str]], chunk_size: int, workers: int | None = None):
        self.planner, self.done, self.chunk_size, self.workers = planner, done, chunk_size, workers
        self.wanted_parts: list[pd.DataFrame] = []
        self.skipped = self.to_run = self.read = self.yielded = 0

    def _size_now(self) -> int:
        """Tasks for the next chunk: `chunk_size` until the tasks left would fill every worker's two chunks in flight,
        then a share of what is left (down to a tenth of a chunk), so the workers finish together rather than one
        waiting on another's last full chunk."""
        if not self.workers:
            return self.chunk_size
        left = self.to_run_at_most - self.yielded
        return max(1, min(self.chunk_size, max(self.chunk_size // 10, -(-left // (2 * self.workers)))))

    def __iter__(self) -> Iterator[RowChunk]:
        table, policies = self.planner.table, self.planner.policies
        positions, numbers, pending, size = [], [], [], 0
        for start in range(0, len(table), READ_ROWS):
            rows = table.iloc[start:start + READ_ROWS]
            codes = [ods_code_of(c) for c in rows["ods_code"]]
            fingerprints = self.planner.fingerprints(rows)
            self.wanted_parts.append(pd.DataFrame({
                "ods_code": codes * len(policies), "policy": [t for t in policies for _ in codes],
                "fingerprint": [f for t in policies for f in fingerprints[t]], "row": list(range(start + 2, start + 2 + len(rows))) * len(policies)}))
            for i, code in enumerate(codes):
                mine = tuple((t, fingerprints[t][i]) for t in policies if (code, t, fingerprints[t][i]) not in self.done)
                self.skipped += len(policies) - len(mine)
                self.to_run += len(mine)
                self.read += 1
                if mine:
                    positions.append(start + i)
                    numbers.append(start + i + 2)
                    pending.append(mine)
                    size += len(mine)
                if size >= self._size_now():
                    self.yielded += size
                    yield self._chunk(positions, numbers, pending)
                    positions, numbers, pending, size = [], [], [], 0
        if positions:
            self.yielded += size
            yield self._chunk(positions, numbers, pending)

    def _chunk(self, positions: list[int], numbers: list[int], pending: list) -> RowChunk:
        return RowChunk(self.planner.setting, self.planner.table.take(positions), tuple(numbers), tuple(pending))

    @property
    def wanted(self) -> pd.DataFrame:
        """Today's fingerprint and row of every (ODS code, policy) read so far."""
        return pd.concat(self.wanted_parts, ignore_index=True) if self.wanted_parts else pd.DataFrame(columns=["ods_code", "policy", "fingerprint", "row"])

    @property
    def to_run_at_most(self) -> int:
        """Tasks this run solves: exact once the table is read; until then every unread row counts under every policy."""
        return self.to_run + (self.planner.table_rows - self.read) * len(self.planner.policies)
