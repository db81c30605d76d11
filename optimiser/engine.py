"""The model as arrays without PuLP, for batch workers: a shape's structure is built once, then only numbers change.

`formulation.py` gives every row family over a fixed index, so scenarios of one shape (the same allowed roles,
policy, pots, ...) share their rows and sparsity pattern. The first scenario of a shape fixes the structure: row
registry, column names, and where each term sits in the row-wise matrix. Each later one only computes its numbers
and drops them into place, leaving out the rows it does not have. (Kept as free rows they would be harmless to the
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


@dataclass(frozen=True)
class ArrayModel:
    """What results read from a model built here: the inputs, where each column is, and each row's meaning and limit."""

    inputs: ModelInputs
    layout: Shape
    registry: list[RowInfo]
    limits: np.ndarray


@dataclass(frozen=True)
class Structure:
    shape: Shape
    registry: list[RowInfo]
    order: np.ndarray  # the terms, as the blocks give them, in row-wise matrix order
    row_start: np.ndarray
    row_index: np.ndarray
    term_row: np.ndarray  # each term's row, in matrix order


def _structure(blocks, shape: Shape) -> Structure:
    offsets = np.cumsum([0] + [len(b.lower) for b in blocks])
    rows = np.concatenate([b.term_row + offset for b, offset in zip(blocks, offsets)])
    columns = np.concatenate([b.term_column for b in blocks])
    order = np.lexsort((columns, rows))
    starts = np.searchsorted(rows[order], np.arange(offsets[-1] + 1)).astype(np.int32)
    return Structure(shape, [info for b in blocks for info in b.rows], order, starts, columns[order].astype(np.int32), rows[order])


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
        values = np.concatenate([b.term_value for b in blocks])[known.order]
        registry, starts, index = known.registry, known.row_start, known.row_index
        if not active.all():
            kept, terms = np.flatnonzero(active), active[known.term_row]
            registry = [registry[i] for i in kept]
            starts = np.concatenate([[0], np.cumsum(np.diff(starts)[kept])]).astype(np.int32)
            index, values, lower, upper = index[terms], values[terms], lower[kept], upper[kept]
        lp = CompiledLP(
            column_names=f.shape.column_names, column_lower=f.column_lower, column_upper=f.column_upper,
            integer=f.shape.integer, care=f.care, cost=f.cost, own_money=f.own_money, lead=f.lead,
            row_lower=lower, row_upper=upper, row_start=starts, row_index=index, row_value=values,
        )
        limits = np.where(np.isfinite(upper), upper, lower) + 0.0
        return ArrayModel(inputs, known.shape, registry, limits), lp
