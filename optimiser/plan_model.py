"""The multi-year plan as one linear programme (a two-stage stochastic LP); no I/O, no solving.

Years t = 0 … T−1 of a plan, futures s with probabilities p_s. The first year's hiring is decided before the
future is known, so it is one set of variables shared by every future; later years adapt to each future.
Each year in each future repeats the single-year rules of `optimiser.model` (role time, need, valuation, ARRS
sums, top-up, rooms, desks, caps, recruitment limits, supervision) with that year's numbers (`plan_rules`), and
staff flow between years:

    WTE_t = WTE_{t−1} × (1 − leaving rate) + new_t  (− reduced_t, only where the scenario allows reductions)

The objective is the value of care over the years (the single-year valuation, discounted, expected over the
futures); then the least own money plus total cost (as `solve`: unspent ARRS is lost, unspent top-up is kept);
then, among plans equal on both, the least own money beyond the top-up budget, discounted and summed over every year
and future (`tie_break`), so the split of own money between futures, and the verdict's figures, do not depend on the
solver's path. Each future counts in full, not by its chance: moving a £ of expected shortfall from a likely future
into an unlikely one needs more £ there, so of two such plans the one with fewer £ short wins (futures of equal
chance can still tie).

The plan is a few thousand columns, written a family at a time as arrays (`plan_lp`). Its compact form (the
default) leaves out what carries nothing, with the same optimum as the full form (`compact=False`, tested on
every example):
- roles that serve no need and have no one in post (always 0 WTE), and time assigned to a need of 0;
- copies of the first year's rows in every future, when every future's first year has the same numbers: the
  first year's staff are shared, so one copy of its rows holds the same plans (any plan with copies that differ
  can be averaged, weighted by probability, into one with the same expected value);
- one own-funding row per role: for roles without a co-funder a £ of claims paid wholly by the PCN costs £1 of own
  money whichever role it is, so own money replacing ARRS claims is one column per pot, at most the claims of
  those roles; the results spread it over them in proportion to their claims (`PlanModel.complete`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from optimiser.model import ConstraintInfo
from optimiser.plan_inputs import PlanInputs
from optimiser import plan_money as money
from optimiser import plan_rules as rules
from optimiser.plan_lp import ABSENT, DERIVED, Column, LinearProgramme
from optimiser.solve import CompiledLP, Solution

Mode = Literal["expected", "robust"]
PeriodKey = tuple[int, str]


@dataclass(frozen=True)
class Bounds:
    """A row's limits. `constant` is −the limit, as PuLP keeps a right-hand side, so plan rows read as PuLP rows do."""

    lower: float
    upper: float

    @property
    def constant(self) -> float:
        return -(self.upper if self.upper < math.inf else self.lower)


@dataclass
class PlanModel:
    """The plan's LP and where each quantity sits in it: columns as index arrays over roles × hiring slots or year
    groups (−1 where left out), and each year's care, cost and own money as a row of a (group × column) matrix."""

    inputs: PlanInputs
    mode: Mode
    shared_first_year: bool = True  # False: each future hires knowing it will come (wait and see)
    compact: bool = True
    one_first_year: bool = False  # compact, and every future's first year has the same numbers: one copy of its rows
    lp: LinearProgramme = field(default_factory=LinearProgramme)
    stock_col: np.ndarray = None  # role × hiring slot
    new_col: np.ndarray = None
    reduced_col: np.ndarray = None
    new_post_col: np.ndarray | None = None  # role × hiring slot: whether the role recruits this year (minimum post size)
    assigned_col: np.ndarray = None  # year group × pair
    own_funded_col: np.ndarray = None  # year group × role; DERIVED for roles sharing a pot's column
    paid_col: np.ndarray = None  # year group × pot (compact: own money replacing claims)
    rented_col: np.ndarray = None  # year group
    bought_col: np.ndarray = None  # year group × supervising profession
    lowest_share: Column | None = None
    care_matrix: np.ndarray = None  # year group × column, each year's care on the first year's scale
    cost_matrix: np.ndarray = None
    own_matrix: np.ndarray = None
    beyond_col: np.ndarray | None = None  # year group: own money beyond the budget (expected mode, several futures)
    terms: dict[str, list] = field(default_factory=lambda: {"care": [], "cost": [], "own": []})
    _staffed: dict[tuple[str, int, str], dict] = field(default_factory=dict)

    # ------------------------------------------------------------ indexes
    @cached_property
    def roles(self) -> list[str]:
        return list(self.inputs.base.role_columns["role_name"])

    @cached_property
    def pairs(self) -> list[tuple[str, str, float]]:
        """(role, category, contacts per WTE-year) of every allowed role and category it serves."""
        return [(r, d, contacts) for (r, d), contacts in self.inputs.base.contacts_by_pair.items()]

    @cached_property
    def categories(self) -> list[str]:
        """Categories some allowed role serves, in the scenario's order."""
        served = {d for _, d, _ in self.pairs}
        return [d for d in self.inputs.base.categories.index if d in served]

    @cached_property
    def slots(self) -> list[PeriodKey]:
        """Where hiring columns live: the first year's are shared by every future (non-anticipative)."""
        return list(dict.fromkeys(self.key(t, s) for t, s in self.inputs.periods))

    @cached_property
    def groups(self) -> list[list[PeriodKey]]:
        """The periods whose rows are one copy: each period alone, or the whole first year when its rows are shared."""
        groups: dict[PeriodKey, list[PeriodKey]] = {}
        for t, s in self.inputs.periods:
            groups.setdefault(self.year_key(t, s), []).append((t, s))
        return list(groups.values())

    @cached_property
    def group_of(self) -> dict[PeriodKey, int]:
        return {period: g for g, members in enumerate(self.groups) for period in members}

    def key(self, t: int, s: str) -> tuple[int, str]:
        return (0, "") if t == 0 and self.shared_first_year else (t, s)

    def year_key(self, t: int, s: str) -> tuple[int, str]:
        """Where the rest of year t's variables live: the first year's too are shared when its numbers are."""
        return (0, "") if t == 0 and self.one_first_year else (t, s)

    def add_terms(self, kind: str, group, column, value) -> None:
        """Terms of each year group's care, cost or own money (kind), as arrays."""
        self.terms[kind].append((np.asarray(group).ravel(), np.asarray(column).ravel(), np.asarray(value, dtype=float).ravel()))

    def finish(self) -> None:
        """Each year group's care, cost and own money as a dense (group × column) matrix."""
        n, size = len(self.groups), self.lp.num_columns
        for kind, attribute in (("care", "care_matrix"), ("cost", "cost_matrix"), ("own", "own_matrix")):
            matrix = np.zeros(n * size)
            for group, column, value in self.terms[kind]:
                live = column >= 0
                np.add.at(matrix, group[live] * size + column[live], np.broadcast_to(value, column.shape)[live])
            setattr(self, attribute, matrix.reshape(n, size))

    def weights(self) -> np.ndarray:
        """Each year group's weight in the objective: probability × discount, summed over its periods."""
        periods, p = self.inputs.periods, self.inputs.probabilities
        return np.array([sum(p[s] * periods[t, s].discount_factor for t, s in members) for members in self.groups])

    # ------------------------------------------------------------ as results read it
    def _columns(self, array: np.ndarray, name: str, keys: list) -> dict:
        names = self.lp.names
        return {key: Column(names[j] if j >= 0 else f"{name}({','.join(map(str, key))})", int(j))
                for key, j in zip(keys, array.ravel().tolist())}

    @cached_property
    def stock(self) -> dict[tuple[str, int, str], Column]:
        return self._columns(self.stock_col, "stock", [(r, t, s) for r in self.roles for t, s in self.slots])

    @cached_property
    def new(self) -> dict[tuple[str, int, str], Column]:
        return self._columns(self.new_col, "new", [(r, t, s) for r in self.roles for t, s in self.slots])

    @cached_property
    def reduced(self) -> dict[tuple[str, int, str], Column]:
        if self.reduced_col is None:
            return {}
        return self._columns(self.reduced_col, "reduced", [(r, t, s) for r in self.roles for t, s in self.slots])

    def _by_period(self, array: np.ndarray, name: str, labels: list) -> dict:
        found = {}
        for g, members in enumerate(self.groups):
            for t, s in members:
                found |= self._columns(array[g], name, [(*label, t, s) for label in labels])
        return found

    @cached_property
    def assigned(self) -> dict[tuple[str, str, int, str], Column]:
        return self._by_period(self.assigned_col, "assigned", [(r, d) for r, d, _ in self.pairs])

    @cached_property
    def own_funded(self) -> dict[tuple[str, int, str], Column]:
        if self.own_funded_col is None:
            return {}
        found = self._by_period(self.own_funded_col, "own_funded", [(r,) for r in self.roles])
        return {key: column for key, column in found.items() if column.index != ABSENT}

    @cached_property
    def rented(self) -> dict[PeriodKey, Column]:
        if self.rented_col is None:
            return {}
        return self._by_period(self.rented_col[:, None], "rented_sessions", [()])

    @cached_property
    def bought_supervision(self) -> dict[tuple[str, int, str], Column]:
        found = self._by_period(self.bought_col, "bought_supervision", [(p,) for p in self.professions])
        return {key: column for key, column in found.items() if column.index != ABSENT}

    @cached_property
    def professions(self) -> list[str]:
        return list(self.inputs.base.supervision_available)

    @cached_property
    def care_by_period(self) -> dict[PeriodKey, np.ndarray]:
        return {period: self.care_matrix[g] for period, g in self.group_of.items()}

    @cached_property
    def cost_by_period(self) -> dict[PeriodKey, np.ndarray]:
        return {period: self.cost_matrix[g] for period, g in self.group_of.items()}

    @cached_property
    def own_money_by_period(self) -> dict[PeriodKey, np.ndarray]:
        return {period: self.own_matrix[g] for period, g in self.group_of.items()}

    def staffed(self, r: str, t: int, s: str) -> dict[Column, float]:
        """WTE-years worked in year t of future s: the first year's new posts only from their start month."""
        at = self.key(t, s)
        if (r, *at) not in self._staffed:
            part = 1.0 - self.inputs.first_year_share if t == 0 else 0.0
            self._staffed[r, *at] = {self.stock[r, *at]: 1.0} | ({self.new[r, *at]: -part} if part else {})
        return self._staffed[r, *at]

    @cached_property
    def registry(self) -> list[ConstraintInfo]:
        """Each row's family, label, unit and bounds, in row order."""
        return [ConstraintInfo(block.family, label, block.unit, Bounds(float(lower), float(upper)))
                for block in self.lp.blocks for label, lower, upper in zip(block.labels, block.lower, block.upper)]

    def row_blocks(self, families) -> list[tuple[np.ndarray, object]]:
        """(row positions, block) of each family of rows named: results read limits from these without the registry."""
        found, start = [], 0
        for block in self.lp.blocks:
            if block.family in families:
                found.append((np.arange(start, start + len(block.counts)), block))
            start += len(block.counts)
        return found

    @cached_property
    def row_period(self) -> list[tuple[int, str | None]]:
        """(t, future) of each row; future None: every future."""
        return [period for block in self.lp.blocks for period in block.periods]

    # ------------------------------------------------------------ to and from the solver
    def compiled(self) -> CompiledLP:
        """The plan as the arrays `solve.solve_compiled` takes."""
        weights = self.weights()
        lead = None
        if self.lowest_share is not None:
            lead = np.zeros(self.lp.num_columns)
            lead[self.lowest_share.index] = 1.0
        lp = self.lp.compiled(weights @ self.care_matrix, weights @ self.cost_matrix, weights @ self.own_matrix, lead)
        if self.beyond_col is None:
            return lp
        tie_break = np.zeros(self.lp.num_columns)
        periods = self.inputs.periods
        tie_break[self.beyond_col] = [sum(periods[t, s].discount_factor for t, s in members) for members in self.groups]
        return dataclasses.replace(lp, tie_break=tie_break)

    @cached_property
    def _derived(self) -> dict[tuple[str, int, str], list[str]]:
        """(pot, t, s) → the roles whose own-funded WTE is spread from the pot's column (compact form)."""
        found = {}
        if self.own_funded_col is None:
            return found
        pots = self.inputs.base.role_columns["funding_pot"]
        for g, members in enumerate(self.groups):
            derived = [r for r, j in zip(self.roles, self.own_funded_col[g]) if j == DERIVED]
            for r in derived:
                for t, s in members:
                    found.setdefault((pots[r], t, s), []).append(r)
        return found

    def complete(self, solution: Solution) -> Solution:
        """The solution with the derived columns' values: own money replacing a pot's claims (compact form) shown as
        WTE-years paid wholly, spread over the pot's roles without a co-funder in proportion to their claims."""
        if not self._derived or not len(solution.values):
            return solution
        values = solution.values
        pots = list(self.inputs.periods[next(iter(self.inputs.periods))].arrs_sums_gbp)
        names, extra = [], []
        for (pot, t, s), members in self._derived.items():
            claim = self.inputs.periods[t, s].claim_per_wte_gbp
            worked = {r: sum(c * (values[v.index] if v.index >= 0 else 0.0) for v, c in self.staffed(r, t, s).items()) for r in members}
            claimed = sum(claim[r] * wte for r, wte in worked.items())
            paid = values[self.paid_col[self.group_of[t, s], pots.index(pot)]]
            share = min(paid / claimed, 1.0) if claimed > 0 else 0.0
            for r, wte in worked.items():
                names.append(f"own_funded({r},{t},{s})")
                extra.append(wte * share)
        return dataclasses.replace(solution, values=np.concatenate([values, extra]),
                                   column_names=[*solution.column_names, *names])


def build_plan_model(inputs: PlanInputs, mode: Mode = "expected", shared_first_year: bool = True, compact: bool = True) -> PlanModel:
    """The plan's LP. `shared_first_year=False` lets each future hire as if it knew it would come; `compact=False`
    writes out every row and column (the same optimum, larger)."""
    model = PlanModel(inputs=inputs, mode=mode, shared_first_year=shared_first_year, compact=compact)
    model.one_first_year = compact and shared_first_year and _same_first_year(inputs)
    numbers = rules.YearNumbers.of(model)
    rules.add_staff_flow(model)
    rules.add_care(model, numbers)
    money.add_money(model, numbers)
    rules.add_space_and_supervision(model, numbers)
    rules.add_minimum_post_size(model)
    money.add_top_up_budgets(model, numbers)
    model.finish()
    return model


def _same_first_year(inputs: PlanInputs) -> bool:
    first = [dataclasses.replace(p, future="") for (t, _), p in inputs.periods.items() if t == 0]
    return all(p == first[0] for p in first)
