"""The skill-mix linear programme as arrays: its columns and one function per constraint family; no PuLP, no solving.

Each rule is written once, here. `model.py` turns the arrays into a PuLP model (the single-scenario path, where
PuLP is the modelling language); `engine.py` hands them to HiGHS directly (batch workers). A family is emitted
over a fixed index (every allowed role, every served category, ...): a row a scenario does not have is marked
inactive rather than left out, and a term whose number is zero keeps its place with a zero coefficient, so every
scenario of one `Shape` has the same rows and sparsity pattern and only the numbers change (the engine then
leaves the inactive rows out, as PuLP does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.inputs import SUPERVISION_WEEKS_PER_YEAR, ModelInputs
from optimiser.layout import Block, Shape, block, interleave
from optimiser.valuation import points_per_wte_year, segment_points_per_contact

BIG_M_MARGIN = 1e-6
"""Each big-M is widened by this (relative and in WTE): a bound is valid only if it is never below the true most,
and a budget that is tight to the penny must not become infeasible through rounding."""
@dataclass
class Formulation:
    """The whole programme as numbers: column bounds, the objective vectors, and the row blocks in reading order."""

    shape: Shape
    column_lower: np.ndarray
    column_upper: np.ndarray
    care: np.ndarray
    cost: np.ndarray
    own_money: np.ndarray  # £ a year of the top-up budget spent
    lead: np.ndarray | None  # equal-share: the lowest share of need met, maximised before the care
    blocks: list[Block]


def formulate(inputs: ModelInputs, shape: Shape | None = None) -> Formulation:
    """Maximise the value of care delivered (see optimiser/valuation.py), within money, rooms, caps and staffing."""
    s = shape or Shape(inputs)
    f = _columns(inputs, s)
    f.blocks = [
        *valuation(inputs, s, f), role_time(s), demand_cover(inputs, s), first_post_co_funding(inputs, s, f),
        arrs_budget(inputs, s), top_up_budget(inputs, s, f), clinical_rooms(inputs, s), desk_space(inputs, s),
        role_caps(inputs, s), in_post_floors(inputs, s), recruitment_limits(inputs, s), whole_posts(inputs, s),
        own_funded_within_wte(s), *minimum_post_size(inputs, s), supervision(inputs, s),
    ]
    return f


def _columns(inputs: ModelInputs, s: Shape) -> Formulation:
    """Bounds of every column, and what each costs: in total (all funders) and from the PCN's own money."""
    data, policy = inputs.allowed_data, inputs.scenario.policy
    lower, upper = np.zeros(s.num_columns), np.full(s.num_columns, np.inf)
    cost, own_money = np.zeros(s.num_columns), np.zeros(s.num_columns)
    cost[s.wte] = data["cost_per_wte_gbp"]
    own_money[s.wte] = np.where(data["top_up_per_wte_gbp"] > 0, data["top_up_per_wte_gbp"], 0.0)
    if s.own is not None:
        own_money[s.own] = data["cost_per_wte_gbp"] - data["top_up_per_wte_gbp"]
    if policy.allow_reducing_in_post:
        lower[s.columns("posts")] = -np.inf
    if (rented := s.column("rented_sessions")) is not None:
        upper[rented] = inputs.rentable_sessions_per_week
        cost[rented] = own_money[rented] = inputs.rent_gbp_per_session_per_year
    need = inputs.category_data["demand_contacts_per_year"]
    upper[s.need_met] = np.outer(need[s.valued], inputs.value_curve.widths)
    upper[s.columns("lowest_share")] = upper[s.columns("new_post")] = upper[s.columns("first_post")] = 1.0
    for p, column in zip(s.bought_professions, s.columns("bought_supervision")):
        cost[column] = own_money[column] = inputs.supervision_available[p][1] * SUPERVISION_WEEKS_PER_YEAR
    lead = None
    if (lowest := s.column("lowest_share")) is not None:
        lead = np.zeros(s.num_columns)
        lead[lowest] = 1.0
    return Formulation(s, lower, upper, np.zeros(s.num_columns), cost, own_money, lead, [])


def arrs_funded(s: Shape, rows, coefficient) -> list[tuple]:
    """Terms of coefficient × each role's ARRS-funded WTE (its WTE less any paid wholly by the PCN)."""
    terms = [(rows, s.wte, coefficient)]
    return terms + ([(rows, s.own, -np.asarray(coefficient))] if s.own is not None else [])


def valuation(inputs: ModelInputs, s: Shape, f: Formulation) -> list[Block]:
    """What the objective values: priority-weighted contacts, or (share, equal-share) the care score out of 100.

    For the care score each category's contacts are split into segments of its need (`need_met`), each worth
    the slope of f in that share of the need; slopes never rise, so the LP fills the first segments first.
    `valued_care[d]` ties the segments to the contacts delivered. Equal-share adds `lowest_share[d]`:
    the lowest share of need met, maximised first, is at most each servable category's share.
    """
    categories, contacts = inputs.category_data, inputs.contacts_per_wte_year
    weight = categories["priority_weight"]
    if inputs.scenario.policy.valuation == "contacts":
        f.care[s.assigned] = weight[s.pair_category] * contacts
        return []
    names = s.categories
    scale = points_per_wte_year(dict(zip(names, weight.tolist())), dict(zip(names, categories["clinical_size_wte"].tolist())))
    reference = categories["reference_contacts_per_wte_year"]
    points = segment_points_per_contact(inputs.value_curve, weight[s.valued], reference[s.valued], scale)
    f.care[s.need_met] = np.array(points).reshape(s.segments, len(s.valued)).T
    row_of = np.full(len(names), -1)
    row_of[s.valued] = np.arange(len(s.valued))
    valued_pairs = np.flatnonzero(row_of[s.pair_category] >= 0)
    delivered = (row_of[s.pair_category[valued_pairs]], s.assigned[valued_pairs], -contacts[valued_pairs])
    labels = [names[d] for d in s.valued]
    segments = (np.repeat(np.arange(len(s.valued)), s.segments), s.need_met.ravel(), 1.0)
    blocks = [block("valued_care", labels, "contacts a year", [segments, delivered], upper=0.0)]
    if (lowest := s.column("lowest_share")) is not None:
        share = (np.arange(len(s.valued)), lowest, categories["demand_contacts_per_year"][s.valued])
        blocks.append(block("lowest_share", labels, "contacts a year", [share, delivered], upper=0.0))
    return blocks


def role_time(s: Shape) -> Block:
    """A WTE's time is split across the categories it can serve; time not assigned is spare capacity."""
    return block("role_time", s.roles, "WTE", [(s.pair_role, s.assigned, 1.0), (s.wte, s.wte, -1.0)], upper=0.0)


def demand_cover(inputs: ModelInputs, s: Shape) -> Block:
    """Contacts delivered in a category cannot exceed the contacts its patients need a year."""
    served = np.flatnonzero(s.served)
    row_of = np.cumsum(s.served) - 1
    return block("demand_cover", [s.categories[d] for d in served], "contacts a year",
                 [(row_of[s.pair_category], s.assigned, inputs.contacts_per_wte_year)],
                 upper=inputs.category_data["demand_contacts_per_year"][served])


def first_post_co_funding(inputs: ModelInputs, s: Shape, f: Formulation) -> Block:
    """Co-funding tables (DES Tables 3a/3b): with a written agreement, a mental health practitioner's first post is
    co-funded 50:50 with the provider and later posts claim up to 100% ARRS. first_post (≤ 1 WTE, ≤ the role's
    ARRS-funded WTE) is claimed at the first-post share. Exact: the true split, first = min(WTE, 1), is the
    cheapest on the ARRS sum and the top-up alike, so any mix the LP allows the rules allow; results report it."""
    roles, first = s.first_post_roles, s.columns("first_post")
    f.own_money[first] = inputs.allowed_data["first_post_top_up_change_gbp"][roles]
    rows = np.arange(len(roles))
    terms = [(rows, first, 1.0), (rows, s.wte[roles], -1.0)] + ([(rows, s.own[roles], 1.0)] if s.own is not None else [])
    return block("first_post_within_wte", [s.roles[i] for i in roles], "WTE", terms, upper=0.0)


def arrs_budget(inputs: ModelInputs, s: Shape) -> Block:
    """ARRS claims (the lower of cost and the maximum reimbursable amount, times the ARRS share) fit each pot."""
    data, pots, pot_row = inputs.allowed_data, s.pots, s.pot_row
    claiming = np.flatnonzero(pot_row >= 0)
    first_claims = pot_row[s.first_post_roles] >= 0
    first = s.first_post_roles[first_claims]
    terms = [(pot_row[claiming], s.wte[claiming], data["claim_per_wte_gbp"][claiming])]
    if s.own is not None:
        terms.append((pot_row[claiming], s.own[claiming], -data["claim_per_wte_gbp"][claiming]))
    terms.append((pot_row[first], s.columns("first_post")[first_claims], data["first_post_claim_change_gbp"][first]))
    return block("arrs_budget", pots, "£ a year", terms, upper=[inputs.arrs_limits_gbp[p] for p in pots])


def top_up_budget(inputs: ModelInputs, s: Shape, f: Formulation) -> Block:
    """The PCN's own money pays costs above what ARRS and co-funders pay, posts it pays wholly, and any rented rooms."""
    keep = np.flatnonzero(_own_money_columns(s))
    has_terms = bool((f.own_money[s.wte] > 0).any()) or len(keep) > len(s.roles)
    return block("top_up_budget", [None], "£ a year", [(0, keep, f.own_money[keep])], upper=inputs.top_up_budget_gbp,
                 active=has_terms)


def _own_money_columns(s: Shape) -> np.ndarray:
    """Columns that may spend the PCN's own money: every WTE, own-funded WTE, rent, bought supervision, first posts."""
    flags = np.zeros(s.num_columns, dtype=bool)
    for group in ("wte", "own_funded", "rented_sessions", "bought_supervision", "first_post"):
        flags[s.columns(group)] = True
    return flags


def clinical_rooms(inputs: ModelInputs, s: Shape) -> Block:
    """Face-to-face sessions of roles that need a clinical room fit in the sessions free plus any rented."""
    sessions = inputs.allowed_data["clinical_room_sessions_per_wte"]
    terms = [(0, s.wte, sessions)]
    if (rented := s.column("rented_sessions")) is not None:
        terms.append((0, rented, -1.0))
    return block("clinical_rooms", [None], "room sessions a week", terms, upper=inputs.room_sessions_per_week,
                 active=bool((sessions > 0).any()))


def desk_space(inputs: ModelInputs, s: Shape) -> Block:
    """Desk-based roles fit in the desk sessions available, where the scenario says desks are limited."""
    sessions = inputs.allowed_data["desk_sessions_per_wte"]
    limited = inputs.desk_sessions_per_week is not None
    return block("desk_space", [None] if limited else [], "desk sessions a week", [(0, s.wte, sessions)] if limited else [],
                 upper=inputs.desk_sessions_per_week if limited else np.inf, active=bool((sessions > 0).any()))


def role_caps(inputs: ModelInputs, s: Shape) -> Block:
    """A capped role's ARRS-funded WTE cannot exceed its cap for the PCN's list size, unless the scenario lifts that cap.

    The caps limit what ARRS reimburses; posts the PCN pays wholly from its own money are outside them.
    """
    cap = inputs.allowed_data["cap_wte"]
    return block("role_cap", s.roles, "WTE", arrs_funded(s, s.wte, 1.0), upper=cap, active=~np.isnan(cap))


def in_post_floors(inputs: ModelInputs, s: Shape) -> Block:
    """Staff already in post stay, unless the scenario allows reducing them."""
    roles = [] if inputs.scenario.policy.allow_reducing_in_post else s.roles
    in_post = inputs.allowed_data["in_post_wte"][: len(roles)]
    return block("in_post_floor", roles, "WTE", [(s.wte[: len(roles)], s.wte[: len(roles)], 1.0)], lower=in_post, active=in_post > 0)


def recruitment_limits(inputs: ModelInputs, s: Shape) -> Block:
    """New WTE this year cannot exceed what the PCN can realistically recruit."""
    data = inputs.allowed_data
    limit = data["max_new_wte"]
    return block("recruitment_limit", s.roles, "WTE", [(s.wte, s.wte, 1.0)], upper=data["in_post_wte"] + limit,
                 active=limit != np.inf)


def whole_posts(inputs: ModelInputs, s: Shape) -> Block:
    """With whole posts, staff in post stay as they are and WTE changes only by whole posts of the chosen size."""
    posts = s.columns("posts")
    rows = np.arange(len(posts))
    in_post = inputs.allowed_data["in_post_wte"][: len(posts)]
    return block("whole_posts", s.labels["posts"], "posts",
                 [(rows, s.wte[: len(posts)], 1.0), (rows, posts, -inputs.scenario.policy.post_size_wte)], lower=in_post, upper=in_post)


def own_funded_within_wte(s: Shape) -> Block:
    """Posts the PCN pays wholly from its own money are part of the role's WTE (the rest is ARRS-funded)."""
    own = s.columns("own_funded")
    rows = np.arange(len(own))
    return block("own_funded_within_wte", s.labels["own_funded"], "WTE", [(rows, own, 1.0), (rows, s.wte[: len(own)], -1.0)], upper=0.0)


def supervision(inputs: ModelInputs, s: Shape) -> Block:
    """Supervision the mix needs from each profession fits the hours it can give, plus any hours bought.

    Only for professions the scenario gives hours for; otherwise the results still report the hours needed.
    """
    professions, who = s.professions, s.supervisor_row
    per_wte = np.array([inputs.supervision_needs[r][1] for r in s.roles], dtype=float)
    supervised = np.flatnonzero(who >= 0)
    bought = [professions.index(p) for p in s.bought_professions]
    terms = [(who[supervised], s.wte[supervised], per_wte[supervised]), (bought, s.columns("bought_supervision"), -1.0)]
    rows_with = np.zeros(len(professions), dtype=bool)
    rows_with[who[supervised[per_wte[supervised] > 0]]] = True
    rows_with[bought] = True
    return block("supervision", professions, "supervision hours a week", terms,
                 upper=[hours for hours, _ in inputs.supervision_available.values()], active=rows_with)


def minimum_post_size(inputs: ModelInputs, s: Shape) -> list[Block]:
    """A role's new WTE is 0 or at least the minimum post size (staff in post stay as they are): a MILP.

    new_post[r] is 1 when the role recruits; new WTE ≤ most_new_wte × new_post (a bound as tight as the
    recruitment limit, the money, the rooms and the role's useful work allow) and ≥ minimum × new_post.
    With reductions allowed and no new post, WTE may fall below those in post.
    """
    if not s.labels["new_post"]:
        return []
    policy, in_post = inputs.scenario.policy, inputs.allowed_data["in_post_wte"]
    recruits = s.columns("new_post")
    bound = block("new_post_bound", s.roles, "WTE", [(s.wte, s.wte, 1.0), (s.wte, recruits, -most_new_wte(inputs, s))], upper=in_post)
    if policy.allow_reducing_in_post:
        low = block("minimum_post_size", s.roles, "WTE", [(s.wte, s.wte, 1.0), (s.wte, recruits, -(policy.min_post_wte + in_post))], lower=0.0)
    else:
        low = block("minimum_post_size", s.roles, "WTE", [(s.wte, s.wte, 1.0), (s.wte, recruits, -policy.min_post_wte)], lower=in_post)
    return [interleave(bound, low)]


def most_new_wte(inputs: ModelInputs, s: Shape) -> np.ndarray:
    """Most new WTE each allowed role could usefully take: the least of its recruitment limit, what the ARRS sum
    of its pot plus the whole top-up could pay, what all the rooms could hold, and the WTE that would meet every
    need it can serve. Finite for every role, so it is a tight big-M."""
    data = inputs.allowed_data
    n = len(inputs.allowed_ids)
    rooms = inputs.room_sessions_per_week + inputs.rentable_sessions_per_week
    need = inputs.category_data["demand_contacts_per_year"]
    useful = np.bincount(s.pair_role, weights=need[s.pair_category] / inputs.contacts_per_wte_year, minlength=n)
    claim, cost, in_post = data["claim_per_wte_gbp"], data["cost_per_wte_gbp"], data["in_post_wte"]
    pot_sum = np.array([inputs.arrs_sums_gbp.get(pot, 0.0) for pot in data["funding_pot"]], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_money = np.where(claim > 0, pot_sum / claim, np.inf) + inputs.top_up_budget_gbp / cost
        sessions = data["clinical_room_sessions_per_wte"]
        by_rooms = np.where(sessions > 0, rooms / sessions, np.inf)
        desks = data["desk_sessions_per_wte"]
        by_desks = (np.where(desks > 0, inputs.desk_sessions_per_week / desks, np.inf)
                    if inputs.desk_sessions_per_week is not None else np.full(n, np.inf))
    bound = np.minimum.reduce([data["max_new_wte"], by_money - in_post, by_rooms - in_post, by_desks - in_post, useful])
    return np.maximum(bound, 0.0) * (1 + BIG_M_MARGIN) + BIG_M_MARGIN

