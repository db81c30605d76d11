"""The batch's files: roll-ups, per-PCN tables and one Excel workbook, each written atomically, spreadsheet-safe.

Per-PCN tables (one row per PCN × policy) are written in table order without holding every PCN: records come in
table order from the parts (`store.in_table_order`) and are appended a block at a time. Text cells that a
spreadsheet would run as a formula (starting with = + - @) are written as text, by `optimiser.tables`' rules.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from optimiser import tables
from optimiser.atomic import write_bytes_atomic
from optimiser.batch.memory import give_back_memory

BLOCK_TABLE_ROWS = 250
"""Table rows whose records are written at a time: few enough that the memory a block takes is the same for 1,250
PCNs as for 100,000. A plan's tables, with a record per year and future (and role), take fewer (`PLAN_BLOCK_TABLE_ROWS`)."""
PLAN_BLOCK_TABLE_ROWS = 25
EXCEL_MAX_ROWS = 1_048_575


class TableFiles:
    """One output table as CSV and/or Parquet, appended piece by piece, each file replaced atomically at the end."""

    def __init__(self, output: Path, name: str, formats: tuple[str, ...]):
        self.output, self.name, self.formats = Path(output), name, formats
        self.temporary = {f: self.output / f".{name}.{f}.{os.getpid()}.part" for f in ("csv", "parquet") if f in formats}
        self.writer: pq.ParquetWriter | None = None
        self.csv = open(self.temporary["csv"], "w", encoding="utf-8", newline="") if "csv" in self.temporary else None
        self.header = True
        self.rows = 0

    def append(self, frame: pd.DataFrame) -> None:
        if self.csv is not None:
            text = tables.csv_text(frame)
            self.csv.write(text if self.header else text.split("\n", 1)[1])
        self.header = False
        if "parquet" in self.temporary:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.temporary["parquet"], table.schema, compression="zstd")
            self.writer.write_table(table.cast(self.writer.schema))
        self.rows += len(frame)

    def close(self, empty: pd.DataFrame) -> list[Path]:
        if self.rows == 0:
            self.append(empty)
        if self.csv is not None:
            self.csv.close()
        if self.writer is not None:
            self.writer.close()
        files = []
        for fmt, temporary in self.temporary.items():
            final = self.output / f"{self.name}.{fmt}"
            os.replace(temporary, final)
            files.append(final)
        return files

    def parquet_batches(self, batch_rows: int = 10_000) -> Iterator[pd.DataFrame]:
        """The written table again, in pieces (for the workbook)."""
        path = self.output / f"{self.name}.parquet"
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            yield batch.to_pandas()


def write_table(output: Path, name: str, frame: pd.DataFrame, formats: tuple[str, ...]) -> list[Path]:
    return [tables.write_table(frame, Path(output) / f"{name}.{fmt}", overwrite=True) for fmt in ("csv", "parquet") if fmt in formats]


def _atomic(path: Path, content: bytes) -> Path:
    write_bytes_atomic(path, content, overwrite=True)
    return path


def blocks(pieces: Iterable[pd.DataFrame], table_rows: int = BLOCK_TABLE_ROWS) -> Iterator[pd.DataFrame]:
    """Pieces in table order joined into blocks of the records of `table_rows` table rows each (rows 0 to 249, 250 to
    499, ...). Blocks are cut by table row, not by how many records came in each piece, so every block, and every
    sum added up block by block, is the same however the run was split into chunks and workers."""
    held: list[pd.DataFrame] = []
    current = None
    for piece in pieces:
        groups = piece["row"].to_numpy() // table_rows
        cuts = np.flatnonzero(np.diff(groups)) + 1
        for start, end in zip([0, *cuts], [*cuts, len(piece)]):
            if groups[start] != current and held:
                yield pd.concat(held, ignore_index=True)
                give_back_memory()
                held = []
            current = groups[start]
            held.append(piece.iloc[start:end])
    if held:
        yield pd.concat(held, ignore_index=True)


def write_workbook(path: Path, sheets: Iterable[tuple[str, Iterable[pd.DataFrame]]]) -> Path:
    """An Excel workbook written row by row (openpyxl's write-only mode), formulas escaped; a sheet stops at Excel's limit."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, pieces in sheets:
        sheet = book.create_sheet(name[:31])

        def cell(value):
            value = _plain(value)
            if tables.looks_like_formula(value):
                text = WriteOnlyCell(sheet, value=value)
                text.data_type = "s"  # shown as typed, never run
                return text
            return value

        rows, header = 0, False
        for frame in pieces:
            if not header:
                sheet.append([str(c) for c in frame.columns])
                header = True
            for values in frame.itertuples(index=False, name=None):
                if rows >= EXCEL_MAX_ROWS:
                    break
                sheet.append([cell(v) for v in values])
                rows += 1
    sink = io.BytesIO()
    book.save(sink)
    return _atomic(path, sink.getvalue())


def _plain(value):
    """A cell's value as openpyxl takes it: NaN empty, NumPy scalars as Python ones."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
