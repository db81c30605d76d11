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

from optimiser.batch import execute, outputs, rollup, store
from optimiser.batch.memory import give_back_memory
from optimiser.batch.table import TableError, check_base, load_base, read_table
from optimiser.batch.plan_worker import (MODES, PLAN_SUMMARY_FIELDS, ROLE_YEAR_FIELDS, ROLE_YEAR_MEASURES, YEAR_FIELDS, YEAR_MEASURES,
                                         run_plan_chunk)
from optimiser.batch.tasks import Plan, Planner, Stream
from optimiser.batch.worker import ROLE_FIELDS, SUMMARY_FIELDS, run_rows, warm

DEFAULT_CHUNK_SIZE = 100
"""PCN × policy tasks per chunk. Each chunk is one Parquet part, written and read back by the parent alone, so small
chunks make the parent the bottleneck (25 took about twice as long to write the outputs); 100 still reports progress
and keeps resumable work every fraction of a second."""
TABLE_NAMES = ("national", "by_icb", "national_by_role", "comparison_by_pcn", "pcn_summary", "pcn_roles", "failures")
FAILURE_COLUMNS = ["row", "ods_code", "pcn_name", "icb", "policy", "status", "reason"]
PRELOAD = ["optimiser.batch.worker", "optimiser.inputs", "optimiser.model", "optimiser.solve"]
MAX_HORIZON_YEARS = 15
PLAN_TABLE_NAMES = ("plan_national", "plan_by_icb", "plan_national_by_role", "plan_pcn_years", "plan_pcn_roles")


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
) -> BatchOutcome:
    """Validate, run what is not done yet, and write the outputs. Raises TableError for unusable input.

    With a `horizon`, each PCN gets a multi-year plan over the base scenario's futures instead of a one-year
    solve (`mode` expected or robust, as `plan --mode`); its summary record gives the first year, the verdict and the
    care over the plan, and `plan_*` tables give every year in every future.
    """
    check_horizon(horizon)
    check_mode(mode)
    started = time.perf_counter()
    output = Path(output)
    source = str(table) if not isinstance(table, pd.DataFrame) else None
    formats = tuple(dict.fromkeys([*formats, "parquet"]))  # the outcome reads its tables back from Parquet
    workers = workers or os.cpu_count() or 1
    with store.RunLock(output):
        pool = None if scheduler or dask_local or workers == 1 else execute.start_pool(workers, warm, PRELOAD)
        try:
            table = read_table(table) if source else table
            base = load_base(base) if not isinstance(base, dict) else check_base(base)
            try:
                planner = Planner(table, base, policies, horizon, mode)
            except TableError as error:
                raise TableError(error.problems, source) from None
            if strict:  # every row checked before anything runs; the workers validate them again to run them
                problems = planner.check_rows()
                if problems:
                    raise TableError([str(p) for p in problems] + ["--strict: nothing was run"], source)

            stream = Stream(planner, store.done_keys(output), chunk_size)
            progress = Progress(total=stream.to_run_at_most)
            solved = [0]

            def finished(result) -> None:
                problems, (summary, roles, *years) = result
                if summary:
                    store.write_chunk(output, summary, roles, *years)
                invalid = sum(1 if policy else len(planner.policies) for _, policy in {(p.row, p.policy) for p in problems})
                planner.problems += problems
                solved[0] += len(summary)
                progress.done += len(summary) + invalid
                progress.failed += sum(r["status"] != "optimal" for r in summary) + invalid
                progress.total = stream.to_run_at_most
                if on_progress:
                    on_progress(progress)

            solve = functools.partial(run_plan_chunk, mode=mode) if horizon else None
            work = functools.partial(run_rows, solve=solve)
            pending = iter(stream)
            if scheduler or dask_local:
                execute.run_dask(work, pending, finished, scheduler, dask_local, dask_processes)
            elif pool is None:
                execute.run_here(work, pending, finished)
            else:
                execute.run_pool(work, pending, finished, pool, workers)
            if on_plan:
                on_plan(planner.plan(), stream.to_run)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return _write_outputs(output, planner.plan(), stream, solved[0], formats, started, bool(horizon))


def check_horizon(horizon: int | None) -> None:
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON_YEARS:
        raise TableError([f"--horizon {horizon} is out of range: a plan looks 1 to {MAX_HORIZON_YEARS} years ahead"])


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TableError([f"--mode {mode!r} is not a plan mode: give {' or '.join(MODES)}"])


def _write_outputs(output: Path, plan: Plan, stream: Stream, solved: int, formats, started: float, planned: bool = False) -> BatchOutcome:
    """Every table from the parts, streamed in table order: roll-ups summed piece by piece, per-PCN tables appended."""
    writing = time.perf_counter()
    index = store.record_index(output, stream.wanted)
    invalid = _invalid_records(plan)
    statuses = pd.concat([index[["ods_code", "policy", "status"]], invalid[["ods_code", "policy", "status"]]])
    common = rollup.optimal_everywhere(statuses, plan.policies)
    counts = statuses["status"].value_counts().to_dict()
    give_back_memory()

    files: list[Path] = []
    tables = {name: outputs.TableFiles(output, name, formats) for name in ("pcn_summary", "comparison_by_pcn", "failures", "pcn_roles")}
    totals = rollup.Totals(plan.policies, common)
    for block in outputs.blocks(store.in_table_order(output, index, plan.policies, extra=invalid)):
        totals.add(block)
        block = _summary_columns(block, planned)
        tables["pcn_summary"].append(block)
        tables["failures"].append(block.loc[block["status"] != "optimal", FAILURE_COLUMNS])
        measures = block[block["status"] == "optimal"][["ods_code", "pcn_name", "icb", "row", "policy", *rollup.CHANGE_MEASURES]]
        comparison = rollup.compare_by_pcn(measures, plan.policies)
        if len(comparison):
            tables["comparison_by_pcn"].append(comparison)

    order = {p: i for i, p in enumerate(plan.policies)}

    def role_blocks():
        for block in outputs.blocks(store.in_table_order(output, index, plan.policies, kind="roles")):
            block = block.assign(_p=block["policy"].map(order), _w=-block["total_wte"]).sort_values(["row", "_p", "_w", "role"])
            tables["pcn_roles"].append(block[list(ROLE_FIELDS)])
            yield block

    by_role = rollup.rollup_roles(role_blocks(), plan.policies, common)
    empty_summary = _summary_columns(pd.DataFrame({k: pd.Series(dtype=t) for k, t in _SUMMARY_DTYPES.items()}), planned)
    files += tables["pcn_summary"].close(empty_summary)
    files += tables["failures"].close(empty_summary[FAILURE_COLUMNS])
    files += tables["comparison_by_pcn"].close(rollup.compare_by_pcn(empty_summary, plan.policies))
    files += tables["pcn_roles"].close(pd.DataFrame({k: pd.Series(dtype="float64" if "wte" in k or "gbp" in k or "sessions" in k else object) for k in ROLE_FIELDS}))

    national, by_icb = totals.table([]), totals.table(["icb"])
    plan_sheets = _write_plan_tables(output, plan, index, common, formats, files) if planned else []
    for name, frame in (("national", national), ("by_icb", by_icb), ("national_by_role", by_role)):
        files += outputs.write_table(output, name, frame, formats)
    if "xlsx" in formats:
        sheets = [("national", [national]), ("by_icb", [by_icb]), ("national_by_role", [by_role]), *plan_sheets,
                  *((name, tables[name].parquet_batches()) for name in ("comparison_by_pcn", "pcn_summary", "failures"))]
        files.append(outputs.write_workbook(output / "results.xlsx", sheets))
    now = time.perf_counter()
    return BatchOutcome(plan, output, national, by_role, counts, stream.skipped, solved, files, now - started, now - writing)


def _write_plan_tables(output: Path, plan: Plan, index, common: set[str], formats, files: list[Path]) -> list:
    """A plan batch's records per PCN, year and future (and role), and their sums per year and future, streamed from the parts."""
    sheets = []
    for kind, fields, measures, name, rollups in (
        ("years", YEAR_FIELDS, YEAR_MEASURES, "plan_pcn_years", {"plan_national": [], "plan_by_icb": ["icb"]}),
        ("roleyears", ROLE_YEAR_FIELDS, ROLE_YEAR_MEASURES, "plan_pcn_roles", {"plan_national_by_role": []}),
    ):
        totals = rollup.PlanTotals(plan.policies, common, measures, extra=["role", "role_name"] if kind == "roleyears" else None)
        per_pcn = outputs.TableFiles(output, name, formats)
        for block in outputs.blocks(store.in_table_order(output, index, plan.policies, kind=kind)):
            totals.add(block)
            per_pcn.append(block[list(fields)])
        files += per_pcn.close(pd.DataFrame({k: pd.Series(dtype="float64" if k in measures or k == "probability" else object) for k in fields}))
        tables = {table: totals.table(by) for table, by in rollups.items()}
        for table, frame in tables.items():
            files += outputs.write_table(output, table, frame, formats)
        sheets += [(table, [frame]) for table, frame in tables.items()]
        if kind == "years":  # per role, like pcn_roles, only as CSV and Parquet: too long for a sheet nationally
            sheets.append((name, per_pcn.parquet_batches()))
    return sheets if "parquet" in formats else []


_SUMMARY_DTYPES = {k: ("float64" if t == "double" else "int64" if t == "int64" else object) for k, t in ((k, str(v)) for k, v in SUMMARY_FIELDS.items())}
_PLAN_SUMMARY_DTYPES = {k: ("float64" if t == "double" else "Int64" if t == "int64" else object) for k, t in ((k, str(v)) for k, v in PLAN_SUMMARY_FIELDS.items())}


def _summary_columns(frame: pd.DataFrame, planned: bool) -> pd.DataFrame:
    """`pcn_summary`'s columns: a plan batch's own (mode, years, verdict, care over the plan) after the common ones."""
    dtypes = {**_SUMMARY_DTYPES, **(_PLAN_SUMMARY_DTYPES if planned else {})}
    return frame.reindex(columns=list(dtypes)).astype(dtypes)


def _invalid_records(plan: Plan) -> pd.DataFrame:
    """One record per invalid row (× policy it fails under), reasons joined, for the summary and failure tables."""
    records = [
        {**dict.fromkeys(SUMMARY_FIELDS), "ods_code": p.ods_code, "row": p.row, "policy": policy, "status": "invalid",
         "reason": f"{p.column}: {p.reason}" if p.column else p.reason}
        for p in plan.problems for policy in ([p.policy] if p.policy else plan.policies)
    ]
    if not records:
        return pd.DataFrame({k: pd.Series(dtype=t) for k, t in _SUMMARY_DTYPES.items()})
    frame = pd.DataFrame(records)
    agg = {k: "first" for k in SUMMARY_FIELDS if k not in ("row", "policy", "reason")} | {"reason": "; ".join}
    frame = frame.groupby(["row", "policy"], as_index=False, sort=False).agg(agg)
    return frame[list(SUMMARY_FIELDS)].astype(_SUMMARY_DTYPES)


def summary_line(outcome: BatchOutcome) -> str:
    """One line: how many PCN × policy results, how many failed and why, how many were already done."""
    counts = outcome.counts
    failed = ", ".join(f"{n} {s}" for s, n in counts.items() if s != "optimal")
    policies = len(outcome.plan.policies)
    return (f"{outcome.plan.table_rows:,} PCNs × {policies} {'policy' if policies == 1 else 'policies'}: "
            f"{int(counts.get('optimal', 0)):,} optimal, {outcome.failures:,} failed" + (f" ({failed})" if failed else "")
            + f"; {outcome.ran:,} solved now, {outcome.skipped:,} already done; {outcome.seconds:.1f} s")
