"""Batch runs: the best mix for every PCN in a table, under one or more policies, resumable, in parallel.

The pipeline, one module per job, each importing only those before it:
`table` (the PCN table, its columns and the base) → `rows` (each row → a validated scenario) → `policy` (policy text → scenario variants) → `tasks`
(PCN × policy, fingerprints) → `worker` (one PCN, through the core's pipeline; `plan_worker` for a multi-year plan) → `store` (Parquet parts, the
resume log, one run per folder) → `execute` (this process, worker processes or Dask; no domain knowledge)
→ `rollup` (streamed from the parts) → `outputs` (files) → `finish` (every output table at the end) → `run` (the whole batch); `memory` gives freed memory
back to the system, in workers after each chunk and in the parent after each block of outputs.
"""

from optimiser.batch.policy import POLICY_HELP, parse_policy
from optimiser.batch.run import BatchOutcome, run_batch, summary_line
from optimiser.batch.table import PCN_COLUMNS, RowProblem, TableError, load_base, read_table
from optimiser.batch.tasks import Plan, plan_batch

__all__ = ["POLICY_HELP", "PCN_COLUMNS", "BatchOutcome", "Plan", "RowProblem", "TableError", "load_base", "parse_policy",
           "plan_batch", "read_table", "run_batch", "summary_line"]
