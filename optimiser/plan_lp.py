"""A linear programme written a family of rows at a time, as numpy arrays: the plan's LP is a few thousand columns,
and building it term by term in Python objects took longer than half its solve.

A family of rows comes as triplets (row within the family, column, coefficient); terms on columns left out (index
< 0) or with a zero coefficient are dropped, and so is a row left with no terms, as PuLP drops an empty constraint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from optimiser.solve import CompiledLP

ABSENT, DERIVED = -1, -2
"""Indexes of a column the compact form leaves out because it is always 0, and of one whose value is filled in
after the solve from the LP's columns."""


class Column(NamedTuple):
    """A column of the plan, found in a solution by its name. `index` is its place in the LP, or ABSENT for one the
    compact form leaves out (a solution gives 0 for a name it lacks), or DERIVED for a value filled in after the solve."""

    name: str
    index: int


@dataclass(frozen=True)
class RowBlock:
    family: str
    unit: str
    labels: list  # per kept row
    periods: list  # per kept row: (year index, future or None for every future)
    lower: np.ndarray
    upper: np.ndarray
    counts: np.ndarray  # terms per kept row
    index: np.ndarray
    value: np.ndarray


@dataclass
class LinearProgramme:
    names: list[str] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    integer: list[np.ndarray] = field(default_factory=list)
    blocks: list[RowBlock] = field(default_factory=list)

    @property
    def num_columns(self) -> int:
        return len(self.names)

    def columns(self, names: list[str], lower=0.0, upper=math.inf, integer: bool = False) -> np.ndarray:
        """New columns, in order; returns their indices."""
        start, n = len(self.names), len(names)
        self.names += names
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)))
        self.integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), (n,)))
        return np.arange(start, start + n)

    def rows(self, family: str, unit: str, labels: list, periods: list, lower, upper,
             row: np.ndarray, column: np.ndarray, value: np.ndarray) -> None:
        """A family of rows lower ≤ Σ coefficient × column ≤ upper; a row without a term is left out."""
        n = len(labels)
        row, column = np.asarray(row, dtype=np.int64).ravel(), np.asarray(column, dtype=np.int64).ravel()
        value = np.broadcast_to(np.asarray(value, dtype=float), column.shape).ravel() if np.ndim(value) == 0 else np.asarray(value, dtype=float).ravel()
        live = (column >= 0) & (value != 0)
        row, column, value = row[live], column[live], value[live]
        order = np.argsort(row, kind="stable")
        row, column, value = row[order], column[order], value[order]
        counts = np.bincount(row, minlength=n)
        kept = counts > 0
        lower = np.broadcast_to(np.asarray(lower, dtype=float), (n,))[kept]
        upper = np.broadcast_to(np.asarray(upper, dtype=float), (n,))[kept]
        self.blocks.append(RowBlock(family, unit, [x for x, k in zip(labels, kept) if k], [p for p, k in zip(periods, kept) if k],
                                    lower, upper, counts[kept], column, value))

    @property
    def num_rows(self) -> int:
        return sum(len(block.counts) for block in self.blocks)

    def compiled(self, care: np.ndarray, cost: np.ndarray, own_money: np.ndarray, lead: np.ndarray | None) -> CompiledLP:
        counts = np.concatenate([b.counts for b in self.blocks]) if self.blocks else np.zeros(0, dtype=np.int64)
        return CompiledLP(
            column_names=self.names,
            column_lower=np.concatenate(self.lower),
            column_upper=np.concatenate(self.upper),
            integer=np.concatenate(self.integer),
            care=care, cost=cost, own_money=own_money, lead=lead,
            row_lower=np.concatenate([b.lower for b in self.blocks]),
            row_upper=np.concatenate([b.upper for b in self.blocks]),
            row_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int32),
            row_index=np.concatenate([b.index for b in self.blocks]).astype(np.int32),
            row_value=np.concatenate([b.value for b in self.blocks]),
        )
