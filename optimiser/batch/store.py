"""Parquet parts on disk: the batch's resume log, written atomically, read back in pieces; one run per folder.

Each finished chunk is a `roles-<id>.parquet` then a `summary-<id>.parquet` (the summary marks the chunk
done, so a crash between leaves an orphan, never a gap). Ids start with the time written, so reading parts in
name order reads them in the order they were written, and a record re-run later supersedes the earlier one.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from optimiser.atomic import write_bytes_atomic
from optimiser.batch.plan_worker import PLAN_SUMMARY_FIELDS, ROLE_YEAR_FIELDS, YEAR_FIELDS
from optimiser.batch.memory import give_back_memory
from optimiser.batch.table import RowProblem, TableError
from optimiser.batch.tasks import RowChunk, Task
from optimiser.batch.worker import FINAL_STATUSES, ROLE_FIELDS, SUMMARY_FIELDS, run_rows

SUMMARY_SCHEMA = pa.schema([*SUMMARY_FIELDS.items(), *PLAN_SUMMARY_FIELDS.items()])  # plan columns empty for one-year runs
ROLE_SCHEMA = pa.schema(list(ROLE_FIELDS.items()))
YEAR_SCHEMA = pa.schema(list(YEAR_FIELDS.items()))
ROLE_YEAR_SCHEMA = pa.schema(list(ROLE_YEAR_FIELDS.items()))
KEYS = ["ods_code", "policy", "fingerprint"]
RECORD = ["ods_code", "policy"]
"""A task is known by its KEYS (what changed reruns it); today's record of it, in a part, by its RECORD."""
LOCK_NAME = ".batch.lock"
RENAMED = {"list_size": "list_size_patients", "weighted_population": "weighted_population_patients",
           "weighted_care_per_year": "priority_weighted_contacts_per_year"}
"""Summary columns of parts written before every name carried its unit, by today's name, so a run resumed on such
parts reads them (tests/test_batch_overwrite.py)."""
PLAN_RENAMED = {
    "wte": "total_wte", "wte_years_worked": "worked_wte_years", "cost_gbp": "cost_gbp_per_year", "need_contacts": "demand_contacts_per_year",
    "served_contacts": "served_contacts_per_year", "care_value": "care_value_per_year",
    **{f"{name}_gbp": f"{name}_gbp_per_year" for name in ("arrs_sum", "arrs_claimed", "arrs_unspent", "in_post_beyond_arrs", "own_money",
                                                          "top_up_budget", "own_money_over_budget", "total_cost")},
}
"""The same for a plan batch's parts per year and future (and role), written before the plan's columns were named as
the single-year tables' (tests/test_batch_names.py); no other part has a column of these names."""


def parts_dir(output: Path) -> Path:
    return Path(output) / "parts"


@dataclasses.dataclass(frozen=True)
class EncodedChunk:
    """A finished chunk's records as the Parquet bytes of its parts, encoded where the chunk ran, so the parent only
    writes bytes (with worker processes, encoding in the parent made it the busiest process of a short run)."""

    parts: dict[str, bytes]  # kind → Parquet bytes; "summary" last, as it marks the chunk done
    records: int  # summary records (PCN × policy)
    failed: int  # of those, not optimal


def encode_chunk(summary: list[dict], roles: list[dict], years: list[dict] | None = None,
                 role_years: list[dict] | None = None) -> EncodedChunk:
    """`years`, `role_years`: a plan's records per year and future (and role), stored like the role rows."""
    parts = {kind: _parquet(rows, schema) for kind, rows, schema in (
        ("years", years, YEAR_SCHEMA), ("roleyears", role_years, ROLE_YEAR_SCHEMA), ("roles", roles, ROLE_SCHEMA),
        ("summary", summary, SUMMARY_SCHEMA)) if rows}
    return EncodedChunk(parts, len(summary), sum(r["status"] != "optimal" for r in summary))


def run_and_encode(chunk: RowChunk, solve: Callable[[list[Task]], tuple] | None = None) -> tuple[list[RowProblem], EncodedChunk]:
    """`worker.run_rows`, its records encoded in the same process: what a batch runs on each chunk."""
    problems, records = run_rows(chunk, solve)
    return problems, encode_chunk(*records)


def write_chunk(output: Path, chunk: EncodedChunk) -> None:
    """A chunk's parts, each file written atomically; a chunk with no records (every row invalid) writes nothing."""
    folder, name = parts_dir(output), f"{time.time_ns():020d}{uuid.uuid4().hex[:8]}"
    for kind, data in chunk.parts.items():
        write_bytes_atomic(folder / f"{kind}-{name}.parquet", data)


def _parquet(rows: list[dict], schema: pa.Schema) -> bytes:
    """A part is written once, read once at the end and never searched: LZ4, no dictionaries and no statistics
    encode it about four times faster than zstd with them (0.5 ms against 2 ms for 100 PCNs' summaries, in the
    worker), for parts about a third larger."""
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), sink, compression="lz4", use_dictionary=False,
                   write_statistics=False)
    return sink.getvalue()


def summary_parts(output: Path) -> list[Path]:
    folder = parts_dir(output)
    return sorted(folder.glob("summary-*.parquet")) if folder.exists() else []


def role_parts(output: Path, kind: str = "roles") -> dict[str, Path]:
    """Role (or, for plans, `kind="years"`) parts of committed chunks, by chunk id."""
    committed = {_chunk_id(p) for p in summary_parts(output)}
    folder = parts_dir(output)
    found = sorted(folder.glob(f"{kind}-*.parquet")) if folder.exists() else []
    return {_chunk_id(p): p for p in found if _chunk_id(p) in committed}


def _chunk_id(path: Path) -> str:
    return path.stem.split("-", 1)[1]


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A part read from its bytes: Arrow's file reader leaves native memory behind for each file it opens (about
    40 KB), which a batch of many parts would not give back."""
    return pq.read_table(pa.BufferReader(path.read_bytes()), columns=columns, use_threads=False, pre_buffer=False)


def stored_keys(output: Path) -> pd.DataFrame:
    """The keys and status of every stored record, with the number of its part, in the order written.

    Only four short columns are read, so this stays small however many measures a record has; parts are joined
    as Arrow tables and converted once, since a DataFrame per part would cost more than its records.
    """
    parts = []
    for number, path in enumerate(summary_parts(output)):
        part = read_part(path, columns=[*KEYS, "status"])
        parts.append(part.append_column("part", pa.array([number] * part.num_rows, pa.int64())))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "part" else object) for c in [*KEYS, "status", "part"]})
    return pa.concat_tables(parts).to_pandas()


def record_index(output: Path, wanted: pd.DataFrame) -> pd.DataFrame:
    """Today's record of each (ODS code, policy): its part, status and today's row; superseded records left out.
    Within a part a record is known by its ODS code and policy alone (a chunk runs each once), so the long
    fingerprints are dropped once matched.

    `wanted`: today's fingerprint and row of each (ODS code, policy).
    """
    index = stored_keys(output)
    if not len(index):
        return index.assign(row=pd.Series(dtype="int64"))
    index = index.merge(wanted[[*KEYS, "row"]], on=KEYS, how="inner")  # keeps the order written
    index = index.drop_duplicates(RECORD, keep="last").drop(columns="fingerprint").reset_index(drop=True)
    give_back_memory()
    return index


def done_keys(output: Path) -> set[tuple[str, str, str]]:
    """(ODS code, policy, fingerprint) of every task whose latest record has a final status (so is not run again)."""
    latest = stored_keys(output).drop_duplicates(KEYS, keep="last")
    final = latest[latest["status"].isin(FINAL_STATUSES)]
    return set(zip(final["ods_code"], final["policy"], final["fingerprint"]))


def in_table_order(output: Path, index: pd.DataFrame, policies: list[str], kind: str = "summary",
                   extra: pd.DataFrame | None = None) -> Iterator[pd.DataFrame]:
    """Today's records of one kind, with today's row, in table order (row, then policy as given), a piece at a time.

    `kind` "summary" gives the records in `index` (and those in `extra`, records kept in memory such as invalid
    rows'); "roles" (or a plan's "years", "roleyears") the rows of its optimal ones, each (PCN, policy)'s rows in
    the order written. Walking the index in table order, each piece is a run of records from one part; a run writes
    consecutive rows into each part, so a part is read about once, and nothing is sorted on disk.
    """
    order = {p: i for i, p in enumerate(policies)}
    wanted = index if kind == "summary" else index[index["status"] == "optimal"]
    wanted = wanted[[*RECORD, "row", "part"]]
    if extra is not None and len(extra):
        wanted = pd.concat([wanted, extra[[*RECORD, "row"]].assign(part=-1)], ignore_index=True)
    if not len(wanted):
        return
    wanted = wanted.assign(_p=wanted["policy"].map(order)).sort_values(["row", "_p"], kind="stable")
    paths = summary_parts(output)
    files = {_chunk_id(paths[n]): path for n, path in enumerate(paths)} if kind == "summary" else role_parts(output, kind)
    cache: dict[int, pd.DataFrame] = {}
    part = wanted["part"].to_numpy()
    starts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
    for start, end in zip(starts, [*starts[1:], len(part)]):
        run, number = wanted.iloc[start:end], int(part[start])
        if number not in cache:
            if number < 0:
                cache[number] = extra
            else:
                path = files.get(_chunk_id(paths[number]))
                if path is None:
                    continue
                cache[number] = read_part(path).to_pandas().rename(columns=RENAMED | PLAN_RENAMED)
            while len(cache) > 4:
                cache.pop(next(iter(cache)))
        if number < 0:  # kept in memory, one record per row and policy
            records = cache[number].merge(run[["row", "policy", "_p"]], on=["row", "policy"], how="inner")
        else:
            records = cache[number].drop(columns="row", errors="ignore").merge(run[[*RECORD, "row", "_p"]], on=RECORD, how="inner")
        yield records.sort_values(["row", "_p"], kind="stable").drop(columns="_p")


# ---------------------------------------------------------------- one run per folder


class RunLock:
    """A lock file naming the run that writes into a folder, so a second run into it stops with a sentence; a folder
    the run made and left empty (it stopped on bad input) is removed with the lock.

    A lock left by a run that died (its process is gone) is taken over; so are stale temporary files of
    atomic writes that a killed run left half-written.
    """

    def __init__(self, output: Path):
        self.path = Path(output) / LOCK_NAME
        self.held = False

    def __enter__(self) -> RunLock:
        self.created = not self.path.parent.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "started": _process_start(os.getpid()),
              "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        for _ in range(2):
            try:
                handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                other = _read_lock(self.path)
                if other and _alive(other):
                    raise TableError([
                        f"another batch (process {other['pid']}, started {other.get('started_at', 'earlier')}) is writing "
                        "to this folder; wait for it to finish, or choose another --output folder"], str(self.path.parent)) from None
                self.path.unlink(missing_ok=True)  # its run died: take the lock over
                continue
            with os.fdopen(handle, "w") as lock:
                json.dump(me, lock)
            self.held = True
            remove_stale_temporaries(self.path.parent)
            return self
        raise TableError(["cannot take the folder's lock file; remove it if no batch is running"], str(self.path))

    def __exit__(self, *_) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False
            if self.created and not any(self.path.parent.iterdir()):  # a run refused before writing leaves no folder
                self.path.parent.rmdir()


def remove_earlier_run(output: Path, names: Iterable[str]) -> list[Path]:
    """What an earlier batch wrote into a folder, for `--overwrite`: its parts folder and the files a batch writes by
    name (`names`, e.g. pcn_summary.csv), never any other file. Only called under the lock. Returns what was removed."""
    removed = []
    if parts_dir(output).is_dir():
        shutil.rmtree(parts_dir(output))
        removed.append(parts_dir(output))
    for name in names:
        path = Path(output) / name
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def remove_stale_temporaries(output: Path) -> int:
    """Half-written temporary files (`.NAME.XXXX.part`) of a run that was killed; only called under the lock."""
    removed = 0
    for folder in (Path(output), parts_dir(output)):
        if folder.is_dir():
            for path in folder.glob(".*.part"):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _read_lock(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _process_start(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _alive(lock: dict) -> bool:
    """The locking process still runs (the same process, not a new one given its number)."""
    pid = lock.get("pid")
    if not isinstance(pid, int):
        return False
    started = _process_start(pid)
    return started is not None and (lock.get("started") is None or abs(started - lock["started"]) < 1.0)
