"""Check a manager's intended mix (the scenario's `plan:` section) without optimising it, beside the best mix.

The plan's WTE per role is taken as given; its staff's time is spread over the needs they can serve so as to
give the most care (the one choice a plan does not state). Money is paid as `solve` pays it: staff in post
beyond the ARRS sum are paid outside ARRS, and planned staff beyond what ARRS can pay are paid wholly from the
PCN's own money (the top-up). Every rule is then checked by arithmetic and each one broken is a sentence; the
best mix under the same rules is found by `optimise` for the comparison.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from optimiser.errors import ScenarioError, SolverError
from optimiser.check_rules import funding_notes, rules_broken
from optimiser.inputs import ModelInputs, prepare
from optimiser.inputs.supervision import supervision_needed
from optimiser.model import build_model
from optimiser.results import Result
from optimiser.results.numbers import own_money_gbp, role_money
from optimiser.scenario import Scenario
from optimiser.solve import compile_model, solve_compiled
from optimiser.words import counted, in_sentence

RULE_FAMILIES = {
    "arrs_budget", "top_up_budget", "clinical_rooms", "desk_space", "role_cap", "in_post_floor", "recruitment_limit",
    "supervision", "minimum_post_size", "new_post_bound", "whole_posts",
}
"""Rows a plan is checked against by arithmetic instead of being held to them."""
SHOWN_CHANGE_WTE = 0.05
TOTAL_COST_WORDS = "total cost"
"""What the headline's difference in money is a difference of: the total cost the money table shows for the plan and
the best mix (check_table.TOTAL_COST_LABEL), not the employment cost alone, which leaves out rent."""
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
    data = inputs.allowed_data
    claims_by_role = _role_money(inputs, wte, {})["arrs_claimed_gbp_per_year"]
    funding = {}
    for pot, total in inputs.arrs_sums_gbp.items():
        claims = float(claims_by_role[data["funding_pot"] == pot].sum())
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


@dataclass(frozen=True)
class PlanNeeds:
    """The rooms, supervision and own money the plan needs, worked out once from its WTE by the rules every result
    uses (`role_money`, `own_money_gbp`): the rent and bought hours are fixed in the planned model, and the rules are
    checked against the same numbers."""

    room_sessions_per_week: float
    rented_sessions_per_week: float  # beyond the free sessions, within what can be rented
    supervision_hours_per_week: dict[str, float]  # per supervising profession
    bought_hours_per_week: dict[str, float]  # beyond what a profession can give, where an hour has a price
    own_money_gbp: float  # £ a year: costs above reimbursement, posts paid wholly, rent and supervision bought
    own_funded_gbp: float  # £ a year of it for posts paid wholly


def plan_needs(inputs: ModelInputs, wte: dict[str, float], own: dict[str, float]) -> PlanNeeds:
    """What the plan (`wte`, of which `own` paid wholly by the PCN) needs: rent only beyond the free sessions, hours
    bought only beyond what each profession gives."""
    money = _role_money(inputs, wte, own)
    rooms = float(money["room_sessions_per_week"].sum())
    rent = min(max(rooms - inputs.room_sessions_per_week, 0.0), inputs.rentable_sessions_per_week)
    needed = supervision_needed(inputs.supervision_needs, wte)
    bought = {p: max(needed.get(p, 0.0) - hours, 0.0) for p, (hours, price) in inputs.supervision_available.items() if price is not None}
    return PlanNeeds(rooms, rent, needed, bought, own_money_gbp=sum(own_money_gbp(inputs, money, rent, bought)),
                     own_funded_gbp=float(money["own_funded_gbp_per_year"].sum()))


def _role_money(inputs: ModelInputs, wte: dict[str, float], own: dict[str, float]) -> dict[str, np.ndarray]:
    """`role_money` of the plan, in the model's role order."""
    total = np.array([wte[r] for r in inputs.allowed_ids], dtype=float)
    return role_money(inputs.allowed_data, total, np.array([own.get(r, 0.0) for r in inputs.allowed_ids], dtype=float))


@dataclass
class PlanCheck:
    scenario: Scenario
    planned: Result  # the plan's staff, their time spread to give the most care
    best: Result  # the best mix under the same rules
    breaches: list[str]
    wte: dict[str, float]  # the plan: total WTE per allowed role
    funding: dict[str, PotFunding]  # per pot: how the plan's claims are paid
    own_funded: dict[str, float]  # WTE per role paid wholly from the PCN's own money
    needs: PlanNeeds  # rooms, supervision and own money the plan needs
    notes: list[str]  # how money beyond the ARRS sum is paid: not a broken rule

    @cached_property
    def summary(self) -> dict[str, float]:
        """Money, rooms and care of the plan, units in the keys; a negative balance is money over the ARRS sum. Rent and
        care are read from the planned result; money from `needs` and `funding`, which the result cannot hold where the
        PCN has no top-up budget for the posts the plan pays wholly."""
        inputs, planned, needs = self.planned.inputs, self.planned.summary(), self.needs
        arrs_sum = sum(pot.arrs_sum for pot in self.funding.values())
        claimed = sum(pot.arrs_claimed for pot in self.funding.values())
        return {
            "total_wte": planned["total_wte"],
            "arrs_sum_gbp_per_year": arrs_sum,
            "arrs_claimable_gbp_per_year": min(claimed, arrs_sum),
            "arrs_balance_gbp_per_year": arrs_sum - claimed,
            "in_post_beyond_arrs_gbp_per_year": sum(pot.in_post_beyond for pot in self.funding.values()),
            "own_funded_wte": float(sum(self.own_funded.values())),
            "own_funded_gbp_per_year": needs.own_funded_gbp,
            "top_up_needed_gbp_per_year": needs.own_money_gbp,
            "top_up_budget_gbp_per_year": inputs.top_up_budget_gbp,
            "room_sessions_needed_per_week": needs.room_sessions_per_week,
            "room_sessions_free_per_week": inputs.room_sessions_per_week,
            "rented_sessions_per_week": planned["rented_sessions_per_week"],
            "employment_cost_gbp_per_year": float(self.planned.mix(include_zero=True)["cost_gbp_per_year"].sum()),
            "total_cost_gbp_per_year": planned["total_cost_gbp_per_year"],
            "best_total_cost_gbp_per_year": float(self.best.summary()["total_cost_gbp_per_year"]),
            "care_score": planned["care_score"],
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
        moves = ", ".join(f"{'+' if row['change_wte'] > 0 else '−'}{abs(row['change_wte']):.1f} WTE "
                          f"{in_sentence(row['role_name'])}" for _, row in moved.iterrows())
        cost = round(numbers["best_total_cost_gbp_per_year"]) - round(numbers["total_cost_gbp_per_year"])
        money = (f"for £{abs(cost):,.0f} a year {'more' if cost > 0 else 'less'} in {TOTAL_COST_WORDS}" if abs(cost) >= 500
                 else "for the same money")
        rules = f"Your plan breaks {counted(len(self.breaches), 'rule', 'rules')} (below). " if self.breaches else "Your plan keeps every rule. "
        if not moves:
            return rules + f"It is as good as the best mix: care score {plan:.1f} of 100."
        gain = round(best - plan, 1) + 0.0  # never "-0.0 points"
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
        raise ScenarioError(["plan: the scenario has no plan to check; add the total WTE you intend per role, e.g. "
                             "plan: {clinical_pharmacist: 3, care_coordinator: 2} (roles left out keep the staff in post)"])
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
    needs = plan_needs(inputs, wte, own)
    fixed |= {v.name: own.get(r, 0.0) for r, v in model.own_funded.items()}
    if model.rented_sessions is not None:
        fixed[model.rented_sessions.name] = needs.rented_sessions_per_week
    fixed |= {v.name: needs.bought_hours_per_week.get(p, 0.0) for p, v in model.bought_supervision.items()}
    for name, value in fixed.items():
        lower[column[name]] = upper[column[name]] = value
    solution = solve_compiled(dataclasses.replace(lp, column_lower=lower, column_upper=upper, row_lower=row_lower, row_upper=row_upper))
    if not solution.proven_optimal:
        raise SolverError(f"{scenario.pcn.name}: the solver stopped ({solution.status}) while spreading the plan's staff over the needs")
    planned = Result(model=model, solution=solution)
    best = optimise(scenario.model_copy(update={"plan": None}))
    return PlanCheck(scenario=scenario, planned=planned, best=best, breaches=rules_broken(scenario, inputs, wte, funding, needs), wte=wte,
                     funding=funding, own_funded=own, needs=needs, notes=funding_notes(inputs, funding, own))
