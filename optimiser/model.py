"""The skill-mix linear programme, built with PuLP from prepared inputs; no I/O, no solving.

Reads like a table of contents: one function per constraint family, each stating its rule in
domain words. Every constraint is registered with its family, label and unit, so results and
explanations are built from the registry, never by parsing constraint names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pulp

from optimiser.inputs import SUPERVISION_WEEKS_PER_YEAR, ModelInputs
from optimiser.valuation import points_per_wte_year, segment_points_per_contact


@dataclass(frozen=True)
class ConstraintInfo:
    """What a constraint means, in the user's words and units."""

    family: str
    label: str | None
    unit: str
    constraint: pulp.LpConstraint = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.family if self.label is None else f"{self.family}[{self.label}]"


@dataclass
class SkillMixModel:
    inputs: ModelInputs
    problem: pulp.LpProblem
    wte: dict[str, pulp.LpVariable]
    own_funded: dict[str, pulp.LpVariable]  # WTE paid wholly from the PCN's own money (part of wte, outside ARRS)
    assigned: dict[tuple[str, str], pulp.LpVariable]
    rented_sessions: pulp.LpVariable | None
    posts: dict[str, pulp.LpVariable]
    care: pulp.LpAffineExpression
    total_cost: pulp.LpAffineExpression
    own_money: pulp.LpAffineExpression  # £ a year of the top-up budget spent
    registry: list[ConstraintInfo] = field(default_factory=list)
    need_met: dict[tuple[str, int], pulp.LpVariable] = field(default_factory=dict)  # contacts valued in each segment of f
    lowest_share: pulp.LpVariable | None = None  # equal-share: maximised before the care value
    new_post: dict[str, pulp.LpVariable] = field(default_factory=dict)  # 1 if the role gets new WTE (minimum post size)
    bought_supervision: dict[str, pulp.LpVariable] = field(default_factory=dict)  # hours a week bought per profession
    first_post: dict[str, pulp.LpVariable] = field(default_factory=dict)  # WTE claimed at a co-funding table's first-post share

    def add(self, family: str, label: str | None, unit: str, constraint: pulp.LpConstraint) -> None:
        info = ConstraintInfo(family, label, unit, constraint)
        self.problem.addConstraint(constraint, name=_pulp_name(info.name))
        self.registry.append(info)

    def per_role(self, column: str) -> dict:
        """One column of the allowed roles as a plain dict: fast to read in the loops below."""
        return self.inputs.role_columns[column]

    @property
    def variables(self) -> list[pulp.LpVariable]:
        """Columns in a fixed order: WTE, assignments, posts, rented sessions, valued need, lowest share, own-funded WTE."""
        extra = [v for v in (self.rented_sessions,) if v is not None]
        last = [v for v in (self.lowest_share,) if v is not None]
        return [*self.wte.values(), *self.assigned.values(), *self.posts.values(), *extra, *self.need_met.values(), *last,
                *self.own_funded.values(), *self.new_post.values(), *self.bought_supervision.values(), *self.first_post.values()]

    def arrs_funded(self, role: str, coefficient: float = 1.0) -> list[tuple[pulp.LpVariable, float]]:
        """Terms of coefficient × the role's ARRS-funded WTE (its WTE less any paid wholly by the PCN)."""
        own = self.own_funded.get(role)
        return [(self.wte[role], coefficient)] + ([(own, -coefficient)] if own is not None else [])


def _pulp_name(name: str) -> str:
    return name.replace("[", "(").replace("]", ")")


def build_model(inputs: ModelInputs) -> SkillMixModel:
    """Maximise the value of care delivered (see optimiser/valuation.py), within money, rooms, caps and staffing."""
    model = _variables(inputs)
    add_valuation(model)
    add_role_time(model)
    add_demand_cover(model)
    add_first_post_co_funding(model)
    add_arrs_budget(model)
    add_top_up_budget(model)
    add_clinical_rooms(model)
    add_desk_space(model)
    add_role_caps(model)
    add_in_post_floors(model)
    add_recruitment_limits(model)
    add_whole_posts(model)
    add_own_funded_within_wte(model)
    add_minimum_post_size(model)
    add_supervision(model)
    model.problem.setObjective(model.care)
    return model


def _variables(inputs: ModelInputs) -> SkillMixModel:
    roles = list(inputs.role_columns["role_name"])
    policy = inputs.scenario.policy
    problem = pulp.LpProblem("arrs_skill_mix", pulp.LpMaximize)
    wte = {r: problem.add_variable(f"wte({r})", lowBound=0) for r in roles}
    own_funded = {r: problem.add_variable(f"own_funded({r})", lowBound=0) for r in roles} if inputs.top_up_budget_gbp > 0 else {}
    assigned = {(r, d): problem.add_variable(f"assigned({r},{d})", lowBound=0) for r, d in inputs.contacts_by_pair}
    posts = (
        {
            r: problem.add_variable(f"posts({r})", lowBound=None if policy.allow_reducing_in_post else 0, cat=pulp.LpInteger)
            for r in roles
        }
        if policy.whole_posts
        else {}
    )
    rented = (
        problem.add_variable("rented_sessions", lowBound=0, upBound=inputs.rentable_sessions_per_week)
        if inputs.rentable_sessions_per_week > 0
        else None
    )
    cost_terms = [(wte[r], cost) for r, cost in inputs.role_columns["cost_per_wte_gbp"].items()]
    own_terms = [(wte[r], gbp) for r, gbp in inputs.role_columns["top_up_per_wte_gbp"].items() if gbp > 0]
    own_terms += [(own_funded[r], cost - inputs.role_columns["top_up_per_wte_gbp"][r])
                  for r, cost in inputs.role_columns["cost_per_wte_gbp"].items() if r in own_funded]
    if rented is not None:
        cost_terms.append((rented, inputs.rent_gbp_per_session_per_year))
        own_terms.append((rented, inputs.rent_gbp_per_session_per_year))
    bought = {
        p: problem.add_variable(f"bought_supervision({p})", lowBound=0)
        for p, (_, price) in inputs.supervision_available.items() if price is not None
    }
    for p, variable in bought.items():
        price = inputs.supervision_available[p][1] * SUPERVISION_WEEKS_PER_YEAR
        cost_terms.append((variable, price))
        own_terms.append((variable, price))
    return SkillMixModel(
        inputs=inputs,
        problem=problem,
        wte=wte,
        own_funded=own_funded,
        assigned=assigned,
        rented_sessions=rented,
        posts=posts,
        care=pulp.LpAffineExpression(),
        total_cost=pulp.LpAffineExpression(cost_terms),
        own_money=pulp.LpAffineExpression(own_terms),
        bought_supervision=bought,
    )


def add_valuation(model: SkillMixModel) -> None:
    """What the objective values: priority-weighted contacts, or (share, equal-share) the care score out of 100.

    For the care score each category's contacts are split into segments of its need (`need_met`), each worth
    the slope of f in that share of the need; slopes never rise, so the LP fills the first segments first.
    `valued_care[d]` ties the segments to the contacts delivered. Equal-share adds `lowest_share[d]`:
    the lowest share of need met, maximised first, is at most each servable category's share.
    """
    inputs, policy = model.inputs, model.inputs.scenario.policy
    categories = inputs.categories
    weight = categories["priority_weight"].to_dict()
    if policy.valuation == "contacts":
        model.care = pulp.LpAffineExpression(
            [(model.assigned[r, d], weight[d] * contacts) for (r, d), contacts in inputs.contacts_by_pair.items()]
        )
        return
    delivered = _delivered_terms(model)
    need = categories["demand_contacts_per_year"].to_dict()
    reference = categories["reference_contacts_per_wte_year"].to_dict()
    scale = points_per_wte_year(weight, categories["clinical_size_wte"].to_dict())
    curve = inputs.value_curve
    care = []
    for d, terms in delivered.items():
        if need[d] <= 0 or not terms:
            continue
        points = segment_points_per_contact(curve, weight[d], reference[d], scale)
        segments = []
        for k, (width, value) in enumerate(zip(curve.widths, points)):
            variable = model.problem.add_variable(f"need_met({d},{k})", lowBound=0, upBound=width * need[d])
            model.need_met[d, k] = variable
            segments.append((variable, 1.0))
            care.append((variable, value))
        model.add("valued_care", d, "contacts a year", pulp.LpAffineExpression([*segments, *((v, -c) for v, c in terms)]) <= 0)
    model.care = pulp.LpAffineExpression(care)
    if policy.valuation == "equal-share":
        model.lowest_share = model.problem.add_variable("lowest_share", lowBound=0, upBound=1)
        for d, terms in delivered.items():
            if need[d] > 0 and terms:
                expression = pulp.LpAffineExpression([(model.lowest_share, need[d]), *((v, -c) for v, c in terms)])
                model.add("lowest_share", d, "contacts a year", expression <= 0)


def _delivered_terms(model: SkillMixModel) -> dict[str, list]:
    """Per category, (assigned WTE, contacts per WTE-year) of every allowed role that can serve it."""
    terms: dict[str, list] = {d: [] for d in model.inputs.categories.index}
    for (r, d), contacts in model.inputs.contacts_by_pair.items():
        terms[d].append((model.assigned[r, d], contacts))
    return terms


def add_role_time(model: SkillMixModel) -> None:
    """A WTE's time is split across the categories it can serve; time not assigned is spare capacity."""
    by_role: dict[str, list] = {r: [] for r in model.wte}
    for (r, _), variable in model.assigned.items():
        by_role[r].append((variable, 1.0))
    for r, terms in by_role.items():
        expression = pulp.LpAffineExpression([*terms, (model.wte[r], -1.0)])
        model.add("role_time", r, "WTE", expression <= 0)


def add_demand_cover(model: SkillMixModel) -> None:
    """Contacts delivered in a category cannot exceed the contacts its patients need a year."""
    terms = _delivered_terms(model)
    for d, demand in model.inputs.categories["demand_contacts_per_year"].items():
        if terms[d]:
            model.add("demand_cover", d, "contacts a year", pulp.LpAffineExpression(terms[d]) <= demand)


def add_first_post_co_funding(model: SkillMixModel) -> None:
    """Co-funding tables (DES Tables 3a/3b): with a written agreement, a mental health practitioner's first post is
    co-funded 50:50 with the provider and later posts claim up to 100% ARRS. first_post (≤ 1 WTE, ≤ the role's
    ARRS-funded WTE) is claimed at the first-post share. Exact: the true split, first = min(WTE, 1), is the
    cheapest on the ARRS sum and the top-up alike, so any mix the LP allows the rules allow; results report it."""
    for r, change in model.per_role("first_post_claim_change_gbp").items():
        if change == 0:
            continue
        first = model.problem.add_variable(f"first_post({r})", lowBound=0, upBound=1)
        model.first_post[r] = first
        model.add("first_post_within_wte", r, "WTE", pulp.LpAffineExpression([(first, 1.0), *model.arrs_funded(r, -1.0)]) <= 0)
        model.own_money.addterm(first, model.per_role("first_post_top_up_change_gbp")[r])


def add_arrs_budget(model: SkillMixModel) -> None:
    """ARRS claims (the lower of cost and the maximum reimbursable amount, times the ARRS share) fit each pot."""
    pot_of, claim = model.per_role("funding_pot"), model.per_role("claim_per_wte_gbp")
    for pot, sum_gbp in model.inputs.arrs_limits_gbp.items():
        claims = [term for r in model.wte if pot_of[r] == pot for term in model.arrs_funded(r, claim[r])]
        claims += [(first, model.per_role("first_post_claim_change_gbp")[r]) for r, first in model.first_post.items() if pot_of[r] == pot]
        if claims:
            model.add("arrs_budget", pot, "£ a year", pulp.LpAffineExpression(claims) <= sum_gbp)


def add_top_up_budget(model: SkillMixModel) -> None:
    """The PCN's own money pays costs above what ARRS and co-funders pay, posts it pays wholly, and any rented rooms."""
    if model.own_money.items():
        model.add("top_up_budget", None, "£ a year", model.own_money <= model.inputs.top_up_budget_gbp)


def add_clinical_rooms(model: SkillMixModel) -> None:
    """Face-to-face sessions of roles that need a clinical room fit in the sessions free plus any rented."""
    terms = [(model.wte[r], sessions) for r, sessions in model.per_role("clinical_room_sessions_per_wte").items() if sessions > 0]
    if not terms:
        return
    if model.rented_sessions is not None:
        terms.append((model.rented_sessions, -1.0))
    model.add("clinical_rooms", None, "room sessions a week", pulp.LpAffineExpression(terms) <= model.inputs.room_sessions_per_week)


def add_desk_space(model: SkillMixModel) -> None:
    """Desk-based roles fit in the desk sessions available, where the scenario says desks are limited."""
    if model.inputs.desk_sessions_per_week is None:
        return
    terms = [(model.wte[r], sessions) for r, sessions in model.per_role("desk_sessions_per_wte").items() if sessions > 0]
    if terms:
        model.add("desk_space", None, "desk sessions a week", pulp.LpAffineExpression(terms) <= model.inputs.desk_sessions_per_week)


def add_role_caps(model: SkillMixModel) -> None:
    """A capped role's ARRS-funded WTE cannot exceed its cap for the PCN's list size, unless the scenario lifts that cap.

    The caps limit what ARRS reimburses; posts the PCN pays wholly from its own money are outside them.
    """
    for r, cap in model.per_role("cap_wte").items():
        if not math.isnan(cap):
            model.add("role_cap", r, "WTE", pulp.LpAffineExpression(model.arrs_funded(r)) <= cap)


def add_in_post_floors(model: SkillMixModel) -> None:
    """Staff already in post stay, unless the scenario allows reducing them."""
    if model.inputs.scenario.policy.allow_reducing_in_post:
        return
    for r, in_post in model.per_role("in_post_wte").items():
        if in_post > 0:
            model.add("in_post_floor", r, "WTE", model.wte[r] >= in_post)


def add_recruitment_limits(model: SkillMixModel) -> None:
    """New WTE this year cannot exceed what the PCN can realistically recruit."""
    in_post = model.per_role("in_post_wte")
    for r, limit in model.per_role("max_new_wte").items():
        if limit != float("inf"):
            model.add("recruitment_limit", r, "WTE", model.wte[r] <= in_post[r] + limit)


def add_own_funded_within_wte(model: SkillMixModel) -> None:
    """Posts the PCN pays wholly from its own money are part of the role's WTE (the rest is ARRS-funded)."""
    for r, own in model.own_funded.items():
        model.add("own_funded_within_wte", r, "WTE", pulp.LpAffineExpression([(own, 1.0), (model.wte[r], -1.0)]) <= 0)


def add_supervision(model: SkillMixModel) -> None:
    """Supervision the mix needs from each profession fits the hours it can give, plus any hours bought.

    Only for professions the scenario gives hours for; otherwise the results still report the hours needed.
    """
    needs = model.inputs.supervision_needs
    for p, (hours, _) in model.inputs.supervision_available.items():
        terms = [(model.wte[r], per_wte) for r, (who, per_wte) in needs.items() if who == p and per_wte > 0 and r in model.wte]
        if p in model.bought_supervision:
            terms.append((model.bought_supervision[p], -1.0))
        if terms:
            model.add("supervision", p, "supervision hours a week", pulp.LpAffineExpression(terms) <= hours)


def add_minimum_post_size(model: SkillMixModel) -> None:
    """A role's new WTE is 0 or at least the minimum post size (staff in post stay as they are): a MILP.

    new_post[r] is 1 when the role recruits; new WTE ≤ most_new_wte × new_post (a bound as tight as the
    recruitment limit, the money, the rooms and the role's useful work allow) and ≥ minimum × new_post.
    With reductions allowed and no new post, WTE may fall below those in post.
    """
    policy = model.inputs.scenario.policy
    minimum = policy.min_post_wte
    if minimum <= 0 or policy.whole_posts:
        return
    in_post = model.per_role("in_post_wte")
    for r, most in most_new_wte(model.inputs).items():
        recruits = model.problem.add_variable(f"new_post({r})", cat=pulp.LpBinary)
        model.new_post[r] = recruits
        new = [(model.wte[r], 1.0), (recruits, -most)]
        model.add("new_post_bound", r, "WTE", pulp.LpAffineExpression(new) <= in_post[r])
        low = [(model.wte[r], 1.0), (recruits, -(minimum + in_post[r]))] if policy.allow_reducing_in_post else [
            (model.wte[r], 1.0), (recruits, -minimum)]
        model.add("minimum_post_size", r, "WTE", pulp.LpAffineExpression(low) >= (0.0 if policy.allow_reducing_in_post else in_post[r]))


BIG_M_MARGIN = 1e-6
"""Each big-M is widened by this (relative and in WTE): a bound is valid only if it is never below the true most,
and a budget that is tight to the penny must not become infeasible through rounding."""


def most_new_wte(inputs: ModelInputs) -> dict[str, float]:
    """Most new WTE each allowed role could usefully take: the least of its recruitment limit, what the ARRS sum
    of its pot plus the whole top-up could pay, what all the rooms could hold, and the WTE that would meet every
    need it can serve. Finite for every role, so it is a tight big-M."""
    roles = inputs.role_columns
    top_up = inputs.top_up_budget_gbp
    rooms = inputs.room_sessions_per_week + inputs.rentable_sessions_per_week
    useful: dict[str, float] = {}
    need = inputs.categories["demand_contacts_per_year"].to_dict()
    for (r, d), contacts in inputs.contacts_by_pair.items():
        useful[r] = useful.get(r, 0.0) + need[d] / contacts
    most = {}
    for r, in_post in roles["in_post_wte"].items():
        claim, cost = roles["claim_per_wte_gbp"][r], roles["cost_per_wte_gbp"][r]
        by_money = (inputs.arrs_sums_gbp.get(roles["funding_pot"][r], 0.0) / claim if claim > 0 else math.inf) + top_up / cost
        sessions = roles["clinical_room_sessions_per_wte"][r]
        by_rooms = rooms / sessions if sessions > 0 else math.inf
        by_desks = (inputs.desk_sessions_per_week / roles["desk_sessions_per_wte"][r]
                    if inputs.desk_sessions_per_week is not None and roles["desk_sessions_per_wte"][r] > 0 else math.inf)
        bound = min(roles["max_new_wte"][r], by_money - in_post, by_rooms - in_post, by_desks - in_post, useful.get(r, 0.0))
        most[r] = max(bound, 0.0) * (1 + BIG_M_MARGIN) + BIG_M_MARGIN
    return most


def add_whole_posts(model: SkillMixModel) -> None:
    """With whole posts, staff in post stay as they are and WTE changes only by whole posts of the chosen size."""
    in_post, size = model.per_role("in_post_wte"), model.inputs.scenario.policy.post_size_wte
    for r, posts in model.posts.items():
        model.add("whole_posts", r, "posts", model.wte[r] - size * posts == in_post[r])
