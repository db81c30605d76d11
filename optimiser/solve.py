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
    tie_break: np.ndarray | None = None  # minimised last, among the mixes equal in care and cost (multi-year plans)

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


MILP_METHOD = "branching"
"""How a minimum-post-size MILP is solved: "branching", a depth-first branch and bound over the LP on one HiGHS
instance (each node only changes the bounds of yes/no columns, so HiGHS warm-starts it), or "highs", HiGHS's own
MILP (kept to compare). Both prove the optimum to the same relative gap; on these small models branching skips
the MILP machinery's start-up (cuts, heuristics, a new instance for the marginal values), which dominates."""
MILP_GAP = 1e-9
"""A branch whose LP bound cannot beat the best mix found by more than this (relative) is not explored: HiGHS's mip_rel_gap."""
PRIMAL_SIMPLEX = 4
"""HiGHS's simplex_strategy for primal simplex (its default, 1, is dual)."""
MAX_NODES = 2_000
"""Branch and bound gives the MILP to HiGHS after this many LPs: a safety net, far above the handful these models need."""


def solve_compiled(lp: CompiledLP, time_limit_seconds: float | None = None, highs=None, milp_method: str | None = None) -> Solution:
    """Two-stage solve of a compiled model; `highs` may be a reused instance (its model is replaced).

    With a minimum post size (yes/no columns `new_post(...)` only), the MILP is solved by branch and bound over
    the LP (see MILP_METHOD); its root is the LP without the yes/no choice, so when that LP proposes no new post
    below the minimum the answer comes from the root alone. Whole posts (general integers) use HiGHS's MILP.
    """
    milp_method = milp_method or MILP_METHOD
    if milp_method not in ("branching", "highs"):
        raise SolverError(f"unknown MILP method {milp_method!r}; use 'branching' or 'highs'")
    choices = np.array([name.startswith("new_post(") for name in lp.column_names], dtype=bool)
    if choices.any() and not (lp.integer & ~choices).any():
        if milp_method == "branching":
            solution = _branch_and_bound_stages(lp, choices, time_limit_seconds, highs)
            if solution is not None:
                return solution
        else:
            solution = _lp_answer_if_integral(lp, choices, time_limit_seconds, highs)
            if solution is not None:
                return solution
    return _two_stage(lp, time_limit_seconds, highs)


def _lp_answer_if_integral(lp: CompiledLP, choices: np.ndarray, time_limit_seconds: float | None, highs) -> Solution | None:
    """HiGHS's MILP path: the LP without the yes/no choice of new posts is solved first; if no role then gets a new
    post below the minimum, that answer is the MILP's optimum too (a relaxation's optimum that is feasible is
    optimal, in both stages), so the slower MILP is needed only when the LP proposes a small post."""
    relaxed = _two_stage(dataclasses.replace(lp, integer=np.zeros_like(lp.integer)), time_limit_seconds, highs)
    if not relaxed.proven_optimal:
        return None
    values = relaxed.values.copy()
    values[choices] = (values[choices] > 1e-7).astype(float)
    activity = row_activity(lp, values)
    if np.any(_violations(lp, activity) > 0):
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


def _violations(lp: CompiledLP, activity: np.ndarray) -> np.ndarray:
    """How far each row's activity is outside its limits, beyond 1e-6 relative to the limit (0 when within)."""
    slack = 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(lp.row_upper), lp.row_upper, lp.row_lower)))
    return np.maximum(0.0, np.maximum(activity - lp.row_upper, lp.row_lower - activity) - slack)


class _Branching:
    """Depth-first branch and bound over the LP relaxation on one HiGHS instance, for yes/no columns that each sit
    in their own rows and carry no objective (whether a role recruits). A node fixes some of them to 0 or 1 by
    their bounds only, so the registry's rows stay as they are and HiGHS warm-starts from the last basis.
    A node's LP answer is a mix when every yes/no column can be set to 0 or 1 with its rows still met (the
    objective is unchanged, as the columns carry none); otherwise the column furthest from either is branched on.
    """

    def __init__(self, lp: CompiledLP, highs, columns: np.ndarray, time_limit_seconds: float):
        self.lp, self.highs, self.columns, self.time_limit_seconds = lp, highs, columns.astype(np.int32), time_limit_seconds
        rows = np.repeat(np.arange(lp.num_rows), np.diff(lp.row_start))
        position = np.full(len(lp.column_names), -1)
        position[columns] = np.arange(len(columns))
        entries = position[lp.row_index] >= 0
        self.rows, self.owner, self.coefficient = rows[entries], position[lp.row_index[entries]], lp.row_value[entries]
        self.lps, self.deadline, self.branched = 0, np.inf, False
        self.explored: list[tuple[np.ndarray, float]] = []  # the last search's nodes: fixings, LP bound (-inf if infeasible)
        self.dead = np.zeros((0, len(columns)))  # fixings under which no mix meets the rows added since (NaN: free)
        self.duals: np.ndarray | None = None  # row duals of the LP that gave the best mix of the last search
        singles: dict[int, list[tuple[int, float]]] = {}
        for i in np.flatnonzero(np.diff(lp.row_start) == 1):
            singles.setdefault(int(lp.row_index[lp.row_start[i]]), []).append((int(i), float(lp.row_value[lp.row_start[i]])))
        self.restatable = []  # (choice row, its choice, the choice's coefficient, its one other column, coefficient, rows of that column alone)
        for i, owner, coefficient in zip(self.rows, self.owner, self.coefficient):
            start = lp.row_start[i]
            if lp.row_start[i + 1] - start == 2:
                k = start + int(lp.row_index[start] == self.columns[owner])
                column = int(lp.row_index[k])
                self.restatable.append((int(i), int(owner), float(coefficient), column, float(lp.row_value[k]), singles.get(column, [])))

    @staticmethod
    def create(lp: CompiledLP, highs, choices: np.ndarray, time_limit_seconds: float) -> _Branching | None:
        """None when a row holds two yes/no columns (their choices would interact) or one is worth something in an
        objective: HiGHS's MILP then takes the model."""
        if any(objective[choices].any() for objective in (lp.care, lp.cost, lp.own_money, lp.lead) if objective is not None):
            return None
        branching = _Branching(lp, highs, np.flatnonzero(choices), time_limit_seconds)
        return branching if len(np.unique(branching.rows)) == len(branching.rows) else None

    def fix(self, lower: np.ndarray, upper: np.ndarray, primal: bool = False) -> Status:
        """Solve the LP with the yes/no columns between these bounds, within what is left of the stage's time.
        `primal` when only the objective changed since the last LP (and rows its answer meets were added): its
        basis is then still feasible, and primal simplex finishes in a few iterations where dual simplex takes dozens."""
        self.highs.changeColsBounds(len(self.columns), self.columns, lower, upper)
        if np.isfinite(self.deadline):
            remaining = self.deadline - time.perf_counter()
            if remaining <= 0:
                return Status.TIME_LIMIT
            self.highs.setOptionValue("time_limit", remaining)
        with _options(self.highs, simplex_strategy=PRIMAL_SIMPLEX) if primal else contextlib.nullcontext():
            self.highs.run()
        self.lps += 1
        if (status := _status(self.highs)) == Status.ERROR:  # HiGHS lost its way from the last basis: once more afresh
            self.highs.clearSolver()
            with _options(self.highs, presolve="on"):
                self.highs.run()
            status = _status(self.highs)
        return status

    def search(self, maximise: bool, objective: np.ndarray, incumbent: np.ndarray | None) -> tuple[Status, np.ndarray | None]:
        """The best mix (exact to MILP_GAP), starting from a known mix if given (the previous stage's, whose LP basis
        is then kept). INFEASIBLE when the root LP is: the known mix is then not shown to be the best. ERROR when
        branching cannot settle the model."""
        self.deadline = time.perf_counter() + self.time_limit_seconds
        self.duals = None
        sign = 1.0 if maximise else -1.0
        best = -np.inf if incumbent is None else sign * float(objective @ incumbent)
        stack = [np.full(len(self.columns), np.nan)]
        root = True
        self.explored = []
        while stack:
            fixed = stack.pop()
            if not root and np.all(np.isnan(self.dead) | (self.dead == fixed), axis=1).any():
                continue
            status = self.fix(np.where(np.isnan(fixed), 0.0, fixed), np.where(np.isnan(fixed), 1.0, fixed),
                              primal=root and incumbent is not None)
            if status == Status.INFEASIBLE and not root:
                self.explored.append((fixed, -np.inf))
                continue
            if status != Status.OPTIMAL:
                return status, incumbent
            root = False
            bound = sign * self.highs.getInfo().objective_function_value
            self.explored.append((fixed, bound))
            if bound <= best + MILP_GAP * max(1.0, abs(best)):
                continue
            solution = self.highs.getSolution()
            mix, branch, first = self.round(np.asarray(solution.col_value, dtype=float))
            if mix is not None:
                incumbent, best, self.duals = mix, bound, np.asarray(solution.row_dual, dtype=float)
            elif branch is None or not np.isnan(fixed[branch]) or self.lps >= MAX_NODES:
                return Status.ERROR, None
            else:
                self.branched = True
                for choice in (1 - first, first):
                    child = fixed.copy()
                    child[branch] = choice
                    stack.append(child)
        return Status.OPTIMAL, incumbent

    def floor(self, level: float, dead: np.ndarray) -> np.ndarray:
        """The last search's objective is now held at least at `level`: below the nodes whose LP bound falls short of
        it (by more than the solver's tolerances) no mix is left, so later searches skip them without an LP. Returns
        the dead fixings before (for a looser floor later)."""
        short = level - 1e-7 * max(1.0, abs(level))
        before, self.dead = dead, np.vstack([dead, *(f[None] for f, bound in self.explored if bound < short)])
        return before

    def restated(self, duals: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        """The duals with the marginal value each choice row holds moved, as far as signs allow, to a limit it
        repeats once its choice is fixed: a row of its other column alone at the same value (staff in post stay),
        or that column's own bound (WTE ≥ 0). Such limits can share a marginal value in many splits, all optimal;
        this one reads it where it means something, as a cold solve of the LP with the choices fixed does, so a role
        recruiting nobody never shows a minimum post."""
        lp, duals = self.lp, duals.copy()
        for _ in range(2):  # a second pass moves what a first could not while a twin's sign forbade it
            for i, owner, coefficient, column, a, twins in self.restatable:
                lower, upper = _in_column_units(lp.row_lower[i] - coefficient * chosen[owner], lp.row_upper[i] - coefficient * chosen[owner], a)
                for twin, b in twins:
                    if duals[i] == 0:
                        break
                    twin_lower, twin_upper = _in_column_units(lp.row_lower[twin], lp.row_upper[twin], b)
                    if not any(np.isclose(v, w) for v in (lower, upper) if np.isfinite(v) for w in (twin_lower, twin_upper) if np.isfinite(w)):
                        continue
                    total = duals[i] * a + duals[twin] * b  # on the column, in care per unit of it
                    allowed = (np.isfinite(twin_lower) or total >= 0) and (np.isfinite(twin_upper) or total <= 0)
                    duals[twin], duals[i] = (total / b, 0.0) if allowed else (0.0, total / a)
                if duals[i] != 0 and ((duals[i] * a < 0 and lower == lp.column_lower[column])
                                      or (duals[i] * a > 0 and upper == lp.column_upper[column])):
                    duals[i] = 0.0
        return duals

    def round(self, values: np.ndarray) -> tuple[np.ndarray | None, int | None, int]:
        """The mix with every yes/no column set to 0 or 1 if that meets every row; else the column to branch on
        (the one furthest from meeting its rows either way) and the choice nearer to meeting them."""
        lp = self.lp
        off = values.copy()
        off[self.columns] = 0.0
        activity = row_activity(lp, off)
        missed = _violations(lp, activity)
        missed_off = np.bincount(self.owner, weights=missed[self.rows], minlength=len(self.columns))
        activity[self.rows] += self.coefficient
        missed_on = np.bincount(self.owner, weights=_violations(lp, activity)[self.rows], minlength=len(self.columns))
        missed[self.rows] = 0.0
        if missed.any():
            return None, None, 0
        recruits = values[self.columns] > 1e-7
        if np.all((missed_off == 0) | (missed_on == 0)):
            off[self.columns] = np.where(recruits, missed_on == 0, missed_off > 0)
            return off, None, 0
        gap = np.where((missed_off > 0) & (missed_on > 0), np.minimum(missed_off, missed_on), -1.0)
        branch = int(np.argmax(gap))
        return None, branch, int(missed_on[branch] < missed_off[branch])


def _in_column_units(lower: float, upper: float, coefficient: float) -> tuple[float, float]:
    """Limits on coefficient × x as limits on x."""
    return (lower / coefficient, upper / coefficient) if coefficient > 0 else (upper / coefficient, lower / coefficient)


def _branch_and_bound_stages(lp: CompiledLP, choices: np.ndarray, time_limit_seconds: float | None, highs) -> Solution | None:
    """The two (with equal-share, three) stages of a minimum-post-size MILP by branch and bound on one instance.

    Each stage starts from the previous stage's mix, which is feasible for it. Marginal values are the duals of the
    LP that gave stage 1's mix: with the choice of new posts fixed as in that mix, that LP has the same optimum,
    and its duals stay optimal (a yes/no column strictly between its bounds has no reduced cost), so they are that
    fixed LP's marginal values, with any lowest share held. None hands the model to HiGHS's MILP (a structure
    branching does not cover, or more LPs than MAX_NODES).
    """
    started = time.perf_counter()
    highs = highs or new_highs(time_limit_seconds)
    if time_limit_seconds is None:
        time_limit_seconds = _option(highs, "time_limit")
    tree = _Branching.create(lp, highs, choices, time_limit_seconds)
    if tree is None:
        return None
    with _options(highs, presolve="off", time_limit=_option(highs, "time_limit")):
        return _stages(lp, tree, highs, started)


def _option(highs, name: str):
    """An option's value (highspy gives it alone, or with a status first, depending on its version)."""
    value = highs.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


@contextlib.contextmanager
def _options(highs, **options):
    """HiGHS options for a while, then as given (a reused instance keeps its settings)."""
    saved = {name: _option(highs, name) for name in options}
    try:
        for name, value in options.items():
            highs.setOptionValue(name, value)
        yield
    finally:
        for name, value in saved.items():
            highs.setOptionValue(name, value)


def _stages(lp: CompiledLP, tree: _Branching, highs, started: float) -> Solution | None:
    pass_model(highs, dataclasses.replace(lp, integer=np.zeros_like(lp.integer)))
    every = np.arange(len(lp.column_names), dtype=np.int32)

    def stopped(status: Status) -> Solution | None:
        if status == Status.ERROR:
            return None
        return Solution(status=status, proven_optimal=False, solver=_version(), solver_seconds=time.perf_counter() - started)

    mix = None
    if lp.lead is not None:
        status, mix = tree.search(True, lp.lead, None)
        if status != Status.OPTIMAL or mix is None:
            return stopped(status)
        columns = np.flatnonzero(lp.lead)
        highs.addRow(float(lp.lead @ mix) - SHARE_TOLERANCE, np.inf, len(columns), columns.astype(np.int32), lp.lead[columns])
        tree.floor(float(lp.lead @ mix) - SHARE_TOLERANCE, tree.dead)
        highs.changeColsCost(len(every), every, lp.care)
    status, mix = tree.search(True, lp.care, mix)
    if status != Status.OPTIMAL or mix is None:
        return stopped(status)
    if tree.duals is None:  # stage 0's mix was stage 1's best: solve the LP with its choice of new posts fixed
        chosen = mix[tree.columns]
        if (status := tree.fix(chosen, chosen)) != Status.OPTIMAL:
            return stopped(status)
        tree.duals = np.asarray(highs.getSolution().row_dual, dtype=float)
    marginal = tree.restated(tree.duals, mix[tree.columns])[: lp.num_rows]
    method = "minimum post size (MILP, branch and bound over the LP); marginal values from the LP with the choice of new posts fixed"

    # Stage 2: the cheapest mix among those giving (almost exactly) the most care; the PCN's own money counts
    # twice, because unspent ARRS is lost while unspent top-up is kept. Stage 1's mix is one of them.
    care = float(lp.care @ mix)
    columns = np.flatnonzero(lp.care)
    highs.addRow(care - CARE_TOLERANCE * max(1.0, abs(care)), np.inf, len(columns), columns.astype(np.int32), lp.care[columns])
    explored, dead = tree.explored, tree.floor(care - CARE_TOLERANCE * max(1.0, abs(care)), tree.dead)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    spend = lp.cost + lp.own_money
    highs.changeColsCost(len(every), every, spend)
    status, cheapest = tree.search(False, spend, mix)
    if status == Status.INFEASIBLE:
        # A care floor just out of the LP's reach (a knife-edge budget) is loosened once.
        highs.changeRowBounds(highs.getNumRow() - 1, care - STAGE_2_FALLBACK_TOLERANCE * max(1.0, abs(care)), np.inf)
        tree.explored = explored
        tree.floor(care - STAGE_2_FALLBACK_TOLERANCE * max(1.0, abs(care)), dead)
        status, cheapest = tree.search(False, spend, mix)
    if status == Status.ERROR:
        return None
    if status != Status.OPTIMAL or cheapest is None:
        cheapest, method = mix, f"{method}; the cheapest of the equally good mixes could not be confirmed"
    elif tree.branched:
        # Equally good mixes can differ in how staff time is split; the mix found in a branch is solved once more from
        # scratch with its choice of new posts fixed, so the split does not depend on the order the branches were searched.
        chosen = cheapest[tree.columns]
        highs.clearSolver()
        if tree.fix(chosen, chosen) == Status.OPTIMAL:
            cheapest = np.asarray(highs.getSolution().col_value, dtype=float)
            cheapest[tree.columns] = chosen
    if lp.tie_break is not None and status == Status.OPTIMAL:
        cheapest = _least_tie_break(highs, lp, cheapest, tree.columns)
        cheapest[tree.columns] = np.round(cheapest[tree.columns])
    return _proven(lp, cheapest, row_activity(lp, cheapest), marginal, method, time.perf_counter() - started)


def _proven(lp: CompiledLP, values: np.ndarray, activity: np.ndarray, marginal: np.ndarray, method: str, seconds: float) -> Solution:
    """A proven two-stage answer, whichever way it was found: care and cost are read from the chosen mix."""
    return Solution(
        status=Status.OPTIMAL,
        proven_optimal=True,
        solver=_version(),
        values=values,
        column_names=lp.column_names,
        row_activity=activity,
        marginal_care=marginal,
        care=float(lp.care @ values),
        total_cost_gbp=float(lp.cost @ values),
        method=f"{method}; most care first, then the cheapest mix giving that care, ARRS before the PCN's own money",
        solver_seconds=seconds,
    )


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
    if lp.tie_break is not None and _status(highs) == "optimal":
        values = _least_tie_break(highs, lp, values, np.flatnonzero(lp.integer))
        seconds = time.perf_counter() - started
    return _proven(lp, values, row_activity(lp, values), marginal[: lp.num_rows], method, seconds)


def _least_tie_break(highs, lp: CompiledLP, values: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Stage 3 (multi-year plans): among the mixes with stage 2's care and, to a hair, its cost, the least
    `tie_break`, so how equally good plans split own money between futures does not depend on the solver's path.
    The `held` columns (integer choices) stay as stage 2 chose them. On the instance stage 2 left (its care floor
    and objective sense)."""
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
    if _status(highs) != Status.OPTIMAL:
        return values
    return np.asarray(highs.getSolution().col_value, dtype=float)[: len(values)]


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
