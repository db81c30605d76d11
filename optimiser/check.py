"""Check a manager's intended mix (the scenario's `plan:` section) without optimising it, beside the best mix.

The plan's WTE per role is taken as given; its staff's time is spread over the needs they can serve so as to
give the most care (the one choice a plan does not state). Money is paid as `solve` pays it: staff in post
beyond the ARRS sum are paid outside ARRS, and planned staff beyond what ARRS can pay are paid wholly from the
PCN's own money (the top-up). Every rule is then checked by arithmetic and each one broken is a sentence; the
best mix under the same rules is found by `optimise` for the comparison.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from optimiser.catalogue import POT_NAMES
from optimiser.errors import ScenarioError, SolverError
from optimiser.inputs import SUPERVISION_WEEKS_PER_YEAR, ModelInputs, prepare
from optimiser.model import build_model
from optimiser.results import Result
from optimiser.scenario import Scenario
from optimiser.solve import compile_model, solve_compiled
from optimiser.words import in_sentence, wte_list

RULE_FAMILIES = {
    "arrs_budget", "top_up_budget", "clinical_rooms", "desk_space", "role_cap", "in_post_floor", "recruitment_limit",
    "supervision", "minimum_post_size", "new_post_bound", "whole_posts",
}
"""Rows a plan is checked against by arithmetic instead of being held to them."""
SHOWN_CHANGE_WTE = 0.05
SHOWN_OWN_FUNDED_WTE = 0.005
"""Posts paid wholly from own money smaller than this are left out of the note (they round to 0.00 WTE)."""
NAMED_OWN_FUNDED_ROLES = 3
"""The note names this many roles paid wholly from own money, largest first; the rest are counted."""
BeyondArrs = Literal["own_money", "breach"]
"""How planned claims beyond the ARRS sum are read: paid from the PCN's own money, as `solve` pays them (the
default), or a broken rule with every planned post ARRS-funded (the reading before own money was counted)."""


@dataclass(frozen=True)
class PotFunding:
    """How the plan's claims on one ARRS pot are paid, £ a year."""

    arrs_sum: float
    claims: float  # every planned WTE at its claim per WTE
    in_post_beyond: float  # claims of staff in post beyond the sum: paid outside ARRS, as `solve` pays them
    own_money: float  # planned claims beyond what ARRS pays: those posts paid wholly from the PCN's own money

    @property
    def arrs_claimed(self) -> float:
        return self.claims - self.in_post_beyond - self.own_money


def pot_funding(inputs: ModelInputs, wte: dict[str, float], beyond_arrs: BeyondArrs = "own_money") -> dict[str, PotFunding]:
    """Per pot: what ARRS pays, what staff in post beyond the sum take outside ARRS, and what falls to own money."""
    roles = inputs.role_columns
    funding = {}
    for pot, total in inputs.arrs_sums_gbp.items():
        claims = sum(roles["claim_per_wte_gbp"][r] * w for r, w in wte.items() if roles["funding_pot"][r] == pot)
        if beyond_arrs == "breach":
            funding[pot] = PotFunding(total, claims, 0.0, 0.0)
            continue
        beyond = min(inputs.in_post_beyond_arrs_gbp.get(pot, 0.0), max(claims - total, 0.0))
        funding[pot] = PotFunding(total, claims, beyond, max(claims - total - beyond, 0.0))
    return funding


def own_funded_wte(inputs: ModelInputs, wte: dict[str, float], funding: dict[str, PotFunding]) -> dict[str, float]:
    """WTE per role paid wholly by the PCN: each role of a pot gives the same share of its claims to own money."""
    roles = inputs.role_columns
    own = {}
    for r, w in wte.items():
        pot = funding.get(roles["funding_pot"][r])
        if pot is not None and pot.own_money > 0 and w > 0 and roles["claim_per_wte_gbp"][r] > 0:
            own[r] = w * pot.own_money / pot.claims
    return own


def own_money_needed(inputs: ModelInputs, wte: dict[str, float], own: dict[str, float]) -> tuple[float, float]:
    """(all of the PCN's own money the plan needs, the part of it paying posts wholly), £ a year: costs above
    reimbursement, posts paid wholly, rented rooms and bought supervision."""
    roles = inputs.role_columns
    rent, bought = _rent_and_supervision_needed(inputs, wte)
    supervision = sum(hours * inputs.supervision_available[p][1] * SUPERVISION_WEEKS_PER_YEAR for p, hours in bought.items())
    wholly = sum(roles["cost_per_wte_gbp"][r] * w for r, w in own.items())
    above = sum(roles["top_up_per_wte_gbp"][r] * (w - own.get(r, 0.0)) for r, w in wte.items())
    return above + wholly + rent * inputs.rent_gbp_per_session_per_year + supervision, wholly


@dataclass
class PlanCheck:
    scenario: Scenario
    planned: Result  # the plan's staff, their time spread to give the most care
    best: Result  # the best mix under the same rules
    breaches: list[str]
    wte: dict[str, float]  # the plan: total WTE per allowed role
    funding: dict[str, PotFunding]  # per pot: how the plan's claims are paid
    own_funded: dict[str, float]  # WTE per role paid wholly from the PCN's own money
    notes: list[str]  # how money beyond the ARRS sum is paid: not a broken rule

    @cached_property
    def summary(self) -> dict[str, float]:
        """Money, rooms and care of the plan: units in the keys; a negative balance is money over the ARRS sum."""
        inputs, wte = self.planned.inputs, self.wte
        roles = inputs.role_columns
        arrs_sum = sum(pot.arrs_sum for pot in self.funding.values())
        claimed = sum(pot.arrs_claimed for pot in self.funding.values())
        money = self.planned.money()["gbp_per_year"]
        top_up, wholly = own_money_needed(inputs, wte, self.own_funded)
        return {
            "total_wte": sum(wte.values()),
            "arrs_sum_gbp_per_year": arrs_sum,
            "arrs_claimable_gbp_per_year": min(claimed, arrs_sum),
            "arrs_balance_gbp_per_year": arrs_sum - claimed,
            "in_post_beyond_arrs_gbp_per_year": sum(pot.in_post_beyond for pot in self.funding.values()),
            "own_funded_wte": sum(self.own_funded.values()),
            "own_funded_gbp_per_year": wholly,
            "top_up_needed_gbp_per_year": top_up,
            "top_up_budget_gbp_per_year": inputs.top_up_budget_gbp,
            "room_sessions_needed_per_week": sum(roles["clinical_room_sessions_per_wte"][r] * w for r, w in wte.items()),
            "room_sessions_free_per_week": inputs.room_sessions_per_week,
            "rented_sessions_per_week": float(self.planned.summary()["rented_sessions_per_week"]),
            "total_cost_gbp_per_year": float(money["Total employment cost"]),
            "care_score": float(self.planned.summary()["care_score"]),
            "best_care_score": float(self.best.summary()["care_score"]),
        }

    def comparison(self) -> pd.DataFrame:
        """WTE per role in the plan and in the best mix, and the change from plan to best."""
        names = self.planned.inputs.role_columns["role_name"]
        best = self.best.mix(include_zero=True)["total_wte"]
        rows = [(r, names[r], self.wte.get(r, 0.0), float(best.get(r, 0.0))) for r in names]
        table = pd.DataFrame(rows, columns=["role", "role_name", "plan_wte", "best_wte"]).set_index("role")
        table["change_wte"] = table["best_wte"] - table["plan_wte"]
        table = table[(table["plan_wte"] > 1e-6) | (table["best_wte"] > 1e-6)]
        return table.sort_values("best_wte", ascending=False)

    def care(self) -> pd.DataFrame:
        """Share of each need met by the plan and by the best mix."""
        plan, best = self.planned.care(), self.best.care()
        return pd.DataFrame({
            "category_name": plan["category_name"],
            "demand_contacts_per_year": plan["demand_contacts_per_year"],
            "plan_served_share": plan["served_share"],
            "best_served_share": best["served_share"],
        })

    def headline(self) -> str:
        """The one sentence a manager reads first: how the best mix differs from the plan, and what it gains."""
        numbers = self.summary
        plan, best = numbers["care_score"], numbers["best_care_score"]
        changes = self.comparison()
        moved = changes[changes["change_wte"].abs() >= SHOWN_CHANGE_WTE]
        moved = moved.reindex(moved["change_wte"].abs().sort_values(ascending=False).index)
        moves = ", ".join(f"{'+' if row['change_wte'] > 0 else '−'}{abs(row['change_wte']):.1f} "
                          f"{in_sentence(row['role_name'])}" for _, row in moved.iterrows())
        cost = self.best.summary()["total_cost_gbp_per_year"] - numbers["total_cost_gbp_per_year"]
        money = f"for £{abs(cost):,.0f} a year {'more' if cost > 0 else 'less'}" if abs(cost) >= 500 else "for the same money"
        rules = (f"Your plan breaks {len(self.breaches)} rule{'s' if len(self.breaches) != 1 else ''} (below). "
                 if self.breaches else "Your plan keeps every rule. ")
        if not moves:
            return rules + f"It is as good as the best mix: care score {plan:.1f} of 100."
        gain = best - plan
        share = f" ({gain / plan:+.0%} on your plan's {plan:.1f})" if plan > 0 else ""
        verb = "meets more need" if gain > 0.05 else "meets as much need"
        return (f"{rules}The best mix within the rules {verb} — care score {best:.1f} of 100, {gain:+.1f} points{share} — "
                f"{money}: {moves}.")


def planned_wte(scenario: Scenario, inputs: ModelInputs) -> dict[str, float]:
    """The plan's total WTE per allowed role; roles it leaves out keep the staff in post."""
    in_post = inputs.role_columns["in_post_wte"]
    return {r: float(scenario.plan.get(r, in_post[r])) for r in in_post}


def check_plan(scenario: Scenario, beyond_arrs: BeyondArrs = "own_money") -> PlanCheck:
    """The plan's money, rooms, supervision and care, every rule it breaks, and the best mix beside it."""
    from optimiser.pipeline import optimise

    if not scenario.plan:
        raise ScenarioError(["plan: the scenario has no plan to check; add e.g. plan: {clinical_pharmacist: 3, care_coordinator: 2}"])
    free = scenario.model_copy(update={"plan": None, "policy": scenario.policy.model_copy(update={"min_post_wte": 0.0, "whole_posts": False})})
    inputs = prepare(free)
    wte = planned_wte(scenario, inputs)
    model = build_model(inputs)
    lp = compile_model(model)
    lower, upper = lp.column_lower.copy(), lp.column_upper.copy()
    row_lower, row_upper = lp.row_lower.copy(), lp.row_upper.copy()
    for i, info in enumerate(model.registry):
        if info.family in RULE_FAMILIES:
            row_lower[i], row_upper[i] = -np.inf, np.inf
    column = {name: j for j, name in enumerate(lp.column_names)}
    fixed = {v.name: wte[r] for r, v in model.wte.items()}
    funding = pot_funding(inputs, wte, beyond_arrs)
    own = own_funded_wte(inputs, wte, funding)
    fixed |= {v.name: own.get(r, 0.0) for r, v in model.own_funded.items()}
    rent, bought = _rent_and_supervision_needed(inputs, wte)
    if model.rented_sessions is not None:
        fixed[model.rented_sessions.name] = rent
    fixed |= {v.name: bought.get(p, 0.0) for p, v in model.bought_supervision.items()}
    for name, value in fixed.items():
        lower[column[name]] = upper[column[name]] = value
    solution = solve_compiled(dataclasses.replace(lp, column_lower=lower, column_upper=upper, row_lower=row_lower, row_upper=row_upper))
    if not solution.proven_optimal:
        raise SolverError(f"{scenario.pcn.name}: the solver stopped ({solution.status}) while spreading the plan's staff over the needs")
    planned = Result(model=model, solution=solution)
    best = optimise(scenario.model_copy(update={"plan": None}))
    return PlanCheck(scenario=scenario, planned=planned, best=best, breaches=rules_broken(scenario, inputs, wte, funding, own), wte=wte,
                     funding=funding, own_funded=own, notes=funding_notes(inputs, funding, own))


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
            notes.append(f"The plan claims £{paid.own_money:,.0f} a year more than the {label} can pay, so {_own_posts(shares, names)} "
                         "wholly from the PCN's own money (the top-up budget).")
    return notes


def _own_posts(own: dict[str, float], names) -> str:
    """'0.49 WTE clinical pharmacist, 0.29 WTE care co-ordinator and 0.30 WTE in 2 other roles are paid': the largest
    posts by name, the rest counted, posts under SHOWN_OWN_FUNDED_WTE left out."""
    shown = sorted(((w, r) for r, w in own.items() if w >= SHOWN_OWN_FUNDED_WTE), reverse=True)
    if not shown:
        return f"under {SHOWN_OWN_FUNDED_WTE:g} WTE of posts is paid"
    return f"{wte_list(shown, names, NAMED_OWN_FUNDED_ROLES, digits=2)} {'is' if len(shown) == 1 else 'are'} paid"


def _rent_and_supervision_needed(inputs: ModelInputs, wte: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Room sessions the plan must rent (within what can be rented) and supervision hours it must buy (where priced)."""
    rooms = sum(inputs.role_columns["clinical_room_sessions_per_wte"][r] * w for r, w in wte.items())
    rent = min(max(rooms - inputs.room_sessions_per_week, 0.0), inputs.rentable_sessions_per_week)
    bought = {}
    for p, (hours, price) in inputs.supervision_available.items():
        if price is not None:
            bought[p] = max(_supervision_needed(inputs, wte, p) - hours, 0.0)
    return rent, bought


def _supervision_needed(inputs: ModelInputs, wte: dict[str, float], profession: str) -> float:
    return sum(per_wte * wte.get(r, 0.0) for r, (who, per_wte) in inputs.supervision_needs.items() if who == profession)


def rules_broken(scenario: Scenario, inputs: ModelInputs, wte: dict[str, float], funding: dict[str, PotFunding],
                 own: dict[str, float]) -> list[str]:
    """Every rule the plan breaks, one sentence each, with the amount by which it is broken."""
    roles, policy = inputs.role_columns, scenario.policy
    name = roles["role_name"]
    broken = []
    for pot, paid in funding.items():
        if paid.arrs_claimed > paid.arrs_sum + 0.5:
            broken.append(f"Over the {POT_NAMES.get(pot, pot)} by £{paid.arrs_claimed - paid.arrs_sum:,.0f} a year: the plan would "
                          f"claim £{paid.arrs_claimed:,.0f} but the sum is £{paid.arrs_sum:,.0f}.")
    top_up, wholly = own_money_needed(inputs, wte, own)
    if top_up > inputs.top_up_budget_gbp + 0.5:
        spent = (f"£{wholly:,.0f} for posts beyond the ARRS sum paid wholly by the PCN; the rest for costs above reimbursement, "
                 "rent and supervision bought" if wholly > 0.5 else "costs above reimbursement, rent, supervision bought")
        broken.append(f"Needs £{top_up:,.0f} a year of top-up ({spent}) but the top-up "
                      f"budget is £{inputs.top_up_budget_gbp:,.0f}: £{top_up - inputs.top_up_budget_gbp:,.0f} over.")
    rooms = sum(roles["clinical_room_sessions_per_wte"][r] * w for r, w in wte.items())
    room_limit = inputs.room_sessions_per_week + inputs.rentable_sessions_per_week
    if rooms > room_limit + 1e-6:
        rentable = f" and {inputs.rentable_sessions_per_week:g} could be rented" if inputs.rentable_sessions_per_week else ""
        broken.append(f"More room sessions than free: the plan needs {rooms:,.1f} clinical room sessions a week but "
                      f"{inputs.room_sessions_per_week:g} are free{rentable}: {rooms - room_limit:,.1f} over.")
    if inputs.desk_sessions_per_week is not None:
        desks = sum(roles["desk_sessions_per_wte"][r] * w for r, w in wte.items())
        if desks > inputs.desk_sessions_per_week + 1e-6:
            broken.append(f"Needs {desks:,.1f} desk sessions a week but {inputs.desk_sessions_per_week:g} are available.")
    for r, w in wte.items():
        in_post, cap, most = roles["in_post_wte"][r], roles["cap_wte"][r], roles["max_new_wte"][r]
        new = w - in_post
        if not math.isnan(cap) and w > cap + 1e-9:
            broken.append(f"{w:g} WTE of {name[r]} is over its cap of {cap:g} WTE by {w - cap:g}.")
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
        needed = _supervision_needed(inputs, wte, p)
        if price is None and needed > hours + 1e-6:
            broken.append(f"Needs {needed:,.1f} hours a week of {names.get(p, p)} but {hours:g} are available: "
                          f"{needed - hours:,.1f} short.")
    return broken
