"""Solve a skill-mix model with HiGHS in-process, in two stages, and check that the answer is proven.

Stage 1 finds the most care; stage 2 finds the cheapest mix that still delivers it (within a tiny
tolerance). Marginal values come from stage 1's duals, so they are in care per unit of each limit.
Under the equal-share valuation a stage 0 first maximises the lowest share of need met, which
stage 1 then keeps; the marginal values are stage 1's, with that lowest share held.
PuLP's own HiGHS interface adds rows one at a time and reports a time limit as "Optimal"; here the
PuLP model is compiled to arrays once, passed to HiGHS in one call, and HiGHS's own status decides.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import time
import warnings
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pulp

from optimiser.errors import SolverError
from optimiser.model import SkillMixModel

try:
    import highspy
except ImportError:  # pragma: no cover - highspy is a dependency; CBC is the documented fallback
    highspy = None

CARE_TOLERANCE = 1e-9
"""Stage 2 may give up this share of the best care (relative) to find a cheaper mix: far below any unit shown."""
STAGE_2_FALLBACK_TOLERANCE = 1e-6
"""If stage 2 cannot meet the tight care floor (solver tolerances on a knife-edge MILP), it tries once with this one."""
CBC_CARE_TOLERANCE = (1e-7, 1e-6)
"""CBC's stage 2 keeps the best care to within 1e-7 relative plus 1e-6 absolute: CBC reports its stage 1 solution to
fewer digits than HiGHS, so the tighter floor can be just out of its reach (and it then calls stage 2 infeasible)."""


class Status(StrEnum):
    """What the solver proved, in one vocabulary from solver to app (compares equal to its text)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"
SHARE_TOLERANCE = 1e-7
"""Stage 1 may give up this much of the lowest share of need met (0–1) found by stage 0: far below 0.1%."""


@dataclass(frozen=True)
class CompiledLP:
    """The model as arrays: row order is the registry's, column order the model's."""

    column_names: list[str]
    column_lower: np.ndarray
    column_upper: np.ndarray
    integer: np.ndarray
    care: np.ndarray
    cost: np.ndarray
    own_money: np.ndarray  # £ a year of the PCN's top-up spent: counted again in stage 2, so ARRS is spent first
    lead: np.ndarray | None  # equal-share: the lowest share of need met, maximised before the care
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray
    row_index: np.ndarray
    row_value: np.ndarray

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)


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

    def value(self, variable: pulp.LpVariable | None) -> float:
        """A PuLP variable's value (for code that holds variables; results read `values` by column position)."""
        if variable is None or variable.name not in self._position:
            return 0.0
        return float(self.values[self._position[variable.name]])

    @functools.cached_property
    def _position(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.column_names)}


def compile_model(model: SkillMixModel) -> CompiledLP:
    variables = model.variables
    position = {v.name: j for j, v in enumerate(variables)}
    starts, indexes, coefficients, lower, upper = [0], [], [], [], []
    for info in model.registry:
        constraint = info.constraint
        for variable, coefficient in constraint.items():
            if coefficient != 0:
                indexes.append(position[variable.name])
                coefficients.append(coefficient)
        starts.append(len(indexes))
        rhs = -constraint.constant
        lower.append(rhs if constraint.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -np.inf)
        upper.append(rhs if constraint.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else np.inf)

    def coefficients_of(expression: pulp.LpAffineExpression) -> np.ndarray:
        vector = np.zeros(len(variables))
        for variable, coefficient in expression.items():
            vector[position[variable.name]] += coefficient
        return vector

    return CompiledLP(
        column_names=[v.name for v in variables],
        column_lower=np.array([-np.inf if v.lowBound is None else v.lowBound for v in variables], dtype=float),
        column_upper=np.array([np.inf if v.upBound is None else v.upBound for v in variables], dtype=float),
        integer=np.array([v.cat == pulp.LpInteger for v in variables], dtype=bool),
        care=coefficients_of(model.care),
        cost=coefficients_of(model.total_cost),
        own_money=coefficients_of(model.own_money),
        lead=None if model.lowest_share is None else coefficients_of(pulp.LpAffineExpression([(model.lowest_share, 1.0)])),
        row_lower=np.array(lower, dtype=float),
        row_upper=np.array(upper, dtype=float),
        row_start=np.array(starts, dtype=np.int32),
        row_index=np.array(indexes, dtype=np.int32),
        row_value=np.array(coefficients, dtype=float),
    )


def solve(model: SkillMixModel, solver: str = "highs", time_limit_seconds: float | None = None, highs=None) -> Solution:
    """Solve both stages; a result is only called optimal when the solver proved it.

    `highs` may be a HiGHS instance to reuse (a batch worker keeps one), saving its start-up per PCN.
    """
    if solver == "cbc" or highspy is None:
        return _solve_cbc(model, time_limit_seconds)
    if solver != "highs":
        raise SolverError(f"unknown solver {solver!r}; use 'highs' or 'cbc'")
    return solve_compiled(compile_model(model), time_limit_seconds, highs=highs)


_banner_silenced = False


def new_highs(time_limit_seconds: float | None = None):
    """A quiet HiGHS instance; the first one in a process prints a banner to stdout, which would spoil JSON output."""
    global _banner_silenced
    if not _banner_silenced:
        with _stdout_to_devnull():
            highs = highspy.Highs()
        _banner_silenced = True
    else:
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 1e-9)
    highs.setOptionValue("threads", 1)
    if time_limit_seconds is not None:
        highs.setOptionValue("time_limit", float(time_limit_seconds))
    return highs


@contextlib.contextmanager
def _stdout_to_devnull():
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def pass_model(highs, lp: CompiledLP) -> None:
    model = highspy.HighsLp()
    model.num_col_ = len(lp.column_names)
    model.num_row_ = lp.num_rows
    model.col_cost_ = lp.care if lp.lead is None else lp.lead
    model.col_lower_ = lp.column_lower
    model.col_upper_ = lp.column_upper
    model.row_lower_ = lp.row_lower
    model.row_upper_ = lp.row_upper
    model.sense_ = highspy.ObjSense.kMaximize
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = lp.row_start
    model.a_matrix_.index_ = lp.row_index
    model.a_matrix_.value_ = lp.row_value
    if lp.integer.any():
        model.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in lp.integer]
    highs.passModel(model)


def solve_compiled(lp: CompiledLP, time_limit_seconds: float | None = None, highs=None) -> Solution:
    """Two-stage solve of a compiled model; `highs` may be a reused instance (its model is replaced).

    With a minimum post size, the LP without the yes/no choice of new posts is solved first: if no role then
    gets a new post below the minimum, that answer is the MILP's optimum too (a relaxation's optimum that is
    feasible is optimal, in both stages), so the slower MILP is needed only when the LP proposes a small post.
    """
    choices = np.array([name.startswith("new_post(") for name in lp.column_names], dtype=bool)
    if choices.any() and not (lp.integer & ~choices).any():
        relaxed = _two_stage(dataclasses.replace(lp, integer=np.zeros_like(lp.integer)), time_limit_seconds, highs)
        if relaxed.proven_optimal:
            values = relaxed.values.copy()
            values[choices] = (values[choices] > 1e-7).astype(float)
            activity = row_activity(lp, values)
            slack = 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(lp.row_upper), lp.row_upper, lp.row_lower)))
            if np.all(activity <= lp.row_upper + slack) and np.all(activity >= lp.row_lower - slack):
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
    return _two_stage(lp, time_limit_seconds, highs)


def row_activity(lp: CompiledLP, values: np.ndarray) -> np.ndarray:
    """Each row's left-hand side at the given column values."""
    rows = np.repeat(np.arange(lp.num_rows), np.diff(lp.row_start))
    return np.bincount(rows, weights=lp.row_value * values[lp.row_index], minlength=lp.num_rows)


def _two_stage(lp: CompiledLP, time_limit_seconds: float | None, highs) -> Solution:
    highs = highs or new_highs(time_limit_seconds)
    pass_model(highs, lp)
    started = time.perf_counter()
    highs.run()
    status = _status(highs)
    if status == "infeasible":
        status = _confirm_without_presolve(highs)
    if status == "optimal" and lp.lead is not None:
        status = _hold_lead_then_maximise_care(highs, lp)
    if status != "optimal":
        return Solution(status=status, proven_optimal=False, solver=_version(), solver_seconds=time.perf_counter() - started)
    care = highs.getInfo().objective_function_value
    if lp.integer.any():
        fixed = np.array([name.startswith("new_post(") for name in lp.column_names])
        chosen = np.round(np.asarray(highs.getSolution().col_value, dtype=float))
        marginal = _relaxation_duals(lp, time_limit_seconds, fixed, chosen)
        method = ("whole posts (MILP); marginal values from the LP relaxation" if (lp.integer & ~fixed).any()
                  else "minimum post size (MILP); marginal values from the LP with the choice of new posts fixed")
        highs.setSolution(highs.getSolution())
    else:
        marginal, method = np.asarray(highs.getSolution().row_dual, dtype=float), "fractional WTE (LP)"

    # Stage 2: the cheapest mix among those giving (almost exactly) the most care; the PCN's own money counts
    # twice, because unspent ARRS is lost while unspent top-up is kept.
    most_care = highs.getSolution()
    columns = np.flatnonzero(lp.care)
    highs.addRow(care - CARE_TOLERANCE * max(1.0, abs(care)), np.inf, len(columns), columns.astype(np.int32), lp.care[columns])
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.changeColsCost(len(lp.cost), np.arange(len(lp.cost), dtype=np.int32), lp.cost + lp.own_money)
    highs.run()
    if _status(highs) != "optimal":
        # Stage 1 proved the most care, so the scenario is feasible: a care floor just out of the solver's reach
        # (a MILP on a knife-edge budget) is loosened once, and failing that stage 1's mix is the answer.
        highs.changeRowBounds(highs.getNumRow() - 1, care - STAGE_2_FALLBACK_TOLERANCE * max(1.0, abs(care)), np.inf)
        highs.run()
    seconds = time.perf_counter() - started
    if _status(highs) == "optimal":
        solution = highs.getSolution()
    else:
        solution, method = most_care, f"{method}; the cheapest of the equally good mixes could not be confirmed"
    values = np.asarray(solution.col_value, dtype=float)
    return Solution(
        status=Status.OPTIMAL,
        proven_optimal=True,
        solver=_version(),
        values=values,
        column_names=lp.column_names,
        row_activity=np.asarray(solution.row_value, dtype=float)[: lp.num_rows],
        marginal_care=marginal[: lp.num_rows],
        care=float(lp.care @ values),
        total_cost_gbp=float(lp.cost @ values),
        method=f"{method}; most care first, then the cheapest mix giving that care, ARRS before the PCN's own money",
        solver_seconds=seconds,
    )


def _hold_lead_then_maximise_care(highs, lp: CompiledLP) -> str:
    """Stage 0 found the lowest share of need met; keep it (to a hair) and maximise the care instead."""
    lowest = highs.getInfo().objective_function_value
    columns = np.flatnonzero(lp.lead)
    highs.addRow(lowest - SHARE_TOLERANCE, np.inf, len(columns), columns.astype(np.int32), lp.lead[columns])
    highs.changeColsCost(len(lp.care), np.arange(len(lp.care), dtype=np.int32), lp.care)
    highs.run()
    return _status(highs)


def _confirm_without_presolve(highs) -> str:
    """HiGHS presolve can call a feasible model with near-zero limits (e.g. 1e-9 sessions) infeasible; check once without it."""
    highs.setOptionValue("presolve", "off")
    highs.run()
    highs.setOptionValue("presolve", "choose")
    return _status(highs)


def _relaxation_duals(lp: CompiledLP, time_limit_seconds: float | None, fixed: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Duals of the LP with integrality dropped, and the columns in `fixed` (whether each role recruits) held at `chosen`."""
    highs = new_highs(time_limit_seconds)
    lower, upper = lp.column_lower.copy(), lp.column_upper.copy()
    lower[fixed] = upper[fixed] = chosen[fixed]
    pass_model(highs, dataclasses.replace(lp, lead=None, column_lower=lower, column_upper=upper))
    highs.changeColsIntegrality(len(lp.integer), np.arange(len(lp.integer), dtype=np.int32),
                                np.array([highspy.HighsVarType.kContinuous] * len(lp.integer)))
    highs.run()
    return np.asarray(highs.getSolution().row_dual, dtype=float)


def _status(highs) -> Status:
    status = highs.getModelStatus()
    known = highspy.HighsModelStatus
    if status == known.kOptimal:
        return Status.OPTIMAL
    if status == known.kInfeasible:
        return Status.INFEASIBLE
    if status in (known.kUnbounded, known.kUnboundedOrInfeasible):
        return Status.UNBOUNDED
    if status in (known.kTimeLimit, known.kIterationLimit, known.kInterrupt):
        return Status.TIME_LIMIT
    return Status.ERROR


@functools.cache
def _version() -> str:
    return f"HiGHS {new_highs().version()}"


def _solve_cbc(model: SkillMixModel, time_limit_seconds: float | None) -> Solution:
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

    def stopped(status: Status) -> Solution:
        return Solution(status=status, proven_optimal=False, solver="CBC", solver_seconds=time.perf_counter() - started)

    if model.lowest_share is not None:
        problem.setObjective(pulp.LpAffineExpression([(model.lowest_share, 1.0)]))
        if (status := solved()) != Status.OPTIMAL:
            return stopped(status)
        floor("lowest_share_floor", pulp.LpAffineExpression([(model.lowest_share, 1.0)]), model.lowest_share.varValue - SHARE_TOLERANCE)
        problem.setObjective(model.problem.objective)
    if (status := solved()) != Status.OPTIMAL:
        return stopped(status)
    marginal = np.array([info.constraint.pi or 0.0 for info in model.registry], dtype=float)
    care = pulp.value(model.care)
    relative, absolute = CBC_CARE_TOLERANCE
    floor("care_floor", model.care, care - relative * abs(care) - absolute)
    problem.setObjective(model.total_cost + model.own_money)
    problem.sense = pulp.LpMinimize
    if (status := solved()) != Status.OPTIMAL:
        return stopped(status)
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


@dataclass
class Relaxation:
    """The smallest relaxation that makes an infeasible model feasible: each relaxed row's limit and shortfall."""

    limits: np.ndarray
    shortfalls: np.ndarray
    column_values: np.ndarray
    columns: dict[str, int]

    def value(self, variable: pulp.LpVariable | None) -> float:
        return 0.0 if variable is None else float(self.column_values[self.columns[variable.name]])


def elastic_relaxation(model: SkillMixModel | CompiledLP, rows: list[int]) -> Relaxation | None:
    """Re-solve with an elastic column on each of `rows`, minimising the total relative relaxation; None if even that fails.
    A model built as arrays (a plan) is given compiled."""
    lp = model if isinstance(model, CompiledLP) else compile_model(model)
    highs = new_highs()
    pass_model(highs, lp)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.changeColsCost(len(lp.care), np.arange(len(lp.care), dtype=np.int32), np.zeros(len(lp.care)))
    limits = []
    for i in rows:
        upper = np.isfinite(lp.row_upper[i])
        limit = lp.row_upper[i] if upper else lp.row_lower[i]
        limits.append(limit)
        highs.addCol(1.0 / max(abs(limit), 1.0), 0.0, np.inf, 1, np.array([i], dtype=np.int32), np.array([-1.0 if upper else 1.0]))
    highs.run()
    if _status(highs) != Status.OPTIMAL:
        return None
    values = np.asarray(highs.getSolution().col_value)
    return Relaxation(np.array(limits, dtype=float), values[len(lp.care):], values[: len(lp.care)],
                      {name: j for j, name in enumerate(lp.column_names)})
