"""What a solve returns: one status vocabulary from solver to app, the answer read by column position, and the
tolerances between the stages (most care, then the cheapest mix giving it)."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pulp

from optimiser.solve.compiled import CompiledLP

CARE_TOLERANCE = 1e-9
"""Stage 2 may give up this share of the best care (relative) to find a cheaper mix: far below any unit shown."""
STAGE_2_FALLBACK_TOLERANCE = 1e-6
"""If stage 2 cannot meet the tight care floor (solver tolerances on a knife-edge MILP), it tries once with this one."""
CBC_CARE_TOLERANCE = (1e-7, 1e-6)
"""CBC's stage 2 keeps the best care to within 1e-7 relative (`care_floor`) plus 1e-6 absolute: CBC reports its stage 1 solution to
fewer digits than HiGHS, so the tighter floor can be just out of its reach (and it then calls stage 2 infeasible)."""
SHARE_TOLERANCE = 1e-7
"""Stage 1 may give up this much of the lowest share of need met (0–1) found by stage 0: far below 0.1%."""
UNCONFIRMED = "the cheapest of the equally good mixes could not be confirmed"


def care_floor(care: float, relative: float = CARE_TOLERANCE, absolute: float = 0.0) -> float:
    """The least care stage 2 may keep: the best care less `relative` of its size (of 1 when it is smaller, so a care
    near 0 keeps a margin) and `absolute` more. Below the care whatever its sign."""
    return care - relative * max(1.0, abs(care)) - absolute


class Status(StrEnum):
    """What the solver proved, in one vocabulary from solver to app (compares equal to its text)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass
class Solution:
    status: Status
    proven_optimal: bool
    solver: str
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))  # column values, in the model's column order
    column_names: list[str] = field(default_factory=list)
    row_activity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    marginal_care: np.ndarray = field(default_factory=lambda: np.zeros(0))
    care: float = float("nan")
    total_cost_gbp: float = float("nan")
    method: str = ""
    solver_seconds: float = 0.0
    cheapest_confirmed: bool = True  # False when the cheapest of the equally good mixes could not be confirmed

    @staticmethod
    def stopped(status: Status, solver: str, started: float) -> Solution:
        """A solve that ended without a proven answer (infeasible, a time limit, an error), timed from `started`."""
        return Solution(status=status, proven_optimal=False, solver=solver, solver_seconds=time.perf_counter() - started)

    def value(self, variable: pulp.LpVariable | None) -> float:
        """A PuLP variable's value (for code that holds variables; results read `values` by column position)."""
        if variable is None or variable.name not in self._position:
            return 0.0
        return float(self.values[self._position[variable.name]])

    @functools.cached_property
    def _position(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.column_names)}


def proven(lp: CompiledLP, values: np.ndarray, activity: np.ndarray, marginal: np.ndarray, method: str, seconds: float,
           solver: str, cheapest_confirmed: bool = True) -> Solution:
    """A proven two-stage answer, whichever way it was found: care and cost are read from the chosen mix; the method
    says when stage 1's mix stands because the cheapest of the equally good mixes could not be confirmed."""
    if not cheapest_confirmed:
        method = f"{method}; {UNCONFIRMED}"
    return Solution(
        status=Status.OPTIMAL,
        proven_optimal=True,
        solver=solver,
        values=values,
        column_names=lp.column_names,
        row_activity=activity,
        marginal_care=marginal,
        care=float(lp.care @ values),
        total_cost_gbp=float(lp.cost @ values),
        method=f"{method}; most care first, then the cheapest mix giving that care, ARRS before the PCN's own money",
        solver_seconds=seconds,
        cheapest_confirmed=cheapest_confirmed,
    )
