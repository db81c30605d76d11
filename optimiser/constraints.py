"""The registry of constraint families: for each, its unit, whether the infeasibility re-solve may relax it, and
the sentences that explain it (binding, with its marginal value; in conflict, with its shortfall).

Results, the infeasibility explanation, the CLI report and the app read this table; none of them branches
on a family's name. Adding a family to the model is its function in `formulation.py` plus one entry here; a family
with no entry is still reported, in plain words ("supervision[gp] binds"), and never relaxed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from optimiser.catalogue import POT_NAMES
from optimiser.words import in_sentence, sessions

Kind = Literal["limit", "need", "floor", "bookkeeping"]
"""limit: reported when binding; need: demand fully met (reported apart); floor: reported only when keeping it
costs care; bookkeeping: only ties variables together, never reported."""


@dataclass(frozen=True)
class Words:
    """What a sentence about one constraint may use: its numbers, its label in words, and the care unit."""

    name: str  # the label in words: role, demand category, funding pot or supervisor ('' if none)
    label: str | None
    limit: float
    gain: float  # care one more unit of the limit would add (binding); the shortfall (conflict)
    more: str  # e.g. "deliver about 311 weighted contacts a year"
    money: str  # the money step, e.g. "£1,000"
    amount: Callable[[float], str]  # care in its unit, e.g. "311 weighted contacts a year"
    left: float = float("inf")  # care still to gain, in the care unit: no sentence claims more
    rented: float = 0.0  # room sessions a week rented in the answer
    rentable: float = 0.0
    bought: float = 0.0  # supervision hours a week bought for this label
    min_post_wte: float = 0.0
    has_top_up: bool = False  # the PCN has a top-up budget, which can pay part of what staff in post cost
    worth_saying: bool = True  # the marginal value is large enough to show in the care unit's precision


@dataclass(frozen=True)
class Family:
    unit: str
    kind: Kind = "limit"
    relaxable: bool = False
    labels: Literal["role", "category", "pot", "supervisor"] | None = None
    what: str = ""  # the limit reached, as a clause, for "…, but more would add no care"
    binding: Callable[[Words], str] | None = None
    conflict: Callable[[Words], str] | None = None
    unspent_reason: str = ""  # why ARRS can be left unspent when this binds
    value_shown: bool = True  # False: tables and the board report give no marginal value; the sentence says what it means


def _supervision_conflict(w: Words) -> str:
    return (f"staff in post need {w.limit + w.gain:,.1f} hours a week of {w.name} but {w.limit:,.1f} are available: "
            f"{w.gain:,.1f} hours short; give more hours (supervision.available.{w.label}.hours_per_week) or a price to buy "
            "them (gbp_per_hour)")


def _rooms_conflict(w: Words) -> str:
    renting = f" and {sessions(w.rented)} of the {sessions(w.rentable)} rentable are rented" if w.rentable else ""
    return (f"staff in post need {sessions(w.limit + w.gain + w.rented)} clinical room sessions a week but {sessions(w.limit)} are "
            f"free{renting}: {sessions(w.gain)} sessions short")


def _in_post_kept(w: Words) -> str:
    """Staff in post are kept, never advice to cut them: the money they take is why less can be hired. The floor's
    marginal value (negative: per WTE kept) times the WTE is the most that money could add elsewhere (the care is
    concave in it); where that reaches the care still to gain it says nothing, so no figure is given."""
    kept = f"{w.name}: the staff in post ({w.limit:g} WTE) are kept"
    if not w.worth_saying:
        return f"{kept}; the money they take would add no measurable care in other roles."
    most = -w.gain * w.limit
    worth = f" (in other roles it would add at most {w.amount(most)})" if most < w.left else ""
    return f"{kept}, and the money they take is part of why less can be hired{worth}."


FAMILIES: dict[str, Family] = {
    "arrs_budget": Family(
        "£ a year", relaxable=True, labels="pot", what="The {name} is fully claimed",
        binding=lambda w: f"The {w.name} is fully claimed: {w.money} more a year would {w.more}.",
        conflict=lambda w: (f"staff already in post claim £{w.limit + w.gain:,.0f} a year of ARRS"
                            + (" beyond what the top-up budget pays," if w.has_top_up else "")
                            + f" but the {w.name} is £{w.limit:,.0f}: £{w.gain:,.0f} short")),
    "top_up_budget": Family(
        "£ a year", relaxable=True, what="The top-up budget is fully used",
        binding=lambda w: f"The top-up budget (£{w.limit:,.0f}) is fully used: {w.money} more a year would {w.more}.",
        conflict=lambda w: (f"costs above reimbursement need £{w.limit + w.gain:,.0f} a year of top-up but the top-up budget "
                            f"is £{w.limit:,.0f}: £{w.gain:,.0f} short"),
        unspent_reason="the top-up budget, which pays costs above reimbursement and rent, is used up"),
    "clinical_rooms": Family(
        "room sessions a week", relaxable=True, what="Clinical rooms are full",
        binding=lambda w: (f"Clinical rooms are full ({sessions(w.limit)} free sessions a week"
                           + (f" plus {sessions(w.rented)} rented" if w.rented > 1e-6 else "")
                           + f"): one more room session a week would {w.more}."),
        conflict=_rooms_conflict, unspent_reason="clinical rooms are full"),
    "desk_space": Family(
        "desk sessions a week", relaxable=True, what="Desks are full",
        binding=lambda w: f"Desks are full ({sessions(w.limit)} sessions a week): one more desk session a week would {w.more}.",
        conflict=lambda w: (f"staff in post need {sessions(w.limit + w.gain)} desk sessions a week but {sessions(w.limit)} are "
                            f"available: {sessions(w.gain)} short"),
        unspent_reason="desks are full"),
    "supervision": Family(
        "supervision hours a week", relaxable=True, labels="supervisor", what="{name} is fully used",
        binding=lambda w: (f"{w.name[:1].upper()}{w.name[1:]} is fully used ({w.limit:,.1f} hours a week"
                           + (f" plus {w.bought:,.1f} bought" if w.bought > 1e-6 else "")
                           + f"): one more hour of {w.name} a week would {w.more}."),
        conflict=_supervision_conflict, unspent_reason="supervision hours are used up"),
    "role_cap": Family(
        "WTE", relaxable=True, labels="role", what="The cap on {name} is reached",
        binding=lambda w: (f"The cap of {w.limit:g} WTE on {in_sentence(w.name)} binds: lifting it by one WTE would let the mix {w.more} "
                           "(directly, or by freeing money and rooms for other roles)."),
        conflict=lambda w: (f"{w.limit + w.gain:g} WTE of {in_sentence(w.name)} are in post but the cap is {w.limit:g} WTE: {w.gain:g} WTE "
                            "over; lift the cap (policy.remove_caps) or reduce in-post staff"),
        unspent_reason="role caps bind"),
    "recruitment_limit": Family(
        "WTE", relaxable=True, labels="role", what="The recruitment limit you set for {name} is reached",
        binding=lambda w: (f"{w.name}: the recruitment limit you set ({w.limit:g} WTE in total, in post + new) is reached; "
                           f"one more WTE would let the mix {w.more} (directly, or by freeing money and rooms for other roles)."),
        conflict=lambda w: (f"{w.name} needs {w.limit + w.gain:g} WTE but in post plus the recruitment limit allow "
                            f"{w.limit:g}: {w.gain:g} WTE short"),
        unspent_reason="recruitment limits are reached"),
    # Its value per WTE kept is negative and reads as advice to cut staff: only the sentence gives it, as what their money buys.
    "in_post_floor": Family("WTE", kind="floor", labels="role", binding=lambda w: _in_post_kept(w), value_shown=False),
    "minimum_post_size": Family(
        "WTE", kind="floor", labels="role",
        binding=lambda w: (f"{w.name}: the new post is the smallest allowed ({w.min_post_wte:g} WTE, policy.min_post_wte); "
                           "the mix would rather have a little less of it"
                           + (f", worth about {w.amount(-w.gain)} per WTE." if w.worth_saying else "."))),
    "demand_cover": Family(
        "contacts a year", kind="need", labels="category",
        binding=lambda w: f"All {w.name} demand ({w.limit:,.0f} contacts a year) is met; more staff for it would add nothing.",
        unspent_reason="some needs are fully met"),
    "whole_posts": Family("posts", kind="bookkeeping", labels="role", binding=lambda w: f"{w.name}: posts must be whole."),
    "role_time": Family("WTE", kind="bookkeeping", labels="role"),
    "valued_care": Family("contacts a year", kind="bookkeeping", labels="category"),
    "lowest_share": Family("contacts a year", kind="bookkeeping", labels="category"),
    "own_funded_within_wte": Family("WTE", kind="bookkeeping", labels="role"),
    "new_post_bound": Family("WTE", kind="bookkeeping", labels="role"),
}

PER_UNIT = {"room sessions a week": "room session a week", "desk sessions a week": "desk session a week", "WTE": "WTE",
            "contacts a year": "contact of demand", "posts": "post", "supervision hours a week": "hour of supervision a week"}
"""What 'one more' of each unit is called in a marginal value; money is per the care unit's money step."""


def family(name: str) -> Family:
    """The registry entry, or a plain fallback for a family not registered yet (reported, never relaxed)."""
    return FAMILIES.get(name) or Family("")


def relaxable(name: str) -> bool:
    return family(name).relaxable


def reported(name: str) -> bool:
    return family(name).kind != "bookkeeping"


def per_unit(unit: str, money_step_gbp: float) -> str:
    return f"£{money_step_gbp:,.0f} a year" if unit == "£ a year" else PER_UNIT.get(unit, unit)


def label_name(name: str, label: str | None, inputs) -> str:
    """A constraint's label in words: the role's, category's, pot's or supervisor's name."""
    if label is None:
        return ""
    kind = family(name).labels
    if kind == "role":
        return str(inputs.roles["role_name"].get(label, label))
    if kind == "category":
        return str(inputs.categories["category_name"].get(label, label))
    if kind == "pot":
        return POT_NAMES.get(label, label)
    if kind == "supervisor":
        from optimiser.assumptions import load_supervision

        return str(load_supervision().supervisors["supervisor_name"].get(label, label))
    return label


def binding_sentence(name: str, constraint_name: str, words: Words, no_gain: bool) -> str:
    entry = family(name)
    if entry.what and no_gain:
        what = entry.what.format(name=in_sentence(words.name))
        return (f"{what[:1].upper()}{what[1:]}, but more would add no care: the money and rooms it would "
                "take do as much in the mix as it is.")
    return entry.binding(words) if entry.binding else f"{constraint_name} binds."


def conflict_sentence(name: str, words: Words) -> str:
    entry = family(name)
    return entry.conflict(words) if entry.conflict else f"{name} {words.label or ''}: {words.gain:,.2f} short"


UNSPENT_ORDER = ("clinical_rooms", "desk_space", "recruitment_limit", "role_cap", "top_up_budget", "demand_cover", "supervision")


def unspent_reasons(binding_families: set[str]) -> list[str]:
    """Why ARRS money is left unspent, from the families that bind (rooms first: the most common reason)."""
    order = [*UNSPENT_ORDER, *(n for n in FAMILIES if n not in UNSPENT_ORDER)]
    return [FAMILIES[n].unspent_reason for n in order if n in binding_families and n in FAMILIES and FAMILIES[n].unspent_reason]
