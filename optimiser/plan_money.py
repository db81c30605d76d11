"""The plan's money rules for every year and future at once: ARRS sums, posts paid wholly from own money, rented
rooms, and the top-up budget (in expectation, or in every future); then what breaks ties between equally good plans.
"""

from __future__ import annotations

import math

import numpy as np

from optimiser.plan_lp import ABSENT, DERIVED
from optimiser.plan_rules import YearNumbers, staffed


def add_money(model, numbers: YearNumbers) -> None:
    """Cost, own money and ARRS claims per year; posts paid wholly from own money only where some year has a top-up
    budget (as `solve` allows them only with one)."""
    inputs, lp = model.inputs, model.lp
    base, roles = inputs.base, model.roles
    groups, n_roles = len(model.groups), len(roles)
    g = np.repeat(np.arange(groups), n_roles)
    _, column, value = staffed(model, numbers, numbers.cost)
    model.add_terms("cost", np.tile(g, 2), column, value)
    _, column, value = staffed(model, numbers, numbers.top_up)
    model.add_terms("own", np.tile(g, 2), column, value)

    pots = numbers.pots
    pot_of = np.array([pots.index(p) if p in pots else -1 for p in (base.role_columns["funding_pot"][r] for r in roles)])
    claims = np.where((pot_of >= 0) & (numbers.claim > 0), numbers.claim, 0.0)
    row, column, value = staffed(model, numbers, claims)
    pot_row = g * len(pots) + np.tile(np.maximum(pot_of, 0), groups)
    arrs = [np.concatenate([pot_row, pot_row]), column, value]
    if any(p.top_up_budget_gbp > 0 for p in inputs.periods.values()):
        arrs = _add_own_funded(model, numbers, pot_of, arrs)
    lp.rows("arrs_budget", "£ a year", pots * groups, [h for h in numbers.here for _ in pots], -math.inf,
            numbers.arrs.ravel(), *arrs)
    if base.rentable_sessions_per_week > 0:
        model.rented_col = lp.columns([f"rented_sessions({at})" for at in numbers.at], 0.0, base.rentable_sessions_per_week)
        rent = base.rent_gbp_per_session_per_year
        model.add_terms("own", np.arange(groups), model.rented_col, rent)
        model.add_terms("cost", np.arange(groups), model.rented_col, rent)


def _add_own_funded(model, numbers: YearNumbers, pot_of: np.ndarray, arrs: list) -> list:
    """Posts paid wholly from own money: per role (the full form, and roles with a co-funder, whose own-funded WTE
    costs more than the claim it frees), or per pot for roles without one (compact, see `plan_model`)."""
    lp, roles = model.lp, model.roles
    groups, n_roles, pots = len(model.groups), len(roles), numbers.pots
    co_funded = np.array([model.inputs.base.role_columns["co_funder_share"][r] != 0 for r in roles])
    stock = model.stock_col[:, numbers.slot].T
    own_column = np.ones((groups, n_roles), dtype=bool)
    derived = np.zeros((groups, n_roles), dtype=bool)
    if model.compact:
        own_column = (numbers.claim > 0) & (stock >= 0)
        derived = own_column & ~co_funded & (pot_of >= 0)
        own_column &= ~derived
    where = np.argwhere(own_column)
    cols = np.full((groups, n_roles), ABSENT)
    cols[own_column] = lp.columns([f"own_funded({roles[r]},{numbers.at[t]})" for t, r in where])
    cols[derived] = DERIVED
    model.own_funded_col = cols
    row, column, value = staffed(model, numbers, np.where(own_column, -1.0, 0.0))
    live = np.flatnonzero(own_column)
    lp.rows("own_funded_within_wte", "WTE", roles * groups, [h for h in numbers.here for _ in roles], -math.inf, 0.0,
            np.concatenate([live, row]), np.concatenate([cols.ravel()[live], column]), np.concatenate([np.ones(len(live)), value]))
    g = np.repeat(np.arange(groups), n_roles)
    model.add_terms("own", g[live], cols.ravel()[live], (numbers.cost - numbers.top_up).ravel()[live])
    in_pot = live[pot_of[live % n_roles] >= 0]
    arrs = [np.concatenate([arrs[0], g[in_pot] * len(pots) + pot_of[in_pot % n_roles]]),
            np.concatenate([arrs[1], cols.ravel()[in_pot]]), np.concatenate([arrs[2], -numbers.claim.ravel()[in_pot]])]

    pays = np.zeros((groups, len(pots)), dtype=bool)
    for p in range(len(pots)):
        pays[:, p] = (derived & (pot_of == p)).any(axis=1)
    which = np.argwhere(pays)
    paid = np.full(pays.shape, ABSENT)
    paid[pays] = lp.columns([f"own_funded_claims({pots[p]},{numbers.at[t]})" for t, p in which])
    model.paid_col = paid
    position = g * len(pots) + np.tile(np.maximum(pot_of, 0), groups)
    row, column, value = staffed(model, numbers, np.where(derived, -numbers.claim, 0.0))
    lp.rows("own_funded_within_wte", "£ a year", pots * groups, [h for h in numbers.here for _ in pots], -math.inf, 0.0,
            np.concatenate([np.arange(paid.size), np.tile(position, 2)]), np.concatenate([paid.ravel(), column]),
            np.concatenate([np.ones(paid.size), value]))
    model.add_terms("own", np.repeat(np.arange(groups), len(pots)), paid, 1.0)
    return [np.concatenate([arrs[0], np.arange(paid.size)]), np.concatenate([arrs[1], paid.ravel()]),
            np.concatenate([arrs[2], -np.ones(paid.size)])]


def add_top_up_budgets(model, numbers: YearNumbers) -> None:
    """Own money stays within the top-up budget: in expectation each year, or (robust) in every future that can
    happen. In expected mode with several futures, own money beyond each year's budget in each future is a column
    too (`beyond_budget`, free in the first two stages), whose discounted sum breaks ties (`PlanModel.compiled`)."""
    inputs, lp = model.inputs, model.lp
    p = inputs.probabilities
    groups = len(model.groups)
    group, column, value = (np.concatenate(parts) for parts in zip(*[
        (g, c, np.broadcast_to(v, c.shape)) for g, c, v in model.terms["own"]]))
    if model.mode == "robust":
        lp.rows("top_up_budget", "£ a year", [None] * groups, numbers.here, -math.inf, numbers.budget, group, column, value)
        return
    share = np.array([sum(p[s] for _, s in members) for members in model.groups])
    years = len(inputs.years)
    budget = np.zeros(years)
    for (t, s), period in inputs.periods.items():
        budget[t] += p[s] * period.top_up_budget_gbp
    lp.rows("top_up_budget", "£ a year", [None] * years, [(t, None) for t in range(years)], -math.inf, budget,
            numbers.year[group], column, value * share[group])
    if len(inputs.futures) > 1:
        beyond = lp.columns([f"beyond_budget({at})" for at in numbers.at])
        lp.rows("beyond_budget", "£ a year", [None] * groups, numbers.here, -math.inf, numbers.budget,
                np.concatenate([group, np.arange(groups)]), np.concatenate([column, beyond]),
                np.concatenate([value, -np.ones(groups)]))
        model.beyond_col = beyond
