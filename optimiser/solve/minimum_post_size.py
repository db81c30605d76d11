"""The stages of a minimum-post-size MILP (stage 0 under equal share, then most care, then the cheapest mix giving
it), each a branch and bound search on one HiGHS instance that starts from the previous stage's mix."""

from __future__ import annotations

import contextlib
import dataclasses
import time

import numpy as np

from optimiser.solve.branch_and_bound import BranchAndBound
from optimiser.solve.cheapest import cheapest_mix, least_tie_break
from optimiser.solve.compiled import CompiledLP, row_activity
from optimiser.solve.highs import (add_row, column_values, new_highs, option_value, pass_model, row_duals, set_costs, status_of,
                                   temporary_options, version)
from optimiser.solve.solution import SHARE_TOLERANCE, Solution, Status, proven

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
        return column_values(self.highs)

    def duals(self) -> np.ndarray:
        return row_duals(self.highs)


def _stages(lp: CompiledLP, tree: BranchAndBound, highs, started: float) -> Solution | None:
    pass_model(highs, dataclasses.replace(lp, integer=np.zeros_like(lp.integer)))

    def stopped(status: Status) -> Solution | None:
        return None if status == Status.ERROR else Solution.stopped(status, version(), started)

    mix = None
    if lp.lead is not None:
        status, mix = tree.search(True, lp.lead, None)
        if status != Status.OPTIMAL or mix is None:
            return stopped(status)
        lowest = float(lp.lead @ mix) - SHARE_TOLERANCE
        add_row(highs, lp.lead, lowest)
        tree.floor(lowest, tree.dead)
        set_costs(highs, lp.care)
    status, mix = tree.search(True, lp.care, mix)
    if status != Status.OPTIMAL or mix is None:
        return stopped(status)
    if tree.duals is None:  # stage 0's mix was stage 1's best: solve the LP with its choice of new posts fixed
        chosen = mix[tree.columns]
        if (status := tree.fix(chosen, chosen)) != Status.OPTIMAL:
            return stopped(status)
        tree.duals = row_duals(highs)
    marginal = tree.restated(tree.duals, mix[tree.columns])[: lp.num_rows]
    method = "minimum post size (MILP, branch and bound over the LP); marginal values from the LP with the choice of new posts fixed"

    # Stage 2 starts from stage 1's mix, one of those it looks among; below each floor it tries, the nodes stage 1
    # found short of it hold no mix.
    explored, dead, cheapest = tree.explored, tree.dead, None

    def search(floor: float) -> Status:
        nonlocal cheapest
        tree.explored = explored
        tree.floor(floor, dead)
        status, cheapest = tree.search(False, lp.spend, mix)
        return status

    status = cheapest_mix(highs, lp, float(lp.care @ mix), search, retry_on={Status.INFEASIBLE})
    if status == Status.ERROR:
        return None
    confirmed = status == Status.OPTIMAL and cheapest is not None
    if not confirmed:
        cheapest = mix
    elif tree.branched:
        # Equally good mixes can differ in how staff time is split; the mix found in a branch is solved once more from
        # scratch with its choice of new posts fixed, so the split does not depend on the order the branches were searched.
        chosen = cheapest[tree.columns]
        highs.clearSolver()
        if tree.fix(chosen, chosen) == Status.OPTIMAL:
            cheapest = column_values(highs)
            cheapest[tree.columns] = chosen
    if confirmed:
        cheapest = least_tie_break(highs, lp, cheapest, tree.columns)
    return proven(lp, cheapest, row_activity(lp, cheapest), marginal, method, time.perf_counter() - started, version(),
                  cheapest_confirmed=confirmed)
