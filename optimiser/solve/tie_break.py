"""Stage 3, for models that name a `tie_break` (multi-year plans): among the mixes with stage 2's care and, to a
hair, its cost, the least tie_break, so which of several equally good mixes is shown does not depend on the
solver's path (for a plan: how own money is split between futures)."""

from __future__ import annotations

import numpy as np

from optimiser.solve.compiled import CompiledLP
from optimiser.solve.highs import status_of
from optimiser.solve.solution import CARE_TOLERANCE, Status


def least_tie_break(highs, lp: CompiledLP, values: np.ndarray, held: np.ndarray) -> np.ndarray:
    """On the instance stage 2 left (its care floor, minimising): the `held` columns (integer choices) stay as stage 2
    chose them; stage 2's mix is kept if stage 3 cannot be confirmed."""
    spend = lp.cost + lp.own_money
    level = float(spend @ values)
    held = np.asarray(held, dtype=np.int32)
    if len(held):
        highs.changeColsBounds(len(held), held, values[held], values[held])
    columns = np.flatnonzero(spend)
    highs.addRow(-np.inf, level + CARE_TOLERANCE * max(1.0, abs(level)), len(columns), columns.astype(np.int32), spend[columns])
    every = np.arange(len(values), dtype=np.int32)
    highs.changeColsCost(len(every), every, lp.tie_break)
    highs.run()
    if status_of(highs) != Status.OPTIMAL:
        return values
    return np.asarray(highs.getSolution().col_value, dtype=float)[: len(values)]
