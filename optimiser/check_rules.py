"""A checked plan in sentences: every rule it breaks, with the amount, and how money beyond the ARRS sum is paid.
The numbers come from `check.py` (`PotFunding`, `PlanNeeds`), worked out once."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from optimiser.catalogue import POT_NAMES
from optimiser.inputs import ModelInputs
from optimiser.scenario import Scenario
from optimiser.words import in_sentence, sessions, wte_list

if TYPE_CHECKING:
    from optimiser.check import PlanNeeds, PotFunding

SHOWN_OWN_FUNDED_WTE = 0.005
"""Posts paid wholly from own money smaller than this are left out of the note (they round to 0.00 WTE)."""
NAMED_OWN_FUNDED_ROLES = 3
"""The note names this many roles paid wholly from own money, largest first; the rest are counted."""


def funding_notes(inputs: ModelInputs, funding: dict[str, PotFunding], own: dict[str, float]) -> list[str]:
    """How claims beyond each ARRS sum are paid, one sentence each: facts about the plan, not broken rules."""
    names = inputs.role_columns["role_name"]
    notes = []
    for pot, paid in funding.items():
        label = POT_NAMES.get(pot, pot)
        if paid.in_post_beyond > 0.5:
            notes.append(f"Staff in post claim £{paid.in_post_beyond:,.0f} a year beyond the {label}: paid outside ARRS "
                         "(own money or other funding), as the best mix assumes too.")
        if paid.own_money > 0.5:
            shares = {r: w for r, w in own.items() if inputs.role_columns["funding_pot"][r] == pot}
            cost = sum(w * inputs.role_columns["cost_per_wte_gbp"][r] for r, w in shares.items())
            notes.append(f"The plan's ARRS claims are £{paid.own_money:,.0f} a year more than the {label} can pay, so "
                         f"{_own_posts(shares, names)} wholly from the PCN's own money (the top-up budget), at a whole "
                         f"employment cost of £{cost:,.0f} a year.")
    return notes


def _own_posts(own: dict[str, float], names) -> str:
    """'0.49 WTE clinical pharmacist, 0.29 WTE care co-ordinator and 0.30 WTE in 2 other roles are paid': the largest
    posts by name, the rest counted, posts under SHOWN_OWN_FUNDED_WTE left out."""
    shown = sorted(((w, r) for r, w in own.items() if w >= SHOWN_OWN_FUNDED_WTE), reverse=True)
    if not shown:
        return f"under {SHOWN_OWN_FUNDED_WTE:g} WTE of posts is paid"
    return f"{wte_list(shown, names, NAMED_OWN_FUNDED_ROLES, digits=2)} {'is' if len(shown) == 1 else 'are'} paid"


def rules_broken(scenario: Scenario, inputs: ModelInputs, wte: dict[str, float], funding: dict[str, PotFunding],
                 needs: PlanNeeds) -> list[str]:
    """Every rule of `scenario` the plan breaks, one sentence each, with the amount by which it is broken, from what the
    plan needs (`needs`, worked out once)."""
    policy = scenario.policy
    roles = inputs.role_columns
    name = roles["role_name"]
    broken = []
    for pot, paid in funding.items():
        if paid.arrs_claimed > paid.arrs_sum + 0.5:
            broken.append(f"Over the {POT_NAMES.get(pot, pot)} by £{paid.arrs_claimed - paid.arrs_sum:,.0f} a year: the plan would "
                          f"claim £{paid.arrs_claimed:,.0f} but the sum is £{paid.arrs_sum:,.0f}.")
    top_up, wholly = needs.own_money_gbp, needs.own_funded_gbp
    if top_up > inputs.top_up_budget_gbp + 0.5:
        spent = (f"£{wholly:,.0f} of it the whole employment cost of posts beyond the ARRS sum, paid wholly by the PCN; the rest "
                 "for costs above reimbursement, rent and supervision bought" if wholly > 0.5
                 else "costs above reimbursement, rent, supervision bought")
        broken.append(f"Needs £{top_up:,.0f} a year of top-up ({spent}) but the top-up "
                      f"budget is £{inputs.top_up_budget_gbp:,.0f}: £{top_up - inputs.top_up_budget_gbp:,.0f} over.")
    rooms = needs.room_sessions_per_week
    room_limit = inputs.room_sessions_per_week + inputs.rentable_sessions_per_week
    if rooms > room_limit + 1e-6:
        rentable = f" and {sessions(inputs.rentable_sessions_per_week)} could be rented" if inputs.rentable_sessions_per_week else ""
        broken.append(f"More room sessions than free: the plan needs {sessions(rooms)} clinical room sessions a week but "
                      f"{sessions(inputs.room_sessions_per_week)} are free{rentable}: {sessions(rooms - room_limit)} over.")
    if inputs.desk_sessions_per_week is not None:
        desks = sum(roles["desk_sessions_per_wte"][r] * w for r, w in wte.items())
        if desks > inputs.desk_sessions_per_week + 1e-6:
            broken.append(f"Needs {sessions(desks)} desk sessions a week but {sessions(inputs.desk_sessions_per_week)} are available.")
    for r, w in wte.items():
        in_post, cap, most = roles["in_post_wte"][r], roles["cap_wte"][r], roles["max_new_wte"][r]
        new = w - in_post
        if not math.isnan(cap) and w > cap + 1e-9:
            broken.append(f"{w:g} WTE of {in_sentence(name[r])} is over its cap of {cap:g} WTE by {w - cap:g}.")
        if new < -1e-9 and not policy.allow_reducing_in_post:
            broken.append(f"{name[r]}: {w:g} WTE is fewer than the {in_post:g} in post (set policy.allow_reducing_in_post "
                          "if staff would leave).")
        if new > most + 1e-9:
            broken.append(f"{name[r]}: {new:g} new WTE is more than the {most:g} you could recruit (roles.{r}.max_new_wte).")
        if policy.whole_posts and abs(new / policy.post_size_wte - round(new / policy.post_size_wte)) > 1e-6:
            broken.append(f"{name[r]}: {new:+g} WTE is not a whole number of posts of {policy.post_size_wte:g} WTE.")
        elif 1e-9 < new < policy.min_post_wte - 1e-9:
            broken.append(f"{name[r]}: a new post of {new:g} WTE is below the minimum post size ({policy.min_post_wte:g} WTE, "
                          "policy.min_post_wte).")
    from optimiser.assumptions import load_supervision

    names = load_supervision().supervisors["supervisor_name"]
    for p, (hours, price) in inputs.supervision_available.items():
        needed = needs.supervision_hours_per_week.get(p, 0.0)
        if price is None and needed > hours + 1e-6:
            broken.append(f"Needs {needed:,.1f} hours a week of {names.get(p, p)} but {hours:g} are available: "
                          f"{needed - hours:,.1f} short.")
    return broken

