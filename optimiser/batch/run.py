"""A whole batch: read and check the table, run what is not done yet, write the outputs."""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import pandas as pd

from optimiser.batch import execute, finish, store
from optimiser.batch.memory import use_the_c_heap
from optimiser.batch.table import PolicyError, TableError, check_base, load_base, read_table
from optimiser.batch.plan_worker import MODES, run_plan_chunk
from optimiser.batch.tasks import Plan, Planner, Stream
from optimiser.batch.worker import warm
from optimiser.errors import not_one_of, out_of_range
from optimiser.scenario import HORIZON_RANGE, MAX_HORIZON_YEARS
from optimiser.words import counted

DEFAULT_CHUNK_SIZE = 100
"""PCN × policy tasks per chunk. Each chunk is one Parquet part, written and read back by the parent alone, so small
chunks make the parent the bottleneck (25 took about twice as long to write the outputs); 100 still reports progress
and keeps resumable work every fraction of a second."""
PRELOAD = ["optimiser.batch.preload"]


@dataclasses.dataclass
class Progress:
    """Tasks finished so far; `total` is an upper bound while the table is still being read, exact once it is."""

    total: int
    done: int = 0
    failed: int = 0
    started: float = dataclasses.field(default_factory=time.perf_counter)


ProgressCallback = Callable[[Progress], None]


@dataclasses.dataclass
class BatchOutcome:
    """What a run did; the per-PCN tables are read back from the files on demand, not kept in memory."""

    plan: Plan
    output: Path
    national: pd.DataFrame
    by_role: pd.DataFrame
    counts: dict[str, int]  # status → PCN × policy records
    skipped: int  # tasks already done before this run
    ran: int
    files: list[Path]
    seconds: float
    output_seconds: float = 0.0  # of `seconds`, writing the outputs from the parts at the end

    @cached_property
    def summary(self) -> pd.DataFrame:
        return pd.read_parquet(self.output / "pcn_summary.parquet")

    @cached_property
    def roles(self) -> pd.DataFrame:
        return pd.read_parquet(self.output / "pcn_roles.parquet")

    @property
    def failed(self) -> pd.DataFrame:
        return pd.read_parquet(self.output / "failures.parquet")

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.counts.items() if status != "optimal")

    @property
    def any_failed(self) -> bool:
        return self.failures > 0


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
    horizon: int | None = None,
    mode: str = "expected",
    overwrite: bool = False,
    written_beside: tuple[str, ...] = (),
    more_tables: finish.MoreTables | None = None,
) -> BatchOutcome:
    """Validate, run what is not done yet, and write the outputs. Raises TableError for unusable input.

    With a `horizon`, each PCN gets a multi-year plan over the base scenario's futures instead of a one-year
    solve (`mode` expected or robust, as `plan --mode`); its summary record gives the first year, the verdict and the
    care over the plan, and `plan_*` tables give every year in every future.

    Rerunning into the same `output` resumes: tasks already done are skipped. `overwrite` starts again from nothing
    instead: once the input is known to be usable, what an earlier batch wrote there (its parts, its tables and
    workbook, and `written_beside`, files other code writes beside a run, e.g. the England outputs) is removed first.
    `more_tables` (e.g. the England roll-ups) are derived from the summary and written with the batch's own tables,
    in the one workbook.
    """
    check_horizon(horizon)
    check_mode(mode)
    started = time.perf_counter()
    output = Path(output)
    source = str(table) if not isinstance(table, pd.DataFrame) else None
    formats = tuple(dict.fromkeys([*formats, "parquet"]))  # the outcome reads its tables back from Parquet
    workers = workers or os.cpu_count() or 1
    use_the_c_heap()
    with store.RunLock(output):
        table = read_table(table) if source else table
        base = load_base(base) if not isinstance(base, dict) else check_base(base)
        try:
            planner = Planner(table, base, policies, horizon, mode)
        except PolicyError:
            raise
        except TableError as error:
            raise TableError(error.problems, source) from None
        if strict:  # every row checked before anything runs; the workers validate them again to run them
            problems = planner.check_rows()
            if problems:
                raise TableError([str(p) for p in problems], source, note="--strict: nothing was run")
        if overwrite:
            store.remove_earlier_run(output, [*finish.written_files(), *written_beside])

        # Started once the input is known to be usable: a pool still starting cannot be shut down at once, so a bad
        # table would otherwise wait most of a second for workers it never needed.
        pool = None if scheduler or dask_local or workers == 1 else execute.WorkerPool(workers - 1, warm, PRELOAD)  # and this process
        try:
            stream = Stream(planner, store.done_keys(output), chunk_size, workers=dask_local or (workers if pool else None))
            progress = Progress(total=stream.to_run_at_most)
            solved = [0]

            def finished(result: tuple[list, store.EncodedChunk]) -> None:
                problems, chunk = result
                store.write_chunk(output, chunk)
                invalid = sum(1 if policy else len(planner.policies) for _, policy in {(p.row, p.policy) for p in problems})
                planner.problems += problems
                solved[0] += chunk.records
                progress.done += chunk.records + invalid
                progress.failed += chunk.failed + invalid
                progress.total = stream.to_run_at_most
                if on_progress:
                    on_progress(progress)

            solve = functools.partial(run_plan_chunk, mode=mode) if horizon else None
            work = functools.partial(store.run_and_encode, solve=solve)
            pending = iter(stream)
            if scheduler or dask_local:
                execute.run_dask(work, pending, finished, scheduler, dask_local, dask_processes)
            elif pool is None:
                execute.run_here(work, pending, finished)
            else:
                execute.run_pool(work, pending, finished, pool)
            if on_plan:
                on_plan(planner.plan(), stream.to_run)
            writing = time.perf_counter()
            plan = planner.plan()
            written = finish.write_outputs(output, plan, stream.wanted, formats, bool(horizon), pool, more_tables)
        finally:
            if pool is not None:
                pool.shutdown()
        now = time.perf_counter()
        return BatchOutcome(plan, output, written.national, written.by_role, written.counts, stream.skipped, solved[0],
                            written.files, now - started, now - writing)


def check_horizon(horizon: int | None) -> None:
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON_YEARS:
        raise TableError([out_of_range("--horizon", horizon, HORIZON_RANGE)])


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TableError([not_one_of("--mode", mode, list(MODES))])


def summary_line(outcome: BatchOutcome) -> str:
    """One line: how many PCN × policy results, how many failed and why, how many were already done (and, if any,
    that `--overwrite` starts again)."""
    counts = outcome.counts
    failed = ", ".join(f"{n} {s}" for s, n in counts.items() if s != "optimal")
    policies = len(outcome.plan.policies)
    resumed = f" by an earlier run into {outcome.output} (add --overwrite to start again)" if outcome.skipped else ""
    return (f"{counted(outcome.plan.table_rows, 'PCN', 'PCNs')} × {counted(policies, 'policy', 'policies')}: "
            f"{int(counts.get('optimal', 0)):,} optimal, {outcome.failures:,} failed" + (f" ({failed})" if failed else "")
            + f"; {outcome.ran:,} solved now, {outcome.skipped:,} already done{resumed}; {outcome.seconds:.1f} s")
