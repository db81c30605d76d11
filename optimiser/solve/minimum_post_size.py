"""The stages of a minimum-post-size MILP (stage 0 under equal share, then most care, then the cheapest mix giving
it), each a branch and bound search on one HiGHS instance that starts from the previous stage's mix."""

from __future__ import annotations

import contextlib
import dataclasses
import time

import numpy as np

from optimiser.solve.branch_and_bound import BranchAndBound
from optimiser.solve.compiled import CompiledLP, row_activity
from optimiser.solve.highs import highspy, new_highs, option_value, pass_model, status_of, temporary_options, version
from optimiser.solve.solution import CARE_TOLERANCE, SHARE_TOLERANCE, STAGE_2_FALLBACK_TOLERANCE, Solution, Status, proven
from optimiser.solve.tie_break import least_tie_break

PRIMAL_SIMPLEX = 4
"""HiGHS's simplex_strategy for primal simplex (its default, 1, is dual)."""


def branch_and_bound_stages(lp: CompiledLP, choices: np.ndarray, time_limit_seconds: float | None, highs) -> Solution | None:
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
        time_limit_seconds = option_value(highs, "time_limit")
    tree = BranchAndBound.create(lp, HighsNodeLP(highs), choices, time_limit_seconds)
    if tree is None:
        return None
    with temporary_options(highs, presolve="off", time_limit=option_value(highs, "time_limit")):
        return _stages(lp, tree, highs, started)


class HighsNodeLP:
    """The LP relaxation on one HiGHS instance, for branch and bound: each node changes only some columns' bounds, so
    HiGHS warm-starts from the last basis."""

    def __init__(self, highs):
        self.highs = highs

    def solve(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray, seconds_left: float, primal: bool) -> Status:
        self.highs.changeColsBounds(len(columns), columns, lower, upper)
        if np.isfinite(seconds_left):
            if seconds_left <= 0:
                return Status.TIME_LIMIT
            self.highs.setOptionValue("time_limit", seconds_left)
        with temporary_options(self.highs, simplex_strategy=PRIMAL_SIMPLEX) if primal else contextlib.nullcontext():
            self.highs.run()
        if (status := status_of(self.highs)) == Status.ERROR:  # HiGHS lost its way from the last basis: once more afresh
            self.highs.clearSolver()
            with temporary_options(self.highs, presolve="on"):
                self.highs.run()
            status = status_of(self.highs)
        return status

    def objective(self) -> float:
        return self.highs.getInfo().objective_function_value

    def values(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value, dtype=float)

    def duals(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().row_dual, dtype=float)


def _stages(lp: CompiledLP, tree: BranchAndBound, highs, started: float) -> Solution | None:
    pass_model(highs, dataclasses.replace(lp, integer=np.zeros_like(lp.integer)))
    every = np.arange(len(lp.column_names), dtype=np.int32)

    def stopped(status: Status) -> Solution | None:
        if status == Status.ERROR:
            return None
        return Solution(status=status, proven_optimal=False, solver=version(), solver_seconds=time.perf_counter() - started)

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
    confirmed = status == Status.OPTIMAL and cheapest is not None
    if not confirmed:
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
        cheapest = least_tie_break(highs, lp, cheapest, tree.columns)
        cheapest[tree.columns] = np.round(cheapest[tree.columns])
    return proven(lp, cheapest, row_activity(lp, cheapest), marginal, method, time.perf_counter() - started, version(),
                  cheapest_confirmed=confirmed)
