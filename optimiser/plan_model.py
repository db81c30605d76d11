"""The multi-year plan as one linear programme (a two-stage stochastic LP), built with PuLP; no I/O, no solving.

Years t = 0 … T−1 of a plan, futures s with probabilities p_s. The first year's hiring is decided before the
future is known, so it is one set of variables shared by every future; later years adapt to each future.
Each year in each future repeats the single-year rules of `optimiser.model` (role time, need, valuation, ARRS
sums, top-up, rooms, desks, caps, recruitment limits) with that year's numbers, and staff flow between years:

    WTE_t = WTE_{t−1} × (1 − leaving rate) + new_t  (− reduced_t, only where the scenario allows reductions)

The objective is the value of care over the years (the single-year valuation, discounted, expected over the
futures); then the least own money plus total cost (as `solve`: unspent ARRS is lost, unspent top-up is kept).
Own money pays costs above reimbursement, rent and posts it pays wholly (`own_funded`: staff the ARRS sum
does not cover, e.g. after pay awards the sum does not follow), exactly as in the single-year model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import pulp

from optimiser.model import ConstraintInfo
from optimiser.plan_inputs import Period, PlanInputs
from optimiser.valuation import points_per_wte_year, segment_points_per_contact

Mode = Literal["expected", "robust"]
PeriodKey = tuple[int, str]


@dataclass
class PlanModel:
    inputs: PlanInputs
    mode: Mode
    problem: pulp.LpProblem
    shared_first_year: bool = True  # False: each future hires knowing it will come (wait and see)
    stock: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)  # (role, t, s); t = 0 shared
    new: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)
    reduced: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)
    posts: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)
    new_post: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)  # 1 if the role recruits that year
    assigned: dict[tuple[str, str, int, str], pulp.LpVariable] = field(default_factory=dict)
    need_met: dict[tuple[str, int, int, str], pulp.LpVariable] = field(default_factory=dict)
    own_funded: dict[tuple[str, int, str], pulp.LpVariable] = field(default_factory=dict)  # (role, t, s): WTE-years paid wholly by the PCN
    rented: dict[PeriodKey, pulp.LpVariable] = field(default_factory=dict)
    care_by_period: dict[PeriodKey, pulp.LpAffineExpression] = field(default_factory=dict)
    cost_by_period: dict[PeriodKey, pulp.LpAffineExpression] = field(default_factory=dict)
    own_money_by_period: dict[PeriodKey, pulp.LpAffineExpression] = field(default_factory=dict)
    care: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)
    total_cost: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)  # expected, discounted
    own_money: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)  # expected, discounted
    lowest_share: pulp.LpVariable | None = None
    registry: list[ConstraintInfo] = field(default_factory=list)
    row_period: list[tuple[int, str | None]] = field(default_factory=list)  # (t, future), future None: every future

    def add(self, family: str, label: str | None, unit: str, period: tuple[int, str | None], constraint: pulp.LpConstraint) -> None:
        info = ConstraintInfo(family, label, unit, constraint)
        self.registry.append(info)
        self.row_period.append(period)

    @property
    def variables(self) -> list[pulp.LpVariable]:
        groups = [self.stock, self.new, self.reduced, self.posts, self.new_post, self.assigned, self.need_met, self.own_funded, self.rented]
        extra = [self.lowest_share] if self.lowest_share is not None else []
        return [v for group in groups for v in group.values()] + extra

    def key(self, t: int, s: str) -> tuple[int, str]:
        """Where year t's hiring variables live: the first year's are shared by every future (non-anticipative)."""
        return (0, "") if t == 0 and self.shared_first_year else (t, s)

    def staffed(self, r: str, t: int, s: str) -> pulp.LpAffineExpression:
        """WTE-years worked in year t of future s: the first year's new posts only from their start month."""
        at = self.key(t, s)
        part = 1.0 - self.inputs.first_year_share if t == 0 else 0.0
        terms = [(self.stock[r, *at], 1.0)] + ([(self.new[r, *at], -part)] if part else [])
        return pulp.LpAffineExpression(terms)


def build_plan_model(
    inputs: PlanInputs, mode: Mode = "expected",
    fixed_first_year: dict[str, tuple[float, float]] | None = None, shared_first_year: bool = True,
) -> PlanModel:
    """The plan's LP. `fixed_first_year` (role → new, reduced WTE) holds the first year's hiring, to value a plan
    made elsewhere; `shared_first_year=False` lets each future hire as if it knew it would come."""
    model = PlanModel(inputs=inputs, mode=mode, problem=pulp.LpProblem("arrs_plan", pulp.LpMaximize),
                      shared_first_year=shared_first_year)
    add_staff_flow(model, fixed_first_year or {})
    own_money_posts = any(period.top_up_budget_gbp > 0 for period in inputs.periods.values())
    for period in inputs.periods.values():
        add_year(model, period, own_money_posts)
    add_top_up_budgets(model)
    add_minimum_post_size(model)
    weights = {(t, s): inputs.probabilities[s] * period.discount_factor for (t, s), period in inputs.periods.items()}
    model.care = pulp.lpSum(weights[k] * care for k, care in model.care_by_period.items())
    model.total_cost = pulp.lpSum(weights[k] * cost for k, cost in model.cost_by_period.items())
    model.own_money = pulp.lpSum(weights[k] * own for k, own in model.own_money_by_period.items())
    return model


def add_staff_flow(model: PlanModel, fixed: dict[str, tuple[float, float]]) -> None:
    """WTE in post each year: last year's kept after leavers, plus new posts; reduced only where the scenario allows."""
    inputs, problem = model.inputs, model.problem
    base = inputs.base.role_columns
    policy = inputs.scenario.policy
    size = policy.post_size_wte
    keys = list(dict.fromkeys(model.key(t, s) for (t, s) in inputs.periods))
    for r in base["role_name"]:
        for t, s in keys:
            at = f"{r},{t},{s}"
            model.stock[r, t, s] = problem.add_variable(f"stock({at})", lowBound=0)
            new_bound = fixed.get(r, (None, None))[0] if t == 0 else None
            model.new[r, t, s] = problem.add_variable(f"new({at})", lowBound=new_bound or 0, upBound=new_bound)
            flow = [(model.stock[r, t, s], 1.0), (model.new[r, t, s], -1.0)]
            if policy.allow_reducing_in_post:
                cut = fixed.get(r, (None, None))[1] if t == 0 else None
                model.reduced[r, t, s] = problem.add_variable(f"reduced({at})", lowBound=cut or 0, upBound=cut)
                flow.append((model.reduced[r, t, s], 1.0))
            if t > 0:
                previous = model.stock[r, *model.key(t - 1, s)]
                flow.append((previous, -(1 - inputs.leaving_rate[r])))
            kept = base["in_post_wte"][r] if t == 0 else 0.0
            period = (t, s or None)
            model.add("staff_flow", r, "WTE", period, pulp.LpAffineExpression(flow) == kept)
            if base["max_new_wte"][r] != float("inf"):
                model.add("recruitment_limit", r, "WTE", period, model.new[r, t, s] <= base["max_new_wte"][r])
            if policy.whole_posts:
                model.posts[r, t, s] = problem.add_variable(f"posts({at})", lowBound=0, cat=pulp.LpInteger)
                model.add("whole_posts", r, "posts", period, model.new[r, t, s] - size * model.posts[r, t, s] == 0)


def add_year(model: PlanModel, period: Period, own_money_posts: bool) -> None:
    """One year in one future: the single-year rules with that year's numbers (posts paid wholly from own money
    only where some year has a top-up budget, as `solve` allows them only with one)."""
    t, s = period.year_index, period.future
    problem, base = model.problem, model.inputs.base
    roles = base.role_columns
    here = (t, s)
    stock = {r: model.stock[r, *model.key(t, s)] for r in roles["role_name"]}
    staffed = {r: model.staffed(r, t, s) for r in roles["role_name"]}

    # Role time and the value of care
    delivered: dict[str, list] = {d: [] for d in base.categories.index}
    by_role: dict[str, list] = {r: [] for r in roles["role_name"]}
    for (r, d), contacts in base.contacts_by_pair.items():
        variable = problem.add_variable(f"assigned({r},{d},{t},{s})", lowBound=0)
        model.assigned[r, d, t, s] = variable
        delivered[d].append((variable, contacts))
        by_role[r].append((variable, 1.0))
    for r, terms in by_role.items():
        model.add("role_time", r, "WTE", here, pulp.LpAffineExpression(terms) - staffed[r] <= 0)
    need = period.need_contacts_per_year
    for d, terms in delivered.items():
        if terms:
            model.add("demand_cover", d, "contacts a year", here, pulp.LpAffineExpression(terms) <= need[d])
    model.care_by_period[here] = _care_value(model, period, delivered)

    # Money
    cost, claim, top_up = period.cost_per_wte_gbp, period.claim_per_wte_gbp, period.top_up_per_wte_gbp
    own = [(staffed[r], top_up[r]) for r in roles["role_name"] if top_up[r] > 0]
    arrs_funded = dict(staffed)
    if own_money_posts:
        for r in roles["role_name"]:
            variable = problem.add_variable(f"own_funded({r},{t},{s})", lowBound=0)
            model.own_funded[r, t, s] = variable
            model.add("own_funded_within_wte", r, "WTE", here, variable - staffed[r] <= 0)
            arrs_funded[r] = staffed[r] - variable
            own.append((pulp.LpAffineExpression([(variable, 1.0)]), cost[r] - top_up[r]))
    for pot, sum_gbp in period.arrs_sums_gbp.items():
        claims = [(arrs_funded[r], claim[r]) for r in roles["role_name"] if roles["funding_pot"][r] == pot and claim[r] > 0]
        if claims:
            limit = sum_gbp + period.in_post_beyond_arrs_gbp.get(pot, 0.0)  # staff in post beyond the sum: paid outside ARRS
            model.add("arrs_budget", pot, "£ a year", here, pulp.lpSum(c * e for e, c in claims) <= limit)
    cost_terms = [(staffed[r], cost[r]) for r in roles["role_name"]]
    if base.rentable_sessions_per_week > 0:
        rented = problem.add_variable(f"rented_sessions({t},{s})", lowBound=0, upBound=base.rentable_sessions_per_week)
        model.rented[here] = rented
        rent = pulp.LpAffineExpression([(rented, base.rent_gbp_per_session_per_year)])
        cost_terms.append((rent, 1.0))
        own.append((rent, 1.0))
    model.cost_by_period[here] = pulp.lpSum(c * e for e, c in cost_terms)
    model.own_money_by_period[here] = pulp.lpSum(c * e for e, c in own)

    # Rooms, desks and caps (on WTE in post, from the first day a post is filled)
    sessions = [(stock[r], n) for r, n in roles["clinical_room_sessions_per_wte"].items() if n > 0]
    if sessions:
        rooms = pulp.LpAffineExpression(sessions) - (model.rented[here] if here in model.rented else 0)
        model.add("clinical_rooms", None, "room sessions a week", here, rooms <= period.room_sessions_per_week)
    if base.desk_sessions_per_week is not None:
        desks = [(stock[r], n) for r, n in roles["desk_sessions_per_wte"].items() if n > 0]
        if desks:
            model.add("desk_space", None, "desk sessions a week", here, pulp.LpAffineExpression(desks) <= base.desk_sessions_per_week)
    for r, cap in roles["cap_wte"].items():
        if cap == cap:  # not NaN: the cap applies
            model.add("role_cap", r, "WTE", here, stock[r] <= cap)


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
    for (r, t, s), new in model.new.items():
        if t > 0 or new.upBound is not None and new.lowBound == new.upBound:
            continue  # held at a plan made elsewhere
        most = _most_new_wte(inputs, r, [p for (y, f), p in inputs.periods.items() if y == t and (not s or f == s)])
        if most <= 1e-9:
            continue
        recruits = model.problem.add_variable(f"new_post({r},{t},{s})", cat=pulp.LpBinary)
        model.new_post[r, t, s] = recruits
        period = (t, s or None)
        model.add("new_post_bound", r, "WTE", period, new - most * recruits <= 0)
        model.add("minimum_post_size", r, "WTE", period, new - minimum * recruits >= 0)


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


def _care_value(model: PlanModel, period: Period, delivered: dict[str, list]) -> pulp.LpAffineExpression:
    """The single-year valuation (optimiser.valuation) of one year's care, on the first year's scale.

    Points per contact stay those of the first year, so a growing need is worth more points, not the same 100.
    """
    base, problem = model.inputs.base, model.problem
    t, s = period.year_index, period.future
    categories = base.categories
    weight = categories["priority_weight"].to_dict()
    valuation = base.scenario.policy.valuation
    if valuation == "contacts":
        return pulp.lpSum(weight[d] * c * v for d, terms in delivered.items() for v, c in terms)
    reference = categories["reference_contacts_per_wte_year"].to_dict()
    scale = points_per_wte_year(weight, categories["clinical_size_wte"].to_dict())
    curve = base.value_curve
    care = []
    for d, terms in delivered.items():
        need = period.need_contacts_per_year[d]
        if need <= 0 or not terms:
            continue
        segments = []
        for k, (width, points) in enumerate(zip(curve.widths, segment_points_per_contact(curve, weight[d], reference[d], scale))):
            variable = problem.add_variable(f"need_met({d},{k},{t},{s})", lowBound=0, upBound=width * need)
            model.need_met[d, k, t, s] = variable
            segments.append((variable, 1.0))
            care.append((variable, points))
        model.add("valued_care", d, "contacts a year", (t, s),
                  pulp.LpAffineExpression([*segments, *((v, -c) for v, c in terms)]) <= 0)
        if valuation == "equal-share" and model.inputs.probabilities[s] > 0:
            if model.lowest_share is None:
                model.lowest_share = problem.add_variable("lowest_share", lowBound=0, upBound=1)
            model.add("lowest_share", d, "contacts a year", (t, s),
                      pulp.LpAffineExpression([(model.lowest_share, need), *((v, -c) for v, c in terms)]) <= 0)
    return pulp.LpAffineExpression(care)


def add_top_up_budgets(model: PlanModel) -> None:
    """Own money stays within the top-up budget: in expectation each year, or (robust) in every future that can happen."""
    inputs = model.inputs
    for t in range(len(inputs.years)):
        futures = [s for s in inputs.futures if (t, s) in model.own_money_by_period]
        if model.mode == "robust":
            for s in futures:
                if inputs.probabilities[s] > 0 and model.own_money_by_period[t, s].keys():
                    model.add("top_up_budget", None, "£ a year", (t, s),
                              model.own_money_by_period[t, s] <= inputs.periods[t, s].top_up_budget_gbp)
        else:
            expected = pulp.lpSum(inputs.probabilities[s] * model.own_money_by_period[t, s] for s in futures)
            if not expected.keys():
                continue
            budget = sum(inputs.probabilities[s] * inputs.periods[t, s].top_up_budget_gbp for s in futures)
            model.add("top_up_budget", None, "£ a year", (t, None), expected <= budget)
