"""A terminal table that folds to the terminal's width without cutting a number, for every report the CLI prints."""

from __future__ import annotations

import copy
import dataclasses
import re

import pandas as pd
from rich import box
from rich.table import Table
from rich.text import Text

TEXT_FORMATS = ("s", "s>")
"""Formats of text columns: "s" left-aligned, "s>" right-aligned; any other format is a number's."""
SHORT_TEXT = 12
"""Text columns no wider than this (a cap, a status) keep their width like numbers; longer text wraps."""
_HEADER_PIECE = re.compile(r"\([^)]{1,14}\)|\S+")
"""A header wraps between words, but a short unit in brackets, "(hours a week)", stays on one line."""


class FoldingTable(Table):
    """A table that, when even its narrowest layout is wider than the terminal, goes on below in further blocks of
    columns, each with the first `keys` columns (the row labels) again, so no column is cut or dropped."""

    keys: int = 1

    def __rich_console__(self, console, options):
        parts = self.parts(console, options.max_width)
        if parts == [self]:
            yield from super().__rich_console__(console, options)
        else:
            yield from parts

    def parts(self, console, width: int) -> list[Table]:
        """The table as blocks of columns no wider than `width`: itself when it fits."""
        if _narrowest(console, self) <= width:
            return [self]
        blocks: list[list] = [[]]
        for column in self.columns[self.keys:]:
            if blocks[-1] and _narrowest(console, self._block([*blocks[-1], column], continued=False)) > width:
                blocks.append([])
            blocks[-1].append(column)
        return [self._block(block, continued=i > 0) for i, block in enumerate(blocks)]

    def _block(self, columns: list, continued: bool) -> Table:
        block = copy.copy(self)
        block.columns = [dataclasses.replace(c, _index=i) for i, c in enumerate([*self.columns[:self.keys], *columns])]
        block.keys = len(block.columns)  # a block is never split again
        block.title = f"{self.title} (continued)" if continued and self.title else self.title
        return block


def _narrowest(console, table: Table) -> int:
    """The width of a table's narrowest layout: its fixed columns whole, its text wrapped at every space."""
    return table.__rich_measure__(console, console.options.update_width(UNLIMITED)).minimum


UNLIMITED = 100_000


def cell_text(value, fmt: str) -> str:
    """One cell as shown: text as it is, a number by its format spec (",.0f") or template ("£{:,.0f}", "{:.0%}")."""
    if pd.isna(value):
        return ""
    if fmt in TEXT_FORMATS:
        return str(value)
    return fmt.format(value) if "{" in fmt else format(value, fmt)


def folding_table(title: str, frame: pd.DataFrame, formats: dict[str, str], index_label: str | None = None, keys: int = 1) -> Table:
    """A table that folds to the terminal's width: numbers are never cut (each number column is as wide as its
    widest number), headers wrap onto more lines, and labels and sentences wrap within their column. Cells are
    plain text, never markup: a source's "multiplied [by]" keeps its brackets. A table still too wide goes on below,
    its first `keys` columns (the index, or the row labels among `formats`) repeated."""
    rows = []
    for key, row in frame.iterrows():
        cells = [str(key)] if index_label else []
        cells += [cell_text(row[column], fmt) for column, fmt in formats.items()]
        rows.append(cells)
    table = FoldingTable(title=title, title_justify="left", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    if index_label:
        longest_word = max((len(word) for r in rows for word in r[0].split()), default=1)  # never "physiotherapis/t"
        table.add_column(index_label, overflow="fold", min_width=max(longest_word, min(14, max((len(r[0]) for r in rows), default=1))))
    offset = 1 if index_label else 0
    for i, column in enumerate(formats):
        widest_cell = max([len(r[i + offset]) for r in rows], default=0)
        widest = max([widest_cell] + [len(piece) for piece in _HEADER_PIECE.findall(column)])
        fixed = widest if formats[column] not in TEXT_FORMATS or widest_cell <= SHORT_TEXT else None
        table.add_column(column, justify="left" if formats[column] == "s" else "right",  # "s>": text, right-aligned
                         width=fixed, overflow="fold")
    table.keys = keys
    for cells in rows:
        table.add_row(*map(Text, cells))
    return table
