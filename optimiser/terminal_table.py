"""A terminal table that folds to the terminal's width without cutting a number, for every report the CLI prints."""

from __future__ import annotations

import re

import pandas as pd
from rich import box
from rich.table import Table

SHORT_TEXT = 12
"""Text columns no wider than this (a cap, a status) keep their width like numbers; longer text wraps."""
_HEADER_PIECE = re.compile(r"\([^)]{1,14}\)|\S+")
"""A header wraps between words, but a short unit in brackets, "(hours a week)", stays on one line."""


def folding_table(title: str, frame: pd.DataFrame, formats: dict[str, str], index_label: str | None = None) -> Table:
    """A table that folds to the terminal's width: numbers are never cut (each number column is as wide as its
    widest number), headers wrap onto more lines, and labels and sentences wrap within their column."""
    rows = []
    for key, row in frame.iterrows():
        cells = [str(key)] if index_label else []
        for column, fmt in formats.items():
            value = row[column]
            cells.append("" if pd.isna(value) else (str(value) if fmt in ("s", "s>") else format(value, fmt)))
        rows.append(cells)
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    if index_label:
        longest_word = max((len(word) for r in rows for word in r[0].split()), default=1)  # never "physiotherapis/t"
        table.add_column(index_label, overflow="fold", min_width=max(longest_word, min(14, max((len(r[0]) for r in rows), default=1))))
    offset = 1 if index_label else 0
    for i, column in enumerate(formats):
        widest_cell = max([len(r[i + offset]) for r in rows], default=0)
        widest = max([widest_cell] + [len(piece) for piece in _HEADER_PIECE.findall(column)])
        fixed = widest if formats[column] not in ("s", "s>") or widest_cell <= SHORT_TEXT else None
        table.add_column(column, justify="left" if formats[column] == "s" else "right",  # "s>": text, right-aligned
                         width=fixed, overflow="fold")
    for cells in rows:
        table.add_row(*cells)
    return table
