"""The model as arrays without PuLP, for batch workers: a shape's structure is built once, then only numbers change.

`formulation.py` gives every row family over a fixed index, so scenarios of one shape (the same allowed roles,
policy, pots, ...) share their rows and sparsity pattern. The first scenario of a shape fixes the structure: row
registry, column names, and where each term sits in the row-wise matrix. Each later one only computes its numbers
and drops them into place, leaving out the rows it does not have (which rows and terms those are is worked out
once per pattern of rows, of which a batch meets a few hundred). (Kept as free rows they would be harmless to the
optimum but change which of several equally good mixes HiGHS returns, and a batch must give what `solve` gives.)
`build_model` + `compile_model` give exactly the same programme (tests/test_engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.formulation import formulate
from optimiser.layout import RowInfo, Shape, shape_key
from optimiser.inputs import ModelInputs
from optimiser.solve import CompiledLP

MAX_SHAPES = 64
"""Structures kept per worker; a batch has a handful of shapes (the 50 sample PCNs have 2 per policy)."""
MAX_PATTERNS = 128
"""Active-row patterns kept per structure (which rows a PCN has: a cap, staff in post, ...). A batch meets hundreds
(330 in the 1,250 synthetic PCNs); each kept pattern holds its rows and the branch and bound's skeleton (about 10 KB),
so keeping 256 let a process's memory grow by some 10 MB from 1,250 to 12,500 PCNs; 128 keeps it flat, for about
the same time per PCN."""


@dataclass(frozen=True)
class ArrayModel:
    """What results read from a model built here: the inputs, where each column is, and each row's meaning and limit."""

    inputs: ModelInputs
    layout: Shape
    registry: list[RowInfo]
    limits: np.ndarray


@dataclass(frozen=True, eq=False)
class Rows:
    """The rows a scenario has (its active pattern), as HiGHS reads them; shared by every scenario with that pattern."""

    registry: list[RowInfo]
    kept: np.ndarray | None  # the structure's rows kept, or None when all are
    terms: np.ndarray | None  # the structure's terms kept (matrix order), or None when all are
    row_start: np.ndarray
    row_index: np.ndarray


@dataclass(frozen=True)
class Structure:
    """A shape's rows and pattern, built by its first scenario: where each block's terms go in the row-wise matrix."""

    shape: Shape
    registry: list[RowInfo]
    order: np.ndarray  # the terms, as the blocks give them, in row-wise matrix order
    row_start: np.ndarray
    row_index: np.ndarray
    term_row: np.ndarray  # each term's row, in matrix order
    term_bounds: list[tuple[int, int]]  # each (block, term) in reading order: where its coefficients go, before `order`
    patterns: dict[bytes, Rows]

    def rows(self, active: np.ndarray) -> Rows:
        """The rows kept for this active pattern: worked out once per pattern (a batch has a few)."""
        key = np.packbits(active).tobytes()
        if (known := self.patterns.get(key)) is None:
            if len(self.patterns) >= MAX_PATTERNS:
                self.patterns.clear()
            if active.all():
                known = Rows(self.registry, None, None, self.row_start, self.row_index)
            else:
                kept, terms = np.flatnonzero(active), active[self.term_row]
                starts = np.concatenate([[0], np.cumsum(np.diff(self.row_start)[kept])]).astype(np.int32)
                known = Rows([self.registry[i] for i in kept], kept, terms, starts, self.row_index[terms])
            self.patterns[key] = known
        return known


def _structure(blocks, shape: Shape) -> Structure:
    offsets = np.cumsum([0] + [len(b.lower) for b in blocks])
    rows = np.concatenate([b.term_row + offset for b, offset in zip(blocks, offsets)])
    columns = np.concatenate([b.term_column for b in blocks])
    order = np.lexsort((columns, rows))
    starts = np.searchsorted(rows[order], np.arange(offsets[-1] + 1)).astype(np.int32)
    sizes = [np.size(t[1]) if np.ndim(t[1]) else np.size(t[0]) for b in blocks for t in b.terms]
    ends = np.cumsum(sizes).tolist()
    term_bounds = list(zip([0] + ends[:-1], ends))
    return Structure(shape, [info for b in blocks for info in b.rows], order, starts, columns[order].astype(np.int32),
                     rows[order], term_bounds, {})


class Engine:
    """Keeps each shape's structure; `compile` gives a scenario's model as arrays, ready for `solve_compiled`."""

    def __init__(self) -> None:
        self._structures: dict[tuple, Structure] = {}

    def compile(self, inputs: ModelInputs) -> tuple[ArrayModel, CompiledLP]:
        key = shape_key(inputs)
        known = self._structures.get(key)
        f = formulate(inputs, known.shape if known else None)
        if known is None:
            if len(self._structures) >= MAX_SHAPES:
                self._structures.clear()
            known = self._structures[key] = _structure(f.blocks, f.shape)
        blocks = f.blocks
        active = np.concatenate([b.active for b in blocks])
        lower = np.concatenate([b.lower for b in blocks])
        upper = np.concatenate([b.upper for b in blocks])
        values = np.empty(len(known.order))
        bounds = iter(known.term_bounds)
        for b in blocks:
            for term in b.terms:
                start, end = next(bounds)
                values[start:end] = term[2]
        values = values[known.order]
        rows = known.rows(active)
        if rows.kept is not None:
            values, lower, upper = values[rows.terms], lower[rows.kept], upper[rows.kept]
        lp = CompiledLP(
            column_names=f.shape.column_names, column_lower=f.column_lower, column_upper=f.column_upper,
            integer=f.shape.integer, care=f.care, cost=f.cost, own_money=f.own_money, lead=f.lead,
            row_lower=lower, row_upper=upper, row_start=rows.row_start, row_index=rows.row_index, row_value=values,
            pattern=rows,
        )
        limits = np.where(np.isfinite(upper), upper, lower) + 0.0
        return ArrayModel(inputs, known.shape, rows.registry, limits), lp
