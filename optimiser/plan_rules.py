"""The plan's rules, one function per group of row families, each written for every year and future at once as
arrays (the model's index: roles × hiring slots for staff, year groups × roles, pairs or categories for the rest).

Each year repeats the single-year rules of `optimiser.model` with that year's numbers; see `plan_model` for the
plan as a whole and its compact form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimiser.inputs import SUPERVISION_WEEKS_PER_YEAR
from optimiser.plan_inputs import Period, PlanInputs
from optimiser.plan_lp import ABSENT, Column
from optimiser.valuation import points_per_wte_year, segment_points_per_contact


@dataclass(frozen=True)
class YearNumbers:
    """Each year group's numbers as arrays (group × role, × category, × pot), and where its staff columns live."""

    year: np.ndarray  # group → year index t
    slot: np.ndarray  # group → hiring slot of its staff
    part: np.ndarray  # group → share of the year new posts are not yet in post (first year only)
    at: list[str]  # group → "t,s" for column names
    here: list[tuple[int, str | None]]  # group → (t, future) of its rows; None: every future
    cost: np.ndarray
    claim: np.ndarray
    top_up: np.ndarray
    need: np.ndarray  # group × the model's categories
    rooms: np.ndarray
    budget: np.ndarray
    pots: list[str]
    arrs: np.ndarray  # group × pot: the ARRS sum plus staff in post beyond it (paid outside ARRS)

    @staticmethod
    def of(model) -> YearNumbers:
        inputs, roles, categories = model.inputs, model.roles, model.categories
        first = [inputs.periods[members[0]] for members in model.groups]
        keys = [model.year_key(p.year_index, p.future)[1] for p in first]
        slots = {slot: h for h, slot in enumerate(model.slots)}
        pots = list(first[0].arrs_sums_gbp)
        year = np.array([p.year_index for p in first])
        return YearNumbers(
            year=year,
            slot=np.array([slots[model.key(p.year_index, p.future)] for p in first]),
            part=np.where(year == 0, 1.0 - inputs.first_year_share, 0.0),
            at=[f"{p.year_index},{s}" for p, s in zip(first, keys)],
            here=[(p.year_index, None if s == "" else s) for p, s in zip(first, keys)],
            cost=np.array([[p.cost_per_wte_gbp[r] for r in roles] for p in first]).reshape(len(first), len(roles)),
            claim=np.array([[p.claim_per_wte_gbp[r] for r in roles] for p in first]).reshape(len(first), len(roles)),
            top_up=np.array([[p.top_up_per_wte_gbp[r] for r in roles] for p in first]).reshape(len(first), len(roles)),
            need=np.array([[p.need_contacts_per_year[d] for d in categories] for p in first]).reshape(len(first), len(categories)),
            rooms=np.array([p.room_sessions_per_week for p in first]),
            budget=np.array([p.top_up_budget_gbp for p in first]),
            pots=pots,
            arrs=np.array([[p.arrs_sums_gbp[q] + p.in_post_beyond_arrs_gbp.get(q, 0.0) for q in pots] for p in first]).reshape(len(first), len(pots)),
        )


def staffed(model, numbers: YearNumbers, coefficient: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """coefficient × WTE-years worked, per year group and role (both axes kept): (position g×R + r, column, value)
    for the stock and the first year's new posts (in post only from their start month)."""
    groups, roles = coefficient.shape
    stock, new = model.stock_col[:, numbers.slot].T, model.new_col[:, numbers.slot].T
    position = np.arange(groups * roles).reshape(groups, roles)
    return (np.concatenate([position, position], axis=None), np.concatenate([stock, new], axis=None),
            np.concatenate([coefficient, -numbers.part[:, None] * coefficient], axis=None))


def add_staff_flow(model) -> None:
    """WTE in post each year: last year's kept after leavers, plus new posts; reduced only where the scenario allows."""
    inputs, lp = model.inputs, model.lp
    columns, policy = inputs.base.role_columns, inputs.scenario.policy
    roles, slots = model.roles, model.slots
    served = {r for r, _, _ in model.pairs}
    live = [r for r in roles if not model.compact or columns["in_post_wte"][r] > 0 or r in served]
    kinds = ["stock", "new"] + ["reduced"] * policy.allow_reducing_in_post + ["posts"] * policy.whole_posts
    names = [f"{kind}({r},{t},{s})" for r in live for t, s in slots for kind in kinds]
    integer = np.tile([kind == "posts" for kind in kinds], len(live) * len(slots))
    first = lp.columns(names, 0.0, math.inf, integer)
    block = np.full((len(roles), len(slots), len(kinds)), ABSENT)
    if live:
        block[[roles.index(r) for r in live]] = first.reshape(len(live), len(slots), len(kinds))
    model.stock_col, model.new_col = block[:, :, 0], block[:, :, 1]
    model.reduced_col = block[:, :, 2] if policy.allow_reducing_in_post else None
    posts = block[:, :, -1] if policy.whole_posts else None

    n = len(roles) * len(slots)
    position = np.arange(n).reshape(len(roles), len(slots))
    keep = np.array([1.0 - inputs.leaving_rate[r] for r in roles])
    previous = np.array([slots.index(model.key(t - 1, s)) if t > 0 else 0 for t, s in slots])
    later = np.array([t > 0 for t, _ in slots])
    prev_stock = np.where(later, model.stock_col[:, previous], ABSENT)
    row = [position, position, position]
    column = [model.stock_col, model.new_col, prev_stock]
    value = [np.ones(n), -np.ones(n), -np.repeat(keep, len(slots))]
    if model.reduced_col is not None:
        row.append(position), column.append(model.reduced_col), value.append(np.ones(n))
    kept = np.array([[columns["in_post_wte"][r] if t == 0 else 0.0 for t, _ in slots] for r in roles]).ravel()
    labels = [r for r in roles for _ in slots]
    periods = [(t, s or None) for _ in roles for t, s in slots]
    lp.rows("staff_flow", "WTE", labels, periods, kept, kept, np.concatenate(row, axis=None),
            np.concatenate(column, axis=None), np.concatenate(value, axis=None))
    most = np.repeat([columns["max_new_wte"][r] for r in roles], len(slots))
    limited = np.isfinite(most)
    lp.rows("recruitment_limit", "WTE", [x for x, k in zip(labels, limited) if k], [p for p, k in zip(periods, limited) if k],
            -math.inf, most[limited], np.arange(limited.sum()), model.new_col.ravel()[limited], 1.0)
    if posts is not None:
        size = policy.post_size_wte
        lp.rows("whole_posts", "posts", labels, periods, 0.0, 0.0, np.concatenate([position, position], axis=None),
                np.concatenate([model.new_col, posts], axis=None), np.concatenate([np.ones(n), -size * np.ones(n)]))


def add_care(model, numbers: YearNumbers) -> None:
    """Role time assigned to need, need met, and its value: the single-year valuation on the first year's scale
    (points per contact stay those of the first year, so a growing need is worth more points, not the same 100)."""
    inputs, lp = model.inputs, model.lp
    roles, categories, pairs = model.roles, model.categories, model.pairs
    groups, n_roles, n_categories = len(model.groups), len(roles), len(categories)
    role_of = np.array([roles.index(r) for r, _, _ in pairs], dtype=int)
    category_of = np.array([categories.index(d) for _, d, _ in pairs], dtype=int)
    contacts = np.array([c for _, _, c in pairs], dtype=float)
    live = np.ones((groups, len(pairs)), dtype=bool)
    if model.compact:
        live = (numbers.need[:, category_of] > 0) & (model.stock_col[role_of][:, numbers.slot].T >= 0)
    names = [f"assigned({r},{d},{at})" for at in numbers.at for r, d, _ in pairs]
    assigned = np.full(live.shape, ABSENT)
    assigned[live] = lp.columns([name for name, keep in zip(names, live.ravel()) if keep])
    model.assigned_col = assigned
    g = np.repeat(np.arange(groups), len(pairs))

    row, column, value = staffed(model, numbers, -np.ones((groups, n_roles)))
    lp.rows("role_time", "WTE", roles * groups, [h for h in numbers.here for _ in roles], -math.inf, 0.0,
            np.concatenate([g * n_roles + np.tile(role_of, groups), row]), np.concatenate([assigned.ravel(), column]),
            np.concatenate([np.ones(assigned.size), value]))
    delivered_row = g * n_categories + np.tile(category_of, groups)
    delivered = np.tile(contacts, groups)
    here = [h for h in numbers.here for _ in categories]
    lp.rows("demand_cover", "contacts a year", categories * groups, here, -math.inf, numbers.need.ravel(),
            delivered_row, assigned.ravel(), delivered)

    valuation = inputs.scenario.policy.valuation
    worth = _worth(inputs)
    if valuation == "contacts":
        model.add_terms("care", g, assigned, delivered * np.tile([worth[d] for _, d, _ in pairs], groups))
        return
    valued = numbers.need > 0
    if model.compact:
        valued &= np.bincount(delivered_row, weights=(assigned.ravel() >= 0), minlength=groups * n_categories).reshape(groups, n_categories) > 0
    segments = len(inputs.base.value_curve.widths)
    width = np.array([[w for w, _ in worth[d]] for d in categories]).reshape(n_categories, segments)
    points = np.array([[p for _, p in worth[d]] for d in categories]).reshape(n_categories, segments)
    which = np.argwhere(valued)
    names = [f"need_met({categories[c]},{k},{numbers.at[t]})" for t, c in which for k in range(segments)]
    upper = (width[which[:, 1]] * numbers.need[valued][:, None]).ravel()
    met = np.full((groups, n_categories, segments), ABSENT)
    met[valued] = lp.columns(names, 0.0, upper).reshape(-1, segments)
    model.add_terms("care", np.repeat(np.arange(groups), n_categories * segments), met, np.tile(points.ravel(), groups))
    position = np.repeat(np.arange(groups * n_categories), segments)
    takes_out = np.where(valued.ravel()[delivered_row], -delivered, 0.0)
    lp.rows("valued_care", "contacts a year", categories * groups, here, -math.inf, 0.0,
            np.concatenate([position, delivered_row]), np.concatenate([met.ravel(), assigned.ravel()]),
            np.concatenate([np.ones(met.size), takes_out]))
    if valuation == "equal-share" and valued.any():
        model.lowest_share = lowest = Column("lowest_share", int(lp.columns(["lowest_share"], 0.0, 1.0)[0]))
        lp.rows("lowest_share", "contacts a year", categories * groups, here, -math.inf, 0.0,
                np.concatenate([np.flatnonzero(valued), delivered_row]),
                np.concatenate([np.full(valued.sum(), lowest.index), assigned.ravel()]),
                np.concatenate([numbers.need[valued], takes_out]))


def _worth(inputs: PlanInputs) -> dict:
    """What a contact is worth, the same every year and future: per category its priority weight (valuation
    contacts), or each segment of f as (share of the need, points per contact)."""
    categories = inputs.base.categories
    weight = categories["priority_weight"].to_dict()
    if inputs.scenario.policy.valuation == "contacts":
        return weight
    reference = categories["reference_contacts_per_wte_year"].to_dict()
    scale = points_per_wte_year(weight, categories["clinical_size_wte"].to_dict())
    curve = inputs.base.value_curve
    return {d: list(zip(curve.widths, segment_points_per_contact(curve, weight[d], reference[d], scale))) for d in weight}


def add_space_and_supervision(model, numbers: YearNumbers) -> None:
    """Rooms, desks, caps and supervision, on WTE in post from the first day a post is filled; bought supervision
    hours are paid for the whole year, as rented rooms are (as in `solve`)."""
    base, lp, roles = model.inputs.base, model.lp, model.roles
    columns = base.role_columns
    groups = len(model.groups)
    stock = model.stock_col[:, numbers.slot].T  # group × role
    g = np.repeat(np.arange(groups), len(roles))
    sessions = np.array([columns["clinical_room_sessions_per_wte"][r] for r in roles])
    if (sessions > 0).any():
        rented = [] if model.rented_col is None else [(np.arange(groups), model.rented_col, -1.0)]
        lp.rows("clinical_rooms", "room sessions a week", [None] * groups, numbers.here, -math.inf, numbers.rooms,
                *_joined([(g, stock, np.tile(np.maximum(sessions, 0), groups)), *rented]))
    if base.desk_sessions_per_week is not None:
        desks = np.array([columns["desk_sessions_per_wte"][r] for r in roles])
        lp.rows("desk_space", "desk sessions a week", [None] * groups, numbers.here, -math.inf, base.desk_sessions_per_week,
                g, stock, np.tile(np.maximum(desks, 0), groups))
    caps = [(k, r, columns["cap_wte"][r]) for k, r in enumerate(roles) if columns["cap_wte"][r] == columns["cap_wte"][r]]
    if caps:
        which = [k for k, _, _ in caps]
        lp.rows("role_cap", "WTE", [r for _ in range(groups) for _, r, _ in caps], [h for h in numbers.here for _ in caps],
                -math.inf, np.tile([cap for *_, cap in caps], groups), np.arange(groups * len(caps)), stock[:, which], 1.0)
    model.bought_col = np.full((groups, len(model.professions)), ABSENT)
    for k, (p, (hours, price)) in enumerate(base.supervision_available.items()):
        per_wte = np.array([base.supervision_needs[r][1] if r in base.supervision_needs and base.supervision_needs[r][0] == p else 0.0
                            for r in roles])
        if not ((per_wte > 0) & (stock >= 0)).any():
            continue
        parts = [(g, stock, np.tile(np.maximum(per_wte, 0), groups))]
        if price is not None:
            bought = model.bought_col[:, k] = lp.columns([f"bought_supervision({p},{at})" for at in numbers.at])
            parts.append((np.arange(groups), bought, -1.0))
            for kind in ("own", "cost"):
                model.add_terms(kind, np.arange(groups), bought, price * SUPERVISION_WEEKS_PER_YEAR)
        lp.rows("supervision", "supervision hours a week", [p] * groups, numbers.here, -math.inf, hours, *_joined(parts))


def _joined(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) parts, rows and values broadcast to their columns' shape, as one set of triplets."""
    rows, columns, values = [], [], []
    for row, column, value in parts:
        column = np.ravel(column)
        rows.append(np.broadcast_to(np.ravel(row), column.shape))
        columns.append(column)
        values.append(np.broadcast_to(np.ravel(np.asarray(value, dtype=float)), column.shape))
    return np.concatenate(rows), np.concatenate(columns), np.concatenate(values)


def add_minimum_post_size(model) -> None:
    """The first year's new WTE per role is 0 or at least the minimum post size, as in `solve` (a MILP; whole posts
    aside). Only the first year's posts are approved now; later years' new WTE is a recruitment budget that adapts
    to each future, kept fractional so the plan stays small enough to solve at once.

    new ≤ most × new_post, where `most` is the most new WTE the role could use that year in any future (recruitment
    limit, or what the year's ARRS sum plus top-up could pay, all rooms could hold, or all need it serves could take).
    """
    inputs, lp = model.inputs, model.lp
    policy = inputs.scenario.policy
    minimum = policy.min_post_wte
    if minimum <= 0 or policy.whole_posts:
        return
    model.new_post_col = np.full(model.new_col.shape, ABSENT)
    for k, r in enumerate(model.roles):
        for h, (t, s) in enumerate(model.slots):
            new = int(model.new_col[k, h])
            if t > 0 or new == ABSENT:
                continue
            most = _most_new_wte(inputs, r, [p for (y, f), p in inputs.periods.items() if y == t and (not s or f == s)])
            if most <= 1e-9:
                continue
            recruits = model.new_post_col[k, h] = int(lp.columns([f"new_post({r},{t},{s})"], 0.0, 1.0, True)[0])
            period = [(t, s or None)]
            lp.rows("new_post_bound", "WTE", [r], period, -math.inf, 0.0, [0, 0], [new, recruits], [1.0, -most])
            lp.rows("minimum_post_size", "WTE", [r], period, 0.0, math.inf, [0, 0], [new, recruits], [1.0, -minimum])


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
