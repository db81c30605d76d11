"""The two stages on HiGHS's own LP and MILP: stage 1 finds the most care; stage 2 the cheapest mix that still
delivers it (within a tiny tolerance). Marginal values come from stage 1's duals, in care per unit of each limit.
Under the equal-share valuation a stage 0 first maximises the lowest share of need met, which stage 1 then keeps."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimiser.solve.cheapest import cheapest_mix, least_tie_break
from optimiser.solve.compiled import RECRUITS_ABOVE, CompiledLP, row_activity, violations
from optimiser.solve.highs import (add_row, column_values, highspy, new_highs, pass_model, row_duals, set_costs, status_of,
                                   temporary_options, version)
from optimiser.solve.solution import SHARE_TOLERANCE, Solution, Status, proven


def two_stage(lp: CompiledLP, time_limit_seconds: float | None, highs) -> Solution:
    highs = highs or new_highs(time_limit_seconds)
    pass_model(highs, lp)
    started = time.perf_counter()
    status = _run(highs)
    if status == Status.INFEASIBLE:
        status = _confirm_without_presolve(highs)
    if status == Status.OPTIMAL and lp.lead is not None:
        # Stage 0 found the lowest share of need met; keep it (to a hair) and maximise the care instead.
        add_row(highs, lp.lead, highs.getInfo().objective_function_value - SHARE_TOLERANCE)
        set_costs(highs, lp.care)
        status = _run(highs)
    if status != Status.OPTIMAL:
        return Solution.stopped(status, version(), started)
    care = highs.getInfo().objective_function_value
    if lp.integer.any():
        fixed = lp.choices
        chosen = np.round(column_values(highs))
        marginal = _relaxation_duals(lp, time_limit_seconds, fixed, chosen)
        method = ("whole posts (MILP); marginal values from the LP relaxation" if (lp.integer & ~fixed).any()
                  else "minimum post size (MILP); marginal values from the LP with the choice of new posts fixed")
        highs.setSolution(highs.getSolution())
    else:
        marginal, method = row_duals(highs), "fractional WTE (LP)"

    most_care = highs.getSolution()
    confirmed = cheapest_mix(highs, lp, care, lambda _: _run(highs), retry_on=NOT_OPTIMAL) == Status.OPTIMAL
    values = np.asarray((highs.getSolution() if confirmed else most_care).col_value, dtype=float)
    if confirmed:
        values = least_tie_break(highs, lp, values, np.flatnonzero(lp.integer))
    return proven(lp, values, row_activity(lp, values), marginal[: lp.num_rows], method, time.perf_counter() - started,
                  version(), cheapest_confirmed=confirmed)


NOT_OPTIMAL = frozenset(Status) - {Status.OPTIMAL}
"""HiGHS's stage 2 loosens its care floor once after any status but optimal (a MILP can stop short of a knife-edge floor)."""


def _run(highs) -> Status:
    highs.run()
    return status_of(highs)


def _confirm_without_presolve(highs) -> Status:
    """HiGHS presolve can call a feasible model with near-zero limits (e.g. 1e-9 sessions) infeasible; check once without it."""
    with temporary_options(highs, presolve="off"):
        return _run(highs)


def _relaxation_duals(lp: CompiledLP, time_limit_seconds: float | None, fixed: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Duals of the LP with integrality dropped, and the columns in `fixed` (whether each role recruits) held at `chosen`."""
    highs = new_highs(time_limit_seconds)
    lower, upper = lp.column_lower.copy(), lp.column_upper.copy()
    lower[fixed] = upper[fixed] = chosen[fixed]
    pass_model(highs, dataclasses.replace(lp, lead=None, column_lower=lower, column_upper=upper))
    highs.changeColsIntegrality(len(lp.integer), np.arange(len(lp.integer), dtype=np.int32),
                                np.array([highspy.HighsVarType.kContinuous] * len(lp.integer)))
    highs.run()
    return row_duals(highs)


def lp_answer_if_integral(lp: CompiledLP, choices: np.ndarray, time_limit_seconds: float | None, highs) -> Solution | None:
    """HiGHS's MILP path: the LP without the yes/no choice of new posts is solved first; if no role then gets a new
    post below the minimum, that answer is the MILP's optimum too (a relaxation's optimum that is feasible is
    optimal, in both stages), so the slower MILP is needed only when the LP proposes a small post."""
    relaxed = two_stage(dataclasses.replace(lp, integer=np.zeros_like(lp.integer)), time_limit_seconds, highs)
    if not relaxed.proven_optimal:
        return None
    values = relaxed.values.copy()
    values[choices] = (values[choices] > RECRUITS_ABOVE).astype(float)
    activity = row_activity(lp, values)
    if np.any(violations(lp, activity) > 0):
        return None
    return dataclasses.replace(
        relaxed,
        values=values,
        row_activity=activity,
        marginal_care=_relaxation_duals(lp, time_limit_seconds, choices, values)[: lp.num_rows],
        method=relaxed.method.replace(
            "fractional WTE (LP)",
            "minimum post size: the LP proposes no new post below it, so its answer is the MILP's; marginal "
            "values from the LP with the choice of new posts fixed"),
    )
