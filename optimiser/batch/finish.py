"""The end of a batch: every output table written from the Parquet parts, in table order, never holding every PCN.

Roll-ups are summed a block at a time and per-PCN tables appended a block at a time. The role tables (`pcn_roles`
and its national roll-up) are independent of the summary tables, so with worker processes a worker, its chunks done,
writes the role tables while the parent writes the rest: the step no worker could share otherwise takes two cores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from optimiser.batch import outputs, rollup, store
from optimiser.batch.plan_worker import PLAN_SUMMARY_FIELDS, ROLE_YEAR_FIELDS, ROLE_YEAR_MEASURES, YEAR_FIELDS, YEAR_MEASURES
from optimiser.batch.execute import WorkerPool
from optimiser.batch.tasks import Plan
from optimiser.batch.worker import ROLE_FIELDS, SUMMARY_FIELDS

FAILURE_COLUMNS = ["row", "ods_code", "pcn_name", "icb", "policy", "status", "reason"]
TABLES = ("national", "by_icb", "national_by_role", "comparison_by_pcn", "pcn_summary", "pcn_roles", "failures",
          "plan_national", "plan_by_icb", "plan_national_by_role", "plan_pcn_years", "plan_pcn_roles")
"""Every table a batch writes (each as .csv and .parquet), by name: with the workbook and the parts, what `--overwrite`
removes, and nothing else (tests/test_batch_overwrite.py checks a run writes no other file)."""
WORKBOOK = "results.xlsx"


def written_files() -> list[str]:
    """The names of the files a batch writes into its folder besides its parts."""
    return [*(f"{name}.{fmt}" for name in TABLES for fmt in ("csv", "parquet")), WORKBOOK]
_SUMMARY_DTYPES = {k: ("float64" if t == "double" else "int64" if t == "int64" else object) for k, t in ((k, str(v)) for k, v in SUMMARY_FIELDS.items())}
_PLAN_SUMMARY_DTYPES = {k: ("float64" if t == "double" else "Int64" if t == "int64" else object) for k, t in ((k, str(v)) for k, v in PLAN_SUMMARY_FIELDS.items())}


@dataclasses.dataclass(frozen=True)
class MoreTables:
    """Tables other code derives from a batch's `pcn_summary` and policies (the England roll-ups), written with the
    batch's own: as its formats, and as sheets of its one workbook, each straight after the sheet `after` names."""

    make: Callable[[pd.DataFrame, list[str]], dict[str, pd.DataFrame]]
    after: dict[str, str]


@dataclasses.dataclass
class Written:
    """What the outcome of a batch keeps in memory: the small roll-ups, the counts, and the files' paths."""

    national: pd.DataFrame
    by_role: pd.DataFrame
    counts: dict[str, int]  # status → PCN × policy records
    files: list[Path]


def write_outputs(output: Path, plan: Plan, wanted: pd.DataFrame, formats: tuple[str, ...], planned: bool = False,
                  pool: WorkerPool | None = None, more: MoreTables | None = None) -> Written:
    """Every table from the parts; `wanted` is today's fingerprint and row of each (ODS code, policy); `pool`, the
    worker processes, one of which writes the role tables (without, this process writes them); `more`, tables derived
    from the summary, written beside the batch's own and in the same workbook."""
    index = store.record_index(output, wanted)
    invalid = _invalid_records(plan)
    common = rollup.optimal_everywhere(index, plan.policies)  # an invalid row is optimal under no policy
    counts = index["status"].value_counts().add(invalid["status"].value_counts(), fill_value=0).astype(int).to_dict()

    roles = pool.call(write_role_tables, output, index, plan.policies, common, formats) if pool is not None else None
    files: list[Path] = []
    tables = {name: outputs.TableFiles(output, name, formats) for name in ("pcn_summary", "comparison_by_pcn", "failures")}
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
    empty_summary = _summary_columns(pd.DataFrame({k: pd.Series(dtype=t) for k, t in _SUMMARY_DTYPES.items()}), planned)
    files += tables["pcn_summary"].close(empty_summary)
    files += tables["failures"].close(empty_summary[FAILURE_COLUMNS])
    files += tables["comparison_by_pcn"].close(rollup.compare_by_pcn(empty_summary, plan.policies))

    national, by_icb = totals.table([]), totals.table(["icb"])
    plan_sheets = _write_plan_tables(output, plan, index, common, formats, files) if planned else []
    by_role, role_files = roles.result() if roles is not None else write_role_tables(output, index, plan.policies, common, formats)
    files += role_files
    rollups = {"national": national, "by_icb": by_icb, "national_by_role": by_role}
    extra = more.make(pd.read_parquet(output / "pcn_summary.parquet"), plan.policies) if more else {}
    for name, frame in (rollups | extra).items():
        files += outputs.write_table(output, name, frame, formats)
    if "xlsx" in formats:
        sheets = [*((name, [frame]) for name, frame in rollups.items()), *plan_sheets,
                  *((name, tables[name].parquet_batches()) for name in ("comparison_by_pcn", "pcn_summary", "failures"))]
        for name, frame in extra.items():
            sheets.insert([s for s, _ in sheets].index(more.after[name]) + 1, (name, [frame]))
        files.append(outputs.write_workbook(output / WORKBOOK, sheets))
    return Written(national, by_role, counts, files)


def write_role_tables(output: Path, index: pd.DataFrame, policies: list[str], common: set[str],
                      formats: tuple[str, ...]) -> tuple[pd.DataFrame, list[Path]]:
    """`pcn_roles` (each PCN's roles, largest first) and the national sums per role: (the sums, the files written)."""
    order = {p: i for i, p in enumerate(policies)}
    per_pcn = outputs.TableFiles(output, "pcn_roles", formats)

    def role_blocks():
        for block in outputs.blocks(store.in_table_order(output, index, policies, kind="roles")):
            block = block.assign(_p=block["policy"].map(order), _w=-block["total_wte"]).sort_values(["row", "_p", "_w", "role"])
            per_pcn.append(block[list(ROLE_FIELDS)])
            yield block

    by_role = rollup.rollup_roles(role_blocks(), policies, common)
    empty = pd.DataFrame({k: pd.Series(dtype="float64" if "wte" in k or "gbp" in k or "sessions" in k else object) for k in ROLE_FIELDS})
    return by_role, per_pcn.close(empty)


def _write_plan_tables(output: Path, plan: Plan, index, common: set[str], formats, files: list[Path]) -> list:
    """A plan batch's records per PCN, year and future (and role), and their sums per year and future, streamed from the parts."""
    sheets = []
    for kind, fields, measures, name, rollups in (
        ("years", YEAR_FIELDS, YEAR_MEASURES, "plan_pcn_years", {"plan_national": [], "plan_by_icb": ["icb"]}),
        ("roleyears", ROLE_YEAR_FIELDS, ROLE_YEAR_MEASURES, "plan_pcn_roles", {"plan_national_by_role": []}),
    ):
        totals = rollup.PlanTotals(plan.policies, common, measures, extra=["role", "role_name"] if kind == "roleyears" else None)
        per_pcn = outputs.TableFiles(output, name, formats)
        for block in outputs.blocks(store.in_table_order(output, index, plan.policies, kind=kind), outputs.PLAN_BLOCK_TABLE_ROWS):
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

def _summary_columns(frame: pd.DataFrame, planned: bool) -> pd.DataFrame:
    """`pcn_summary`'s columns: a plan batch's own (mode, years, verdict, care over the plan) after the common ones."""
    dtypes = {**_SUMMARY_DTYPES, **(_PLAN_SUMMARY_DTYPES if planned else {})}
    return frame.reindex(columns=list(dtypes)).astype(dtypes)

def _invalid_records(plan: Plan) -> pd.DataFrame:
    """One record per invalid row (× policy it fails under), reasons joined, for the summary and failure tables."""
    records = [
        {**dict.fromkeys(SUMMARY_FIELDS), "ods_code": p.ods_code, "pcn_name": p.pcn_name, "icb": p.icb, "row": p.row,
         "policy": policy, "status": "invalid",
         "reason": f"{p.column}: {p.reason}" if p.column else p.reason}
        for p in plan.problems for policy in ([p.policy] if p.policy else plan.policies)
    ]
    if not records:
        return pd.DataFrame({k: pd.Series(dtype=t) for k, t in _SUMMARY_DTYPES.items()})
    frame = pd.DataFrame(records)
    agg = {k: "first" for k in SUMMARY_FIELDS if k not in ("row", "policy", "reason")} | {"reason": "; ".join}
    frame = frame.groupby(["row", "policy"], as_index=False, sort=False).agg(agg)
    return frame[list(SUMMARY_FIELDS)].astype(_SUMMARY_DTYPES)

