"""The fallback through PuLP's CBC (a subprocess per stage; needs no highspy), on the PuLP model as built."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pulp

from optimiser.model import SkillMixModel
from optimiser.solve.solution import CBC_CARE_TOLERANCE, SHARE_TOLERANCE, Solution, Status, care_floor


def solve_cbc(model: SkillMixModel, time_limit_seconds: float | None) -> Solution:
    """Fallback through PuLP's CBC (a subprocess per stage; needs no highspy), on the model as built.

    The stages run on a shallow copy of the problem (the same variables and rows), whose objective changes
    and which gains floors, so the caller's model is as it was.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3 warns that PuLP 4 drops its bundled CBC
        cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_seconds)
    started = time.perf_counter()
    problem = model.problem.copy()

    def solved() -> Status:
        """CBC's own status; a stop is called a time limit only when a limit was set."""
        problem.solve(cbc)
        text = pulp.LpStatus[problem.status]
        if text == "Optimal" and problem.sol_status == pulp.LpSolutionOptimal:
            return Status.OPTIMAL
        if text in ("Infeasible", "Unbounded"):
            return Status(text.lower())
        return Status.TIME_LIMIT if time_limit_seconds is not None else Status.ERROR

    def floor(name: str, expression, level: float) -> None:
        problem.addConstraint(expression >= level, name=name)

    if model.lowest_share is not None:
        problem.setObjective(pulp.LpAffineExpression([(model.lowest_share, 1.0)]))
        if (status := solved()) != Status.OPTIMAL:
            return Solution.stopped(status, "CBC", started)
        floor("lowest_share_floor", pulp.LpAffineExpression([(model.lowest_share, 1.0)]), model.lowest_share.varValue - SHARE_TOLERANCE)
        problem.setObjective(model.problem.objective)
    if (status := solved()) != Status.OPTIMAL:
        return Solution.stopped(status, "CBC", started)
    marginal = np.array([info.constraint.pi or 0.0 for info in model.registry], dtype=float)
    floor("care_floor", model.care, care_floor(pulp.value(model.care), *CBC_CARE_TOLERANCE))
    problem.setObjective(model.total_cost + model.own_money)
    problem.sense = pulp.LpMinimize
    if (status := solved()) != Status.OPTIMAL:
        return Solution.stopped(status, "CBC", started)
    return Solution(
        status=Status.OPTIMAL,
        proven_optimal=True,
        solver="CBC",
        values=np.array([v.varValue or 0.0 for v in model.variables], dtype=float),
        column_names=[v.name for v in model.variables],
        row_activity=np.array([info.constraint.value() - info.constraint.constant for info in model.registry]),
        marginal_care=marginal if not model.posts else np.full(len(marginal), np.nan),
        care=float(pulp.value(model.care)),
        total_cost_gbp=float(pulp.value(model.total_cost)),
        method="CBC fallback; most care first, then the cheapest mix giving that care",
        solver_seconds=time.perf_counter() - started,
    )
