"""The stages after the most care, on the instance stage 1 left. Stage 2: the cheapest mix that still delivers the
most care (to within the care floor), the PCN's own money counted twice (`CompiledLP.spend`). Stage 3, for models that
name a `tie_break` (multi-year plans): among the mixes with stage 2's care and, to a hair, its cost, the least
tie_break, so which of several equally good mixes is shown does not depend on the solver's path (for a plan: how own
money is split between futures)."""

from __future__ import annotations

from collections.abc import Callable, Container

import numpy as np

from optimiser.solve.compiled import CompiledLP
from optimiser.solve.highs import add_row, column_values, highspy, set_costs, status_of
from optimiser.solve.solution import CARE_TOLERANCE, STAGE_2_FALLBACK_TOLERANCE, Status, care_floor


def cheapest_mix(highs, lp: CompiledLP, care: float, solve: Callable[[float], Status], retry_on: Container[Status]) -> Status:
    """Stage 2: hold the care at least at its floor below `care` (stage 1's best) and minimise the spend; `solve(floor)`
    runs the search. Stage 1 proved the most care, so the model is feasible: when `solve` ends in a status of
    `retry_on`, the floor may be just out of the solver's reach (a knife-edge budget), and it is loosened once."""
    add_row(highs, lp.care, care_floor(care))
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    set_costs(highs, lp.spend)
    status = solve(care_floor(care))
    if status in retry_on:
        looser = care_floor(care, STAGE_2_FALLBACK_TOLERANCE)
        highs.changeRowBounds(highs.getNumRow() - 1, looser, np.inf)
        status = solve(looser)
    return status


def least_tie_break(highs, lp: CompiledLP, values: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Stage 3 on the instance stage 2 left (its care floor, minimising), when the model names a tie_break: the `held`
    columns (integer choices) stay exactly as stage 2 chose them; stage 2's mix is kept if stage 3 cannot be confirmed."""
    if lp.tie_break is None:
        return values
    held = np.asarray(held, dtype=np.int32)
    if len(held):
        highs.changeColsBounds(len(held), held, values[held], values[held])
    add_row(highs, lp.spend, -np.inf, -care_floor(-float(lp.spend @ values), CARE_TOLERANCE))
    set_costs(highs, lp.tie_break)
    highs.run()
    if status_of(highs) != Status.OPTIMAL:
        return values
    least = column_values(highs)[: len(values)]
    least[held] = values[held]
    return least
