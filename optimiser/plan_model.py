"""The multi-year plan as one linear programme (a two-stage stochastic LP), built as arrays; no I/O, no solving.

Years t = 0 … T−1 of a plan, futures s with probabilities p_s. The first year's hiring is decided before the
future is known, so it is one set of variables shared by every future; later years adapt to each future.
Each year in each future repeats the single-year rules of `optimiser.model` (role time, need, valuation, ARRS
sums, top-up, rooms, desks, caps, recruitment limits, supervision) with that year's numbers, and staff flow
between years:

    WTE_t = WTE_{t−1} × (1 − leaving rate) + new_t  (− reduced_t, only where the scenario allows reductions)

The objective is the value of care over the years (the single-year valuation, discounted, expected over the
futures); then the least own money plus total cost (as `solve`: unspent ARRS is lost, unspent top-up is kept).
Own money pays costs above reimbursement, rent, bought supervision and posts it pays wholly (`own_funded`: staff
the ARRS sum does not cover, e.g. after pay awards the sum does not follow), exactly as in the single-year model.

The plan is a few thousand columns, so it is written straight into the arrays HiGHS takes (PuLP's objects per
term cost more than the solve). Its compact form (the default) leaves out what carries nothing, with the same
optimum as the full form (`compact=False`, tested on every example):
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
import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np

from optimiser.inputs import SUPERVISION_WEEKS_PER_YEAR
from optimiser.model import ConstraintInfo
from optimiser.plan_inputs import Period, PlanInputs
from optimiser.solve import CompiledLP, Solution
from optimiser.valuation import points_per_wte_year, segment_points_per_contact

Mode = Literal["expected", "robust"]
PeriodKey = tuple[int, str]
ABSENT, DERIVED = -1, -2


class Column(NamedTuple):
    """A column of the plan, found in a solution by its name (as a PuLP variable is). `index` is its place in the LP,
    or ABSENT for one the compact form leaves out because it is always 0 (a solution gives 0 for a name it lacks),
    or DERIVED for a value filled in after the solve from the LP's columns (`PlanModel.complete`)."""

    name: str
    index: int


class Expression(dict):
    """Column → coefficient, plus a constant: read like a PuLP expression (`items()`, `constant`)."""

    def __init__(self, terms=(), constant: float = 0.0):
        super().__init__()
        for column, coefficient in terms:
            self[column] = self.get(column, 0.0) + coefficient
        self.constant = constant

    def plus(self, terms, scale: float = 1.0) -> Expression:
        for column, coefficient in terms:
            self[column] = self.get(column, 0.0) + scale * coefficient
        return self


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
    inputs: PlanInputs
    mode: Mode
    shared_first_year: bool = True  # False: each future hires knowing it will come (wait and see)
    compact: bool = True
    one_first_year: bool = False  # compact, and every future's first year has the same numbers: one copy of its rows
    stock: dict[tuple[str, int, str], Column] = field(default_factory=dict)  # (role, t, s); t = 0 shared
    new: dict[tuple[str, int, str], Column] = field(default_factory=dict)
    reduced: dict[tuple[str, int, str], Column] = field(default_factory=dict)
    posts: dict[tuple[str, int, str], Column] = field(default_factory=dict)
    new_post: dict[tuple[str, int, str], Column] = field(default_factory=dict)  # 1 if the role recruits that year
    assigned: dict[tuple[str, str, int, str], Column] = field(default_factory=dict)
    need_met: dict[tuple[str, int, int, str], Column] = field(default_factory=dict)
    own_funded: dict[tuple[str, int, str], Column] = field(default_factory=dict)  # (role, t, s): WTE-years paid wholly by the PCN
    own_funded_claims: dict[tuple[str, int, str], Column] = field(default_factory=dict)  # (pot, t, s): £ of those, compact
    rented: dict[PeriodKey, Column] = field(default_factory=dict)
    bought_supervision: dict[tuple[str, int, str], Column] = field(default_factory=dict)  # (profession, t, s): hours a week
    care_by_period: dict[PeriodKey, Expression] = field(default_factory=dict)
    cost_by_period: dict[PeriodKey, Expression] = field(default_factory=dict)
    own_money_by_period: dict[PeriodKey, Expression] = field(default_factory=dict)
    care: Expression = field(default_factory=Expression)
    total_cost: Expression = field(default_factory=Expression)  # expected, discounted
    own_money: Expression = field(default_factory=Expression)  # expected, discounted
    lowest_share: Column | None = None
    row_period: list[tuple[int, str | None]] = field(default_factory=list)  # (t, future), future None: every future
    _columns: list[tuple[str, float, float, bool]] = field(default_factory=list)  # name, lower, upper, integer
    _rows: list[list[tuple[int, float]]] = field(default_factory=list)  # per row, (column index, coefficient)
    _row_meanings: list[tuple[str, str | None, str, float, float]] = field(default_factory=list)  # family, label, unit, bounds
    _pairs_by: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    _derived: dict[tuple[str, int, str], list[str]] = field(default_factory=dict)  # (pot, t, s) → roles sharing own_funded_claims

    @cached_property
    def registry(self) -> list[ConstraintInfo]:
        """Each row's family, label, unit and bounds, in row order (made when results first ask)."""
        return [ConstraintInfo(family, label, unit, Bounds(lower, upper)) for family, label, unit, lower, upper in self._row_meanings]

    def column(self, name: str, lower: float = 0.0, upper: float = math.inf, integer: bool = False) -> Column:
        self._columns.append((name, lower, upper, integer))
        return Column(name, len(self._columns) - 1)

    def columns(self, names: list[str], live: list[bool]) -> list[Column]:
        """Columns (≥ 0) for the names that are live; the others left out (ABSENT)."""
        start = len(self._columns)
        self._columns += [(name, 0.0, math.inf, False) for name, keep in zip(names, live) if keep]
        positions = itertools.accumulate(live, initial=start)
        return [Column(name, j if keep else ABSENT) for name, keep, j in zip(names, live, positions)]

    @cached_property
    def pairs(self) -> list[tuple[str, str, float]]:
        """(role, category, contacts per WTE-year) of every allowed role and category it serves."""
        return [(r, d, contacts) for (r, d), contacts in self.inputs.base.contacts_by_pair.items()]

    def pairs_by(self, what: str) -> dict[str, list[int]]:
        """Positions in `pairs` of each role's (what="role") or each category's pairs, every role listed."""
        if what not in self._pairs_by:
            groups = {r: [] for r in self.inputs.base.role_columns["role_name"]} if what == "role" else {}
            for k, (r, d, _) in enumerate(self.pairs):
                groups.setdefault(r if what == "role" else d, []).append(k)
            self._pairs_by[what] = groups
        return self._pairs_by[what]

    def add(self, family: str, label: str | None, unit: str, period: tuple[int, str | None], terms,
            lower: float = -math.inf, upper: float = math.inf) -> None:
        """A row lower ≤ Σ coefficient × column ≤ upper; columns left out count 0, and a row left with none is dropped."""
        kept = [(j, coefficient) for (_, j), coefficient in terms if j >= 0 and coefficient != 0]
        if kept:
            self._rows.append(kept)
            self._row_meanings.append((family, label, unit, lower, upper))
            self.row_period.append(period)

    @cached_property
    def worth(self) -> dict:
        """What a contact is worth, the same every year and future: per category its priority weight (valuation
        contacts), or each segment of f as (share of the need, points per contact)."""
        categories = self.inputs.base.categories
        weight = categories["priority_weight"].to_dict()
        if self.inputs.scenario.policy.valuation == "contacts":
            return weight
        reference = categories["reference_contacts_per_wte_year"].to_dict()
        scale = points_per_wte_year(weight, categories["clinical_size_wte"].to_dict())
        curve = self.inputs.base.value_curve
        return {d: list(zip(curve.widths, segment_points_per_contact(curve, weight[d], reference[d], scale))) for d in weight}

    def key(self, t: int, s: str) -> tuple[int, str]:
        """Where year t's hiring variables live: the first year's are shared by every future (non-anticipative)."""
        return (0, "") if t == 0 and self.shared_first_year else (t, s)

    def year_key(self, t: int, s: str) -> tuple[int, str]:
        """Where the rest of year t's variables live: the first year's too are shared when its numbers are."""
        return (0, "") if t == 0 and self.one_first_year else (t, s)

    def staffed(self, r: str, t: int, s: str) -> Expression:
        """WTE-years worked in year t of future s: the first year's new posts only from their start month."""
        at = self.key(t, s)
        part = 1.0 - self.inputs.first_year_share if t == 0 else 0.0
        return Expression([(self.stock[r, *at], 1.0)] + ([(self.new[r, *at], -part)] if part else []))

    def compiled(self) -> CompiledLP:
        """The plan as the arrays `solve.solve_compiled` takes."""
        names, lower, upper, integer = zip(*self._columns)
        lengths = [len(row) for row in self._rows]
        terms = [term for row in self._rows for term in row]
        return CompiledLP(
            column_names=list(names),
            column_lower=np.array(lower, dtype=float),
            column_upper=np.array(upper, dtype=float),
            integer=np.array(integer, dtype=bool),
            care=self._vector(self.care),
            cost=self._vector(self.total_cost),
            own_money=self._vector(self.own_money),
            lead=None if self.lowest_share is None else self._vector(Expression([(self.lowest_share, 1.0)])),
            row_lower=np.array([meaning[3] for meaning in self._row_meanings], dtype=float),
            row_upper=np.array([meaning[4] for meaning in self._row_meanings], dtype=float),
            row_start=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32),
            row_index=np.array([j for j, _ in terms], dtype=np.int32),
            row_value=np.array([v for _, v in terms], dtype=float),
        )

    def _vector(self, expression: Expression) -> np.ndarray:
        vector = np.zeros(len(self._columns))
        for column, coefficient in expression.items():
            if column.index >= 0:
                vector[column.index] += coefficient
        return vector

    def complete(self, solution: Solution) -> Solution:
        """The solution with the derived columns' values: own money replacing a pot's claims (compact form) shown as
        WTE-years paid wholly, spread over the pot's roles without a co-funder in proportion to their claims."""
        if not self._derived:
            return solution
        names, values = [], []
        for (pot, t, s), members in self._derived.items():
            claim = self.inputs.periods[t, s].claim_per_wte_gbp
            worked = {r: sum(c * solution.value(v) for v, c in self.staffed(r, t, s).items()) for r in members}
            claimed = sum(claim[r] * wte for r, wte in worked.items())
            paid = solution.value(self.own_funded_claims[pot, t, s])
            share = min(paid / claimed, 1.0) if claimed > 0 else 0.0
            for r, wte in worked.items():
                names.append(self.own_funded[r, t, s].name)
                values.append(wte * share)
        return dataclasses.replace(solution, values=np.concatenate([solution.values, values]),
                                   column_names=[*solution.column_names, *names])


def build_plan_model(
    inputs: PlanInputs, mode: Mode = "expected",
    fixed_first_year: dict[str, tuple[float, float]] | None = None, shared_first_year: bool = True, compact: bool = True,
) -> PlanModel:
    """The plan's LP. `fixed_first_year` (role → new, reduced WTE) holds the first year's hiring, to value a plan
    made elsewhere; `shared_first_year=False` lets each future hire as if it knew it would come; `compact=False`
    writes out every row and column (the same optimum, larger)."""
    model = PlanModel(inputs=inputs, mode=mode, shared_first_year=shared_first_year, compact=compact)
    model.one_first_year = compact and shared_first_year and _same_first_year(inputs)
    add_staff_flow(model, fixed_first_year or {})
    own_money_posts = any(period.top_up_budget_gbp > 0 for period in inputs.periods.values())
    for futures in _year_groups(model):
        add_year(model, inputs.periods[futures[0]], [s for _, s in futures], own_money_posts)
    add_top_up_budgets(model)
    add_minimum_post_size(model)
    for (t, s), period in inputs.periods.items():
        weight = inputs.probabilities[s] * period.discount_factor
        model.care.plus(model.care_by_period[t, s].items(), weight)
        model.total_cost.plus(model.cost_by_period[t, s].items(), weight)
        model.own_money.plus(model.own_money_by_period[t, s].items(), weight)
    return model


def _same_first_year(inputs: PlanInputs) -> bool:
    first = [dataclasses.replace(p, future="") for (t, _), p in inputs.periods.items() if t == 0]
    return all(p == first[0] for p in first)


def _year_groups(model: PlanModel) -> list[list[PeriodKey]]:
    """The periods whose rows are one copy: each period alone, or the whole first year when its rows are shared."""
    groups: dict[PeriodKey, list[PeriodKey]] = {}
    for t, s in model.inputs.periods:
        groups.setdefault(model.year_key(t, s), []).append((t, s))
    return list(groups.values())


def _idle(model: PlanModel, r: str, fixed: dict[str, tuple[float, float]]) -> bool:
    """A role that serves no need, has no one in post and is not held at new posts is 0 WTE in every best plan."""
    base = model.inputs.base
    return (model.compact and base.role_columns["in_post_wte"][r] == 0 and fixed.get(r, (0.0, 0.0))[0] == 0
            and not any(role == r for role, _ in base.contacts_by_pair))


def add_staff_flow(model: PlanModel, fixed: dict[str, tuple[float, float]]) -> None:
    """WTE in post each year: last year's kept after leavers, plus new posts; reduced only where the scenario allows."""
    inputs = model.inputs
    base = inputs.base.role_columns
    policy = inputs.scenario.policy
    size = policy.post_size_wte
    keys = list(dict.fromkeys(model.key(t, s) for (t, s) in inputs.periods))
    for r in base["role_name"]:
        idle = _idle(model, r, fixed)
        for t, s in keys:
            at = f"{r},{t},{s}"
            if idle:
                model.stock[r, t, s], model.new[r, t, s] = Column(f"stock({at})", ABSENT), Column(f"new({at})", ABSENT)
                continue
            model.stock[r, t, s] = stock = model.column(f"stock({at})")
            held = fixed.get(r) if t == 0 else None
            model.new[r, t, s] = new = model.column(f"new({at})", *((held[0], held[0]) if held else (0.0, math.inf)))
            flow = [(stock, 1.0), (new, -1.0)]
            if policy.allow_reducing_in_post:
                model.reduced[r, t, s] = cut = model.column(f"reduced({at})", *((held[1], held[1]) if held else (0.0, math.inf)))
                flow.append((cut, 1.0))
            if t > 0:
                flow.append((model.stock[r, *model.key(t - 1, s)], -(1 - inputs.leaving_rate[r])))
            kept = base["in_post_wte"][r] if t == 0 else 0.0
            period = (t, s or None)
            model.add("staff_flow", r, "WTE", period, flow, kept, kept)
            if base["max_new_wte"][r] != math.inf:
                model.add("recruitment_limit", r, "WTE", period, [(new, 1.0)], upper=base["max_new_wte"][r])
            if policy.whole_posts:
                model.posts[r, t, s] = posts = model.column(f"posts({at})", integer=True)
                model.add("whole_posts", r, "posts", period, [(new, 1.0), (posts, -size)], 0.0, 0.0)


def add_year(model: PlanModel, period: Period, futures: list[str], own_money_posts: bool) -> None:
    """One year in the given futures (one, or all when they share the first year's rows): the single-year rules
    with that year's numbers (posts paid wholly from own money only where some year has a top-up budget, as
    `solve` allows them only with one)."""
    t = period.year_index
    inputs, base = model.inputs, model.inputs.base
    roles = base.role_columns
    names = list(roles["role_name"])
    s = model.year_key(t, futures[0])[1]
    here = (t, None if s == "" else s)
    at = f"{t},{s}"
    stock = {r: model.stock[r, *model.key(t, futures[0])] for r in names}
    staffed = {r: model.staffed(r, t, futures[0]) for r in names}

    # Role time and the value of care
    need = period.need_contacts_per_year
    live = [not model.compact or need[d] > 0 and stock[r].index != ABSENT for r, d, _ in model.pairs]
    assigned = model.columns([f"assigned({r},{d},{at})" for r, d, _ in model.pairs], live)
    for f in futures:
        model.assigned.update(zip([(r, d, t, f) for r, d, _ in model.pairs], assigned))
    for r, positions in model.pairs_by("role").items():
        model.add("role_time", r, "WTE", here, [*((assigned[k], 1.0) for k in positions), *((v, -c) for v, c in staffed[r].items())],
                  upper=0.0)
    delivered = {d: [(assigned[k], model.pairs[k][2]) for k in positions] for d, positions in model.pairs_by("category").items()}
    for d, terms in delivered.items():
        model.add("demand_cover", d, "contacts a year", here, terms, upper=need[d])
    care = _care_value(model, period, futures, here, delivered)

    # Money
    cost, claim, top_up = period.cost_per_wte_gbp, period.claim_per_wte_gbp, period.top_up_per_wte_gbp
    own = Expression()
    for r in names:
        if top_up[r] > 0:
            own.plus(staffed[r].items(), top_up[r])
    claims = {pot: Expression() for pot in period.arrs_sums_gbp}
    for r in names:
        if roles["funding_pot"][r] in claims and claim[r] > 0:
            claims[roles["funding_pot"][r]].plus(staffed[r].items(), claim[r])
    if own_money_posts:
        _add_own_funded(model, period, futures, here, staffed, own, claims)
    for pot, sum_gbp in period.arrs_sums_gbp.items():
        if claims[pot]:
            limit = sum_gbp + period.in_post_beyond_arrs_gbp.get(pot, 0.0)  # staff in post beyond the sum: paid outside ARRS
            model.add("arrs_budget", pot, "£ a year", here, claims[pot].items(), upper=limit)
    total = Expression()
    for r in names:
        total.plus(staffed[r].items(), cost[r])
    if base.rentable_sessions_per_week > 0:
        rented = model.column(f"rented_sessions({at})", upper=base.rentable_sessions_per_week)
        for f in futures:
            model.rented[t, f] = rented
        own.plus([(rented, base.rent_gbp_per_session_per_year)])
        total.plus([(rented, base.rent_gbp_per_session_per_year)])

    # Rooms, desks, caps and supervision (on WTE in post, from the first day a post is filled)
    sessions = [(stock[r], n) for r, n in roles["clinical_room_sessions_per_wte"].items() if n > 0]
    if sessions:
        rooms = sessions + ([(model.rented[t, futures[0]], -1.0)] if (t, futures[0]) in model.rented else [])
        model.add("clinical_rooms", None, "room sessions a week", here, rooms, upper=period.room_sessions_per_week)
    if base.desk_sessions_per_week is not None:
        desks = [(stock[r], n) for r, n in roles["desk_sessions_per_wte"].items() if n > 0]
        model.add("desk_space", None, "desk sessions a week", here, desks, upper=base.desk_sessions_per_week)
    for r, cap in roles["cap_wte"].items():
        if cap == cap:  # not NaN: the cap applies
            model.add("role_cap", r, "WTE", here, [(stock[r], 1.0)], upper=cap)
    _add_supervision(model, futures, here, at, stock, own, total)

    for f in futures:
        model.care_by_period[t, f] = care
        model.cost_by_period[t, f] = total
        model.own_money_by_period[t, f] = own


def _add_own_funded(model: PlanModel, period: Period, futures: list[str], here, staffed, own: Expression, claims) -> None:
    """Posts paid wholly from own money: per role (the full form, and roles with a co-funder, whose own-funded
    WTE costs more than the claim it frees), or per pot for roles without one (compact, see the module)."""
    t, roles = period.year_index, model.inputs.base.role_columns
    cost, claim, top_up = period.cost_per_wte_gbp, period.claim_per_wte_gbp, period.top_up_per_wte_gbp
    at = f"{t},{model.year_key(t, futures[0])[1]}"
    by_pot: dict[str, list[str]] = {}
    for r, pot in roles["funding_pot"].items():
        if model.compact and (claim[r] <= 0 or all(v.index == ABSENT for v in staffed[r])):
            continue  # frees no ARRS, or always 0 WTE
        if model.compact and roles["co_funder_share"][r] == 0 and pot in claims:
            by_pot.setdefault(pot, []).append(r)
            continue
        column = model.column(f"own_funded({r},{at})")
        for f in futures:
            model.own_funded[r, t, f] = column
        model.add("own_funded_within_wte", r, "WTE", here, [(column, 1.0), *((v, -c) for v, c in staffed[r].items())], upper=0.0)
        own.plus([(column, cost[r] - top_up[r])])
        if pot in claims:
            claims[pot].plus([(column, -claim[r])])
    for pot, members in by_pot.items():
        paid = model.column(f"own_funded_claims({pot},{at})")
        within = [(paid, 1.0)]
        for r in members:
            within += [(v, -claim[r] * c) for v, c in staffed[r].items()]
            for f in futures:
                model.own_funded[r, t, f] = Column(f"own_funded({r},{t},{f})", DERIVED)
        for f in futures:
            model.own_funded_claims[pot, t, f] = paid
            model._derived[pot, t, f] = members
        model.add("own_funded_within_wte", pot, "£ a year", here, within, upper=0.0)
        own.plus([(paid, 1.0)])
        claims[pot].plus([(paid, -1.0)])


def _add_supervision(model: PlanModel, futures: list[str], here, at: str, stock, own: Expression, total: Expression) -> None:
    """Supervision each profession gives fits its hours plus any hours bought, as in `solve` (optimiser.model), on
    staff in post like rooms; bought hours are paid for the whole year, as rented rooms are."""
    base, t = model.inputs.base, here[0]
    needs = base.supervision_needs
    for p, (hours, price) in base.supervision_available.items():
        terms = [(stock[r], per_wte) for r, (who, per_wte) in needs.items() if who == p and per_wte > 0 and r in stock]
        if not any(column.index >= 0 for column, _ in terms):
            continue
        if price is not None:
            bought = model.column(f"bought_supervision({p},{at})")
            for f in futures:
                model.bought_supervision[p, t, f] = bought
            terms.append((bought, -1.0))
            own.plus([(bought, price * SUPERVISION_WEEKS_PER_YEAR)])
            total.plus([(bought, price * SUPERVISION_WEEKS_PER_YEAR)])
        model.add("supervision", p, "supervision hours a week", here, terms, upper=hours)


def add_minimum_post_size(model: PlanModel) -> None:
    """The first year's new WTE per role is 0 or at least the minimum post size, as in `solve` (a MILP; whole posts
    aside). Only the first year's posts are approved now; later years' new WTE is a recruitment budget that adapts
    to each future, kept fractional so the plan stays small enough to solve at once.

    new ≤ most × new_post, where `most` is the most new WTE the role could use that year in any future (recruitment
    limit, or what the year's ARRS sum plus top-up could pay, all rooms could hold, or all need it serves could take).
    """
    inputs = model.inputs
    policy = inputs.scenario.policy
    minimum = policy.min_post_wte
    if minimum <= 0 or policy.whole_posts:
        return
    for (r, t, s), new in list(model.new.items()):
        if t > 0 or new.index == ABSENT or model._columns[new.index][1] == model._columns[new.index][2]:
            continue  # held at a plan made elsewhere
        most = _most_new_wte(inputs, r, [p for (y, f), p in inputs.periods.items() if y == t and (not s or f == s)])
        if most <= 1e-9:
            continue
        recruits = model.column(f"new_post({r},{t},{s})", upper=1.0, integer=True)
        model.new_post[r, t, s] = recruits
        period = (t, s or None)
        model.add("new_post_bound", r, "WTE", period, [(new, 1.0), (recruits, -most)], upper=0.0)
        model.add("minimum_post_size", r, "WTE", period, [(new, 1.0), (recruits, -minimum)], lower=0.0)


def _most_new_wte(inputs: PlanInputs, r: str, periods: list[Period]) -> float:
    roles, base = inputs.base.role_columns, inputs.base
    most = 0.0
    for period in periods:
        claim, cost = period.claim_per_wte_gbp[r], period.cost_per_wte_gbp[r]
        by_money = (period.arrs_sums_gbp.get(roles["funding_pot"][r], 0.0) / claim if claim > 0 else math.inf)
        by_money += period.top_up_budget_gbp / cost
        sessions = roles["clinical_room_sessions_per_wte"][r]
        by_rooms = (period.room_sessions_per_week + base.rentable_sessions_per_week) / sessions if sessions > 0 else math.inf
        useful = sum(period.need_contacts_per_year[d] / c for (role, d), c in base.contacts_by_pair.items() if role == r)
        most = max(most, min(roles["max_new_wte"][r], by_money, by_rooms, useful))
    return most / (inputs.first_year_share if periods and periods[0].year_index == 0 and inputs.first_year_share > 0 else 1.0)


def _care_value(model: PlanModel, period: Period, futures: list[str], here, delivered: dict[str, list]) -> Expression:
    """The single-year valuation (optimiser.valuation) of one year's care, on the first year's scale.

    Points per contact stay those of the first year, so a growing need is worth more points, not the same 100.
    """
    inputs = model.inputs
    t = period.year_index
    at = f"{t},{model.year_key(t, futures[0])[1]}"
    valuation = inputs.scenario.policy.valuation
    if valuation == "contacts":
        weight = model.worth
        return Expression((v, weight[d] * c) for d, terms in delivered.items() for v, c in terms)
    care = Expression()
    for d, terms in delivered.items():
        need = period.need_contacts_per_year[d]
        if need <= 0 or not terms or model.compact and all(j == ABSENT for (_, j), _ in terms):
            continue
        segments = []
        for k, (width, points) in enumerate(model.worth[d]):
            column = model.column(f"need_met({d},{k},{at})", upper=width * need)
            for f in futures:
                model.need_met[d, k, t, f] = column
            segments.append((column, 1.0))
            care[column] = points
        model.add("valued_care", d, "contacts a year", here, [*segments, *((v, -c) for v, c in terms)], upper=0.0)
        if valuation == "equal-share" and any(inputs.probabilities[f] > 0 for f in futures):
            if model.lowest_share is None:
                model.lowest_share = model.column("lowest_share", upper=1.0)
            model.add("lowest_share", d, "contacts a year", here, [(model.lowest_share, need), *((v, -c) for v, c in terms)], upper=0.0)
    return care


def add_top_up_budgets(model: PlanModel) -> None:
    """Own money stays within the top-up budget: in expectation each year, or (robust) in every future that can happen."""
    inputs = model.inputs
    for t in range(len(inputs.years)):
        futures = [s for s in inputs.futures if (t, s) in model.own_money_by_period]
        if model.mode == "robust":
            done = set()
            for s in futures:
                key = model.year_key(t, s)
                if inputs.probabilities[s] > 0 and key not in done:
                    done.add(key)
                    model.add("top_up_budget", None, "£ a year", (t, None if key[1] == "" else s),
                              model.own_money_by_period[t, s].items(), upper=inputs.periods[t, s].top_up_budget_gbp)
        else:
            expected = Expression()
            for s in futures:
                expected.plus(model.own_money_by_period[t, s].items(), inputs.probabilities[s])
            budget = sum(inputs.probabilities[s] * inputs.periods[t, s].top_up_budget_gbp for s in futures)
            model.add("top_up_budget", None, "£ a year", (t, None), expected.items(), upper=budget)
