"""Answers read off a solved plan: the mix, money, need met and what limits you, per year and per future,
and the one-line verdict a manager can take to a board."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from optimiser.plan_model import PlanModel
from optimiser.solve import Solution

if TYPE_CHECKING:
    from optimiser.plan import Comparisons

STAFFED_WTE = 1e-6
BINDING_TOLERANCE = 1e-6
OVER_BUDGET_GBP = 500.0
"""Own money above the top-up budget by less than this a year is rounding, not a warning."""
BOOKKEEPING = {"staff_flow", "role_time", "valued_care", "whole_posts", "lowest_share"}
LIMIT_WORDS = {
    "arrs_budget": ("the ARRS sum is fully claimed", "£1,000 more ARRS", 1000.0),
    "top_up_budget": ("own money is at the top-up budget", "£1,000 more top-up", 1000.0),
    "clinical_rooms": ("clinical rooms are full", "one more room session a week", 1.0),
    "desk_space": ("desks are full", "one more desk session a week", 1.0),
    "role_cap": ("{role} is at its cap", "one more WTE of cap", 1.0),
    "recruitment_limit": ("{role}: as many recruited as the limit allows", "one more WTE recruitable", 1.0),
    "demand_cover": ("all of the need for {category} is met", "1,000 more contacts of need", 1000.0),
}
"""Each limit family: what binding means in words, and the unit its marginal value is given per."""


def money_words(gbp: float) -> str:
    return f"£{gbp / 1000:,.0f}k" if abs(gbp) >= 10_000 else f"£{gbp:,.0f}"


@dataclass
class PlanResult:
    model: PlanModel
    solution: Solution
    comparisons: Comparisons | None = None

    @property
    def inputs(self):
        return self.model.inputs

    def _value(self, expression) -> float:
        values = self.solution.values
        return float(sum(c * values.get(v.name, 0.0) for v, c in expression.items()) + expression.constant)

    def _var(self, variable) -> float:
        return self.solution.value(variable)

    # ------------------------------------------------------------ decisions
    def first_year_decisions(self) -> dict[str, tuple[float, float]]:
        """Role → (new WTE, reduced WTE) in the first year: the decisions made before the future is known."""
        model = self.model
        return {
            r: (round(self._var(model.new[r, 0, ""]), 9), round(self._var(model.reduced.get((r, 0, ""))), 9))
            for r in self.inputs.base.role_columns["role_name"]
        }

    def care_value_by_future(self) -> dict[str, float]:
        """Each future's care value over the years, discounted."""
        totals = dict.fromkeys(self.inputs.futures, 0.0)
        for (t, s), care in self.model.care_by_period.items():
            totals[s] += self.inputs.periods[t, s].discount_factor * self._value(care)
        return totals

    # ------------------------------------------------------------ tables
    def mix(self, include_zero: bool = False) -> pd.DataFrame:
        """WTE per role, year and future: in post at the year's end, new, leaving, and WTE-years worked."""
        model, inputs = self.model, self.inputs
        names = inputs.base.role_columns["role_name"]
        rows = []
        for (t, s), period in inputs.periods.items():
            at = model.key(t, s)
            for r in names:
                wte = self._var(model.stock[r, *at])
                before = inputs.base.role_columns["in_post_wte"][r] if t == 0 else self._var(model.stock[r, *model.key(t - 1, s)])
                leaving = 0.0 if t == 0 else before * inputs.leaving_rate[r]
                rows.append((s, period.year, r, names[r], wte, self._var(model.new[r, *at]), leaving,
                             self._value(model.staffed(r, t, s))))
        table = pd.DataFrame(rows, columns=["future", "year", "role", "role_name", "wte", "new_wte", "leaving_wte", "wte_years_worked"])
        numbers = ["wte", "new_wte", "leaving_wte", "wte_years_worked"]
        table[numbers] = table[numbers].round(6) + 0.0
        if not include_zero:
            staffed = table.groupby("role")["wte"].transform("max") > STAFFED_WTE
            table = table[staffed]
        return table.reset_index(drop=True)

    def role_years(self, include_zero: bool = False) -> pd.DataFrame:
        """Per role, year and future: WTE carried in (after leavers), new, total at the year's end, and what the role
        costs, claims from ARRS and needs of own money that year (£; first-year posts from their start month).

        Summed over roles, money equals `years()` less rent: the same expressions the plan's LP adds up.
        """
        model, inputs = self.model, self.inputs
        roles = inputs.base.role_columns
        names, in_post, sessions = roles["role_name"], roles["in_post_wte"], roles["clinical_room_sessions_per_wte"]
        rows = []
        for (t, s), period in inputs.periods.items():
            at = model.key(t, s)
            cost, claim, top_up = period.cost_per_wte_gbp, period.claim_per_wte_gbp, period.top_up_per_wte_gbp
            for r in names:
                kept = in_post[r] if t == 0 else self._var(model.stock[r, *model.key(t - 1, s)]) * (1 - inputs.leaving_rate[r])
                total, worked = self._var(model.stock[r, *at]), self._value(model.staffed(r, t, s))
                own_funded = self._var(model.own_funded.get((r, t, s)))
                rows.append((s, period.year, inputs.probabilities[s], r, names[r], kept, self._var(model.new[r, *at]),
                             self._var(model.reduced.get((r, *at))), total, worked, own_funded, cost[r] * worked,
                             claim[r] * (worked - own_funded), top_up[r] * (worked - own_funded) + cost[r] * own_funded,
                             total * sessions[r]))
        table = pd.DataFrame(rows, columns=[
            "future", "year", "probability", "role", "role_name", "in_post_wte", "new_wte", "reduced_wte", "total_wte",
            "wte_years_worked", "own_funded_wte", "cost_gbp", "arrs_claimed_gbp", "own_money_gbp", "room_sessions_per_week"])
        numbers = [c for c in table.columns if c.endswith(("_wte", "_worked", "_week"))]
        table[numbers] = table[numbers].round(6) + 0.0
        money = [c for c in table.columns if c.endswith("_gbp")]
        table[money] = table[money].round(2) + 0.0
        if not include_zero:
            table = table[table.groupby("role")["total_wte"].transform("max").gt(STAFFED_WTE) | table["in_post_wte"].gt(0)]
        return table.reset_index(drop=True)

    @cached_property
    def _years(self) -> pd.DataFrame:
        model, inputs = self.model, self.inputs
        roles = inputs.base.role_columns
        rows = []
        for (t, s), period in inputs.periods.items():
            at = model.key(t, s)
            claim = period.claim_per_wte_gbp
            own_funded = {r: self._var(model.own_funded.get((r, t, s))) for r in roles["role_name"]}
            claimed = sum(claim[r] * (self._value(model.staffed(r, t, s)) - own_funded[r]) for r in roles["role_name"])
            arrs = sum(period.arrs_sums_gbp.values())
            own = self._value(model.own_money_by_period[t, s])
            need = sum(period.need_contacts_per_year.values())
            served = sum(c * self._var(model.assigned[r, d, t, s]) for (r, d), c in inputs.base.contacts_by_pair.items())
            rows.append({
                "future": s, "year": period.year, "probability": inputs.probabilities[s],
                "wte": sum(self._var(model.stock[r, *at]) for r in roles["role_name"]),
                "new_wte": sum(self._var(model.new[r, *at]) for r in roles["role_name"]),
                "arrs_sum_gbp": arrs,
                "own_funded_wte": sum(own_funded.values()),
                "arrs_claimed_gbp": claimed,
                "arrs_unspent_gbp": arrs - claimed,
                "own_money_gbp": own,
                "top_up_budget_gbp": period.top_up_budget_gbp,
                "own_money_over_budget_gbp": max(own - period.top_up_budget_gbp, 0.0),
                "total_cost_gbp": self._value(model.cost_by_period[t, s]),
                "need_contacts": need,
                "served_contacts": served,
                "need_met_share": served / need if need > 0 else 1.0,
                "care_value": self._value(model.care_by_period[t, s]),
            })
        table = pd.DataFrame(rows)
        money = [c for c in table.columns if c.endswith("_gbp")]
        table[money] = table[money].round(2) + 0.0
        return table

    def years(self) -> pd.DataFrame:
        """Per year and future: staff, money (ARRS claimed, unspent, own money needed) and need met."""
        return self._years.copy()

    def care(self) -> pd.DataFrame:
        """Need and contacts served per category, year and future."""
        inputs = self.inputs
        names = inputs.base.categories["category_name"]
        rows = []
        for (t, s), period in inputs.periods.items():
            served = dict.fromkeys(names.index, 0.0)
            for (r, d), c in inputs.base.contacts_by_pair.items():
                served[d] += c * self._var(self.model.assigned[r, d, t, s])
            for d, need in period.need_contacts_per_year.items():
                got = min(served[d], need)
                rows.append((s, period.year, d, names[d], need, got, got / need if need > 0 else 1.0))
        return pd.DataFrame(rows, columns=["future", "year", "category", "category_name", "need_contacts", "served_contacts", "share_met"])

    def limits(self) -> pd.DataFrame:
        """What limits the plan, per year and future: binding limits with the care each more unit would add that year."""
        model, inputs = self.model, self.inputs
        roles, categories = inputs.base.role_columns["role_name"], inputs.base.categories["category_name"]
        activity, duals = self.solution.row_activity, self.solution.marginal_care
        rows = []
        for i, (info, (t, s)) in enumerate(zip(model.registry, model.row_period)):
            if info.family in BOOKKEEPING or info.family not in LIMIT_WORDS:
                continue
            limit = -info.constraint.constant
            if abs(limit - activity[i]) > BINDING_TOLERANCE * max(abs(limit), 1.0) or abs(duals[i]) <= 1e-9:
                continue
            discount = (1 + inputs.discount_rate) ** -t
            weight = discount * (1.0 if s is None else inputs.probabilities[s])
            if weight <= 0:
                continue
            words, per, unit = LIMIT_WORDS[info.family]
            label = info.label or ""
            text = words.format(role=roles.get(label, label), category=categories.get(label, label))
            rows.append((s or "every future", inputs.years[t], info.family, label, text,
                         abs(duals[i]) / weight * unit, per))
        table = pd.DataFrame(rows, columns=["future", "year", "family", "label", "limit", "care_value_per_unit", "per"])
        table = _merge_alike_futures(table, [s for s in inputs.futures if inputs.probabilities[s] > 0])
        return table.sort_values(["year", "future", "care_value_per_unit"], ascending=[True, True, False], kind="stable")

    # ------------------------------------------------------------ words
    def first_year_forecast(self) -> str:
        """Unspent ARRS this year, given when the first year's new posts start."""
        years, inputs = self._years, self.inputs
        first = years[years["year"] == inputs.years[0]]
        unspent = float((first["arrs_unspent_gbp"] * first["probability"]).sum())
        share = inputs.first_year_share
        start = f"new posts start after a {inputs.lead_time_months:g}-month recruitment lead time (in post {share * 12:g} of 12 months)"
        if inputs.lead_time_months == 0:
            start = "new posts are in post all year"
        return f"This year ({inputs.years[0]}), {start}: {money_words(unspent)} of the ARRS sum would be left unspent."

    def verdict(self) -> str:
        """One line for a board: what to hire now, and whether it stays affordable in every future."""
        base = self.inputs.base.role_columns
        decisions = self.first_year_decisions()
        hires = sorted(((new, r) for r, (new, _) in decisions.items() if new > 0.005), reverse=True)
        cuts = [(cut, r) for r, (_, cut) in decisions.items() if cut > 0.005]
        what = f"Hiring {_wte_list(hires, base['role_name'])} now" if hires else "Hiring no one new now"
        if cuts:
            what += f" (and reducing {_wte_list(cuts, base['role_name'])})"
        years = self._years[self._years["probability"] > 0]
        over = years[years["own_money_over_budget_gbp"] > OVER_BUDGET_GBP]
        if over.empty:
            every = "in every future" if len(self.inputs.futures) > 1 else "in every year of the forecast"
            return f"{what} stays within the top-up budget {every}."
        worst = over.groupby("future")["own_money_over_budget_gbp"].max().idxmax()
        rows = over[over["future"] == worst]
        description = self.inputs.descriptions.get(worst) or worst
        chance = self.inputs.probabilities[worst]
        return (f"{what} needs up to {money_words(rows['own_money_over_budget_gbp'].max())} a year of own money beyond the "
                f"top-up budget from {rows['year'].iloc[0]} if {description} (chance {chance:.0%}).")

    def summary(self) -> dict:
        comparisons = self.comparisons
        summary = {
            "pcn": self.inputs.scenario.pcn.name,
            "first_year": self.inputs.years[0],
            "horizon_years": len(self.inputs.years),
            "mode": self.model.mode,
            "status": self.solution.status,
            "proven_optimal": self.solution.proven_optimal,
            "expected_care_value": float(self.solution.care),
            "discount_rate": self.inputs.discount_rate,
            "first_year_share_in_post": self.inputs.first_year_share,
            "verdict": self.verdict(),
            "this_year": self.first_year_forecast(),
        }
        if comparisons is not None:
            summary |= {
                "wait_and_see_care_value": comparisons.wait_and_see,
                "value_of_knowing_the_future": comparisons.value_of_knowing_the_future,
                "single_forecast": comparisons.forecast,
                "single_forecast_care_value": comparisons.single_forecast,
                "cost_of_a_single_forecast": comparisons.cost_of_a_single_forecast,
            }
        return summary


def _merge_alike_futures(table: pd.DataFrame, futures: list[str]) -> pd.DataFrame:
    """A limit that binds alike in every future (the first year, usually) is one row for 'every future'."""
    if len(futures) < 2 or table.empty:
        return table
    rounded = table.assign(value=table["care_value_per_unit"].round(6))
    groups = rounded.groupby(["year", "family", "label"])
    alike = groups["future"].transform("nunique").eq(len(futures)) & groups["value"].transform("nunique").eq(1)
    merged = table[alike].drop_duplicates(["year", "family", "label"]).assign(future="every future")
    return pd.concat([merged, table[~alike]], ignore_index=True)


def _wte_list(amounts: list[tuple[float, str]], names: dict[str, str], shown: int = 3) -> str:
    """"2.0 WTE care co-ordinator, 1.0 WTE paramedic and 3.1 WTE in 4 other roles": short enough for a board."""
    parts = [f"{wte:.1f} WTE {names[r][0].lower() + names[r][1:]}" for wte, r in amounts[:shown]]
    rest = amounts[shown:]
    if rest:
        parts.append(f"{sum(w for w, _ in rest):.1f} WTE in {len(rest)} other role{'s' if len(rest) > 1 else ''}")
    return _join(parts)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

