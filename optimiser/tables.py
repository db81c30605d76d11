"""Tables to and from files by suffix: the one place that writes CSV and Excel.

Every text cell that a spreadsheet would read as a formula (it starts with = + - @, a tab or a carriage
return) is written as text: in Excel as a string cell, in CSV with a leading apostrophe, as OWASP's
guidance on CSV injection advises. A PCN name like `=HYPERLINK(...)` then shows as typed and never runs.
"""

from __future__ import annotations

import contextlib
import io
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from optimiser.atomic import write_bytes_atomic
from optimiser.errors import file_kind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel, LibreOffice or Sheets treat a cell as a formula."""

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}

MAX_TABLE_BYTES = 200_000_000
"""A PCN table takes about 250 bytes a PCN (the bundled England table: 1,297 PCNs in 0.3 MB), so 200 MB would hold
some 800,000 PCNs: a larger file (or an Excel or Parquet file that unpacks to more) is not a PCN table, and reading
it would take memory in proportion, so it is refused before it is read."""


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c, dtype in frame.dtypes.items() if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)]


def _escape_text(value: object) -> object:
    return "'" + value if looks_like_formula(value) else value


def _mapped(column: pd.Series, change, found) -> pd.Series:
    """`column` with `change` applied to each cell; a string column where `found` (its vectorised test) finds no
    cell to change is returned as it is, so a long table is not walked cell by cell for nothing."""
    if isinstance(column.dtype, pd.StringDtype) and not found(column.str).fillna(False).any():
        return column
    return column.map(change)


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with formula-like text cells (and column names) prefixed by an apostrophe; numbers untouched."""
    text_columns = _text_columns(frame)
    if not text_columns and not any(looks_like_formula(c) for c in frame.columns):
        return frame
    safe = frame.copy()
    for column in text_columns:
        safe[column] = _mapped(safe[column], _escape_text, lambda text: text.startswith(FORMULA_STARTS))
    safe.columns = [_escape_text(c) for c in safe.columns]
    if pd.api.types.is_object_dtype(safe.index) or pd.api.types.is_string_dtype(safe.index):
        safe.index = safe.index.map(_escape_text)
    return safe


def _one_line_ending(value: object) -> object:
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def csv_text(frame: pd.DataFrame, index: bool = False) -> str:
    """CSV that a spreadsheet opens as literal text, whatever the cells say.

    A carriage return inside a cell becomes a line feed (as Excel stores it), because the csv module
    leaves a field with a bare CR unquoted and readers would split the row there.
    """
    safe = defused(frame)
    text_columns = _text_columns(safe)
    if text_columns:
        safe = safe.copy()
        for column in text_columns:
            safe[column] = _mapped(safe[column], _one_line_ending, lambda text: text.contains("\r", regex=False))
    return safe.to_csv(index=index)


def excel_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame; text that looks like a formula is stored as a text cell."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        for sheet in writer.book.worksheets:
            text_cells_stay_text(sheet)
    return buffer.getvalue()


def text_cells_stay_text(sheet) -> None:
    """openpyxl reads any string starting with '=' as a formula; make every such cell a string cell."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" or looks_like_formula(cell.value):
                cell.data_type = "s"


def table_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """The frame as the bytes of a .csv, .parquet or .xlsx file."""
    kind = SUFFIXES.get(suffix.lower())
    if kind == "csv":
        return csv_text(frame).encode("utf-8")
    if kind == "xlsx":
        return excel_bytes({"table": frame})
    if kind == "parquet":
        sink = io.BytesIO()
        frame.to_parquet(sink, index=False)
        return sink.getvalue()
    raise ValueError(f"unknown table format {suffix!r}; use .csv, .parquet or .xlsx")


def write_table(frame: pd.DataFrame, path: str | Path, overwrite: bool = False) -> Path:
    """Write by the file's suffix, atomically, never replacing a file unless asked."""
    path = Path(path)
    write_bytes_atomic(path, table_bytes(frame, path.suffix), overwrite=overwrite)
    return path


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a .csv, .parquet or .xlsx table with every cell as written (CSV and Excel cells as text)."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower()) or ("xlsx" if path.suffix.lower() == ".xlsm" else None)
    if kind is not None:
        _check_size(path, kind)
    if kind == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    if kind == "parquet":
        return pd.read_parquet(path)
    if kind == "xlsx":
        return pd.read_excel(path, dtype=object)
    raise ValueError(f"unknown table format {path.suffix!r}; use .csv, .parquet or .xlsx")


def _check_size(path: Path, kind: str) -> None:
    """Refuse, before reading, what is not a regular file or holds more than MAX_TABLE_BYTES (unpacked, for Excel and
    Parquet); a ValueError sentence says which."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"is {file_kind(info.st_mode)}, not a table file; give a .csv, .parquet or .xlsx file")
    size = info.st_size
    if kind == "xlsx" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            size = max(size, sum(member.file_size for member in archive.infolist()))
    elif kind == "parquet":
        with contextlib.suppress(Exception):  # not Parquet: the reader says so
            metadata = pq.ParquetFile(path).metadata
            size = max(size, sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)))
    if size > MAX_TABLE_BYTES:
        unpacked = "" if size == info.st_size else " unpacked"
        raise ValueError(f"the file holds {size / 1e6:,.0f} MB{unpacked}, more than a PCN table ever needs "
                         f"(at most {MAX_TABLE_BYTES / 1e6:,.0f} MB, some 800,000 PCNs); is it the right file?")
