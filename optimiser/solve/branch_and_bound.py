"""Depth-first branch and bound over the LP relaxation, for the yes/no columns of a minimum post size (whether a
role recruits). It reads the compiled LP's arrays and asks a `NodeLP` to solve each node, where only those columns'
bounds change (`minimum_post_size.py` gives it one HiGHS instance, which warm-starts each node from the last)."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from optimiser.solve.compiled import RECRUITS_ABOVE, CompiledLP, row_activity, violations
from optimiser.solve.solution import Status

MILP_GAP = 1e-9
"""A branch whose LP bound cannot beat the best mix found by more than this (relative) is not explored: HiGHS's mip_rel_gap."""
MAX_NODES = 2_000
"""Branch and bound gives the MILP to HiGHS after this many LPs: a safety net, far above the handful these models need."""


@dataclass(frozen=True)
class _Skeleton:
    """Where the yes/no columns sit in the matrix (positions into its entries): the same for every LP of one pattern."""

    rows: np.ndarray  # each yes/no entry's row
    owner: np.ndarray  # its yes/no column, by position among them
    entries: np.ndarray  # its position in the matrix's entries
    restatable: list[tuple]  # (choice row, its choice, its entry, its one other column, that entry, [(row of that column alone, its entry)])


_SKELETONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _skeleton(lp: CompiledLP, columns: np.ndarray) -> _Skeleton:
    """The yes/no columns' places, worked out once per pattern when the LP has one (a batch worker's LPs do)."""
    if lp.pattern is not None and (known := _SKELETONS.get(lp.pattern)) is not None:
        return known
    rows = np.repeat(np.arange(lp.num_rows), np.diff(lp.row_start))
    position = np.full(len(lp.column_names), -1)
    position[columns] = np.arange(len(columns))
    entries = np.flatnonzero(position[lp.row_index] >= 0)
    singles: dict[int, list[tuple[int, int]]] = {}
    for i in np.flatnonzero(np.diff(lp.row_start) == 1).tolist():
        singles.setdefault(int(lp.row_index[lp.row_start[i]]), []).append((i, int(lp.row_start[i])))
    restatable = []
    for i, owner, at in zip(rows[entries].tolist(), position[lp.row_index[entries]].tolist(), entries.tolist()):
        start = int(lp.row_start[i])
        if lp.row_start[i + 1] - start == 2:
            other = start + int(lp.row_index[start] == columns[owner])
            column = int(lp.row_index[other])
            restatable.append((i, owner, at, column, other, singles.get(column, [])))
    skeleton = _Skeleton(rows[entries], position[lp.row_index[entries]], entries, restatable)
    if lp.pattern is not None:
        _SKELETONS[lp.pattern] = skeleton
    return skeleton


class NodeLP(Protocol):
    """The LP relaxation as the search sees it: solved with some columns between given bounds, then read."""

    def solve(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray, seconds_left: float, primal: bool) -> Status:
        """Solve with `columns` between `lower` and `upper`, within `seconds_left` (inf: no limit); `primal` when only the
        objective changed since the last solve (and rows its answer meets were added)."""

    def objective(self) -> float:
        """The last solve's objective value."""

    def values(self) -> np.ndarray:
        """The last solve's column values."""

    def duals(self) -> np.ndarray:
        """The last solve's row duals."""


class BranchAndBound:
    """Depth-first branch and bound over the LP relaxation, for yes/no columns that each sit
    in their own rows and carry no objective (whether a role recruits). A node fixes some of them to 0 or 1 by
    their bounds only, so the registry's rows stay as they are and the node LP can start from the last basis.
    A node's LP answer is a mix when every yes/no column can be set to 0 or 1 with its rows still met (the
    objective is unchanged, as the columns carry none); otherwise the column furthest from either is branched on.
    """

    def __init__(self, lp: CompiledLP, node_lp: NodeLP, columns: np.ndarray, time_limit_seconds: float):
        self.lp, self.node_lp, self.columns, self.time_limit_seconds = lp, node_lp, columns.astype(np.int32), time_limit_seconds
        skeleton = _skeleton(lp, self.columns)
        self.rows, self.owner, self.coefficient = skeleton.rows, skeleton.owner, lp.row_value[skeleton.entries]
        self.lps, self.deadline, self.branched = 0, np.inf, False
        self.explored: list[tuple[np.ndarray, float]] = []  # the last search's nodes: fixings, LP bound (-inf if infeasible)
        self.dead = np.zeros((0, len(columns)))  # fixings under which no mix meets the rows added since (NaN: free)
        self.duals: np.ndarray | None = None  # row duals of the LP that gave the best mix of the last search
        value = lp.row_value.tolist()
        # (choice row, its choice, the choice's coefficient, its one other column, coefficient, rows of that column alone)
        self.restatable = [(i, owner, value[at], column, value[other], [(twin, value[alone]) for twin, alone in twins])
                           for i, owner, at, column, other, twins in skeleton.restatable]

    @staticmethod
    def create(lp: CompiledLP, node_lp: NodeLP, choices: np.ndarray, time_limit_seconds: float) -> BranchAndBound | None:
        """None when a row holds two yes/no columns (their choices would interact) or one is worth something in an
        objective: HiGHS's MILP then takes the model."""
        if any(objective[choices].any() for objective in (lp.care, lp.cost, lp.own_money, lp.lead) if objective is not None):
            return None
        branching = BranchAndBound(lp, node_lp, np.flatnonzero(choices), time_limit_seconds)
        return branching if len(np.unique(branching.rows)) == len(branching.rows) else None

    def fix(self, lower: np.ndarray, upper: np.ndarray, primal: bool = False) -> Status:
        """Solve the LP with the yes/no columns between these bounds, within what is left of the stage's time.
        `primal` when only the objective changed since the last LP (and rows its answer meets were added): its
        basis is then still feasible, and primal simplex finishes in a few iterations where dual simplex takes dozens."""
        status = self.node_lp.solve(self.columns, lower, upper, self.deadline - time.perf_counter(), primal)
        self.lps += 1
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
            bound = sign * self.node_lp.objective()
            self.explored.append((fixed, bound))
            if bound <= best + MILP_GAP * max(1.0, abs(best)):
                continue
            mix, branch, first = self.round(self.node_lp.values())
            if mix is not None:
                incumbent, best, self.duals = mix, bound, self.node_lp.duals()
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
                    if not any(_close(v, w) for v in (lower, upper) if np.isfinite(v) for w in (twin_lower, twin_upper) if np.isfinite(w)):
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
        missed = violations(lp, activity)
        missed_off = np.bincount(self.owner, weights=missed[self.rows], minlength=len(self.columns))
        activity[self.rows] += self.coefficient
        missed_on = np.bincount(self.owner, weights=violations(lp, activity)[self.rows], minlength=len(self.columns))
        missed[self.rows] = 0.0
        if missed.any():
            return None, None, 0
        recruits = values[self.columns] > RECRUITS_ABOVE
        if np.all((missed_off == 0) | (missed_on == 0)):
            off[self.columns] = np.where(recruits, missed_on == 0, missed_off > 0)
            return off, None, 0
        gap = np.where((missed_off > 0) & (missed_on > 0), np.minimum(missed_off, missed_on), -1.0)
        branch = int(np.argmax(gap))
        return None, branch, int(missed_on[branch] < missed_off[branch])


def _close(a: float, b: float) -> bool:
    """`np.isclose` of two finite numbers (the same test and tolerances) without its array machinery, which costs
    about 12 µs a call: the restatement of duals asks it about ten times a PCN."""
    return abs(a - b) <= 1e-8 + 1e-5 * abs(b)


def _in_column_units(lower: float, upper: float, coefficient: float) -> tuple[float, float]:
    """Limits on coefficient × x as limits on x."""
    return (lower / coefficient, upper / coefficient) if coefficient > 0 else (upper / coefficient, lower / coefficient)
