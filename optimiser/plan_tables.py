"""Tables read off a solved plan: the mix, money, need met and what limits you, per year and per future.

Each year's care, cost and own money are vectors over the LP's columns (`PlanModel`), read with the solution's values;
single columns are read by their place in the LP.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from optimiser import constraints
from optimiser.plan_lp import ABSENT
from optimiser.plan_model import PlanModel
from optimiser.results.numbers import BINDING_TOLERANCE, STAFFED_WTE, at_bounds
from optimiser.solve import Solution
from optimiser.valuation import care_unit

BOOKKEEPING = {"staff_flow", "role_time", "valued_care", "whole_posts", "lowest_share", "beyond_budget"}
LIMIT_WORDS = {
    "arrs_budget": ("the ARRS sum is fully claimed", "£1,000 more ARRS", 1000.0),
    "top_up_budget": ("own money is at the top-up budget", "£1,000 more top-up", 1000.0),
    "clinical_rooms": ("clinical rooms are full", "one more room session a week", 1.0),
    "desk_space": ("desks are full", "one more desk session a week", 1.0),
    "role_cap": ("{role} is at its cap", "one more WTE of cap", 1.0),
    "recruitment_limit": ("{role}: as many recruited as the limit allows", "one more WTE recruitable", 1.0),
    "demand_cover": ("all of the need for {category} is met", "1,000 more contacts of need", 1000.0),
    "supervision": ("{supervisor} is fully used", "one more hour of supervision a week", 1.0),
}
"""Each limit family: what binding means in words, and the unit its marginal value is given per."""
ON_AVERAGE = "on average over the futures"
"""Where an expected-value top-up budget binds: own money weighted by each future's chance, not in any one future."""

YEAR_COLUMNS = {
    "future": ("Future", None),
    "year": ("Year", None),
    "probability": ("Chance", 2),
    "total_wte": ("Staff (WTE)", 1),
    "new_wte": ("New staff (WTE)", 1),
    "own_funded_wte": ("Staff paid from own money (WTE)", 1),
    "arrs_sum_gbp_per_year": ("ARRS sum (£ a year)", 0),
    "arrs_claimed_gbp_per_year": ("ARRS claimed (£ a year)", 0),
    "arrs_unspent_gbp_per_year": ("ARRS unspent (£ a year)", 0),
    "in_post_beyond_arrs_gbp_per_year": ("Claimed beyond the ARRS sum for staff in post (£ a year)", 0),
    "own_money_gbp_per_year": ("Own money (£ a year)", 0),
    "top_up_budget_gbp_per_year": ("Top-up budget (£ a year)", 0),
    "own_money_over_budget_gbp_per_year": ("Over the top-up budget (£ a year)", 0),
    "total_cost_gbp_per_year": ("Total cost (£ a year)", 0),
    "demand_contacts_per_year": ("Need (contacts a year)", 0),
    "served_contacts_per_year": ("Need met (contacts a year)", 0),
    "need_met_share": ("Need met (%)", 2),
    "care_value_per_year": ("Care", 1),
}
"""Each column of `years()`: its heading in words with its unit, and the decimals people read (None: text)."""
YEAR_FORMATS = {c: "£{:,.0f}" if "_gbp" in c else "{:.0%}" if c.endswith("_share") or c == "probability" else f"{{:,.{d}f}}"
                for c, (_, d) in YEAR_COLUMNS.items() if d is not None}
"""How each number of `years()` is shown: whole £, shares as percentages."""


@dataclass
class PlanTables:
    model: PlanModel
    solution: Solution

    @property
    def inputs(self):
        return self.model.inputs

    @property
    def care_words(self) -> str:
        """The plan's care unit: each year's care valued as `solve` values it ("points of care score")."""
        return care_unit(self.inputs.scenario.policy.valuation).name.removesuffix(" a year")

    @property
    def care_heading(self) -> str:
        """A year's care in words that cannot be read as a score out of 100: points stay on the first year's
        scale, so a growing need met well scores above 100."""
        if self.inputs.scenario.policy.valuation == "contacts":
            return f"Care ({self.care_words})"
        return f"Care (points; 100 = {self.inputs.years[0]}'s need all met)"

    def _value(self, expression) -> float:
        """A year's care, cost or own money (a vector over the LP's columns), or a few columns' weighted sum."""
        if isinstance(expression, np.ndarray):
            return float(expression @ self.solution.values[: len(expression)])
        return float(sum(c * self._var(v) for v, c in expression.items()))

    def _var(self, column) -> float:
        if column is None or column.index == ABSENT:
            return 0.0
        return self._values[column.index] if column.index >= 0 else self.solution.value(column)

    @cached_property
    def _values(self) -> list[float]:
        """The solution's column values as floats (read one by one, a list is quicker than an array)."""
        return self.solution.values.tolist()

    # ------------------------------------------------------------ decisions
    def first_year_decisions(self) -> dict[str, tuple[float, float]]:
        """Role → (new WTE, reduced WTE) in the first year: the decisions made before the future is known."""
        return dict(self._first_year)

    @cached_property
    def _first_year(self) -> dict[str, tuple[float, float]]:
        model = self.model
        return {
            r: (round(float(self._var(model.new[r, 0, ""])), 9), round(float(self._var(model.reduced.get((r, 0, "")))), 9))
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
                rows.append((s, period.year, r, names[r], before - leaving, wte, self._var(model.new[r, *at]), leaving,
                             self._value(model.staffed(r, t, s))))
        table = pd.DataFrame(rows, columns=["future", "year", "role", "role_name", "kept_wte", "total_wte", "new_wte", "leaving_wte",
                                            "worked_wte_years"])
        table = _without_dust(table, table.pop("kept_wte"))
        numbers = ["total_wte", "new_wte", "leaving_wte", "worked_wte_years"]
        table[numbers] = table[numbers].round(6) + 0.0
        if not include_zero:
            staffed = table.groupby("role")["total_wte"].transform("max") > STAFFED_WTE
            table = table[staffed]
        return table.reset_index(drop=True)

    def role_years(self, include_zero: bool = False) -> pd.DataFrame:
        """Per role, year and future: WTE carried in (after leavers), new, total at the year's end, and what the role
        costs, claims from ARRS and needs of own money that year (£; first-year posts from their start month).

        Summed over roles, money equals `years()` less rent (ARRS claims: claimed within the sum plus staff in post
        beyond it): the same expressions the plan's LP adds up.
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
            "worked_wte_years", "own_funded_wte", "cost_gbp_per_year", "arrs_claimed_gbp_per_year", "own_money_gbp_per_year",
            "room_sessions_per_week"])
        table = _without_dust(table, table["in_post_wte"])
        numbers = [c for c in table.columns if c.endswith(("_wte", "_wte_years", "_week"))]
        table[numbers] = table[numbers].round(6) + 0.0
        money = [c for c in table.columns if "_gbp" in c]
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
            own_funded = {r: self._var(model.own_funded.get((r, t, s))) for r in roles["role_name"]}
            beyond = sum(period.in_post_beyond_arrs_gbp.values())
            claimed = sum(v for (y, f, _), v in self._claimed_by_pot.items() if (y, f) == (t, s)) - beyond
            arrs = sum(period.arrs_sums_gbp.values())
            own = self._value(model.own_money_by_period[t, s])
            need = sum(period.need_contacts_per_year.values())
            served = sum(c * self._var(model.assigned[r, d, t, s]) for (r, d), c in inputs.base.contacts_by_pair.items())
            rows.append({
                "future": s, "year": period.year, "probability": inputs.probabilities[s],
                "total_wte": sum(self._var(model.stock[r, *at]) for r in roles["role_name"]),
                "new_wte": sum(self._var(model.new[r, *at]) for r in roles["role_name"]),
                "arrs_sum_gbp_per_year": arrs,
                "own_funded_wte": sum(own_funded.values()),
                "arrs_claimed_gbp_per_year": claimed,
                "arrs_unspent_gbp_per_year": arrs - claimed,
                "in_post_beyond_arrs_gbp_per_year": beyond,
                "own_money_gbp_per_year": own,
                "top_up_budget_gbp_per_year": period.top_up_budget_gbp,
                "own_money_over_budget_gbp_per_year": max(own - period.top_up_budget_gbp, 0.0),
                "total_cost_gbp_per_year": self._value(model.cost_by_period[t, s]),
                "demand_contacts_per_year": need,
                "served_contacts_per_year": served,
                "need_met_share": served / need if need > 0 else 1.0,
                "care_value_per_year": self._value(model.care_by_period[t, s]),
            })
        table = pd.DataFrame(rows)
        money = [c for c in table.columns if "_gbp" in c]
        table[money] = table[money].round(2) + 0.0
        return table

    def years(self) -> pd.DataFrame:
        """Per year and future: staff, money (ARRS claimed, unspent, own money needed) and need met."""
        return self._years.copy()

    def years_in_words(self) -> pd.DataFrame:
        """`years()` for people: headings in words with units, numbers rounded as they are read."""
        table = self.years()
        for column, (_, digits) in YEAR_COLUMNS.items():
            if digits is not None:
                table[column] = table[column].round(digits) + 0.0
        headings = {c: h for c, (h, _) in YEAR_COLUMNS.items()} | {"care_value_per_year": self.care_heading}
        return table[list(YEAR_COLUMNS)].rename(columns=headings)

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
        return pd.DataFrame(rows, columns=["future", "year", "category", "category_name", "demand_contacts_per_year", "served_contacts_per_year",
                                           "share_met"])

    def limits(self) -> pd.DataFrame:
        """What limits the plan, per year and future: binding limits with the care each more unit would add that year."""
        return self._limits.copy()

    @cached_property
    def _limits(self) -> pd.DataFrame:
        model, inputs = self.model, self.inputs
        roles, categories = inputs.base.role_columns["role_name"], inputs.base.categories["category_name"]
        activity, duals = self.solution.row_activity, self.solution.marginal_care
        rows = []
        for positions, block in model.row_blocks(LIMIT_WORDS.keys() - BOOKKEEPING):
            limit = np.where(block.upper < np.inf, block.upper, block.lower)
            binding = ((np.abs(limit - activity[positions]) <= BINDING_TOLERANCE * np.maximum(np.abs(limit), 1.0))
                       & (np.abs(duals[positions]) > 1e-9))
            words, per, unit = LIMIT_WORDS[block.family]
            for k in np.flatnonzero(binding).tolist():
                (t, s), i = block.periods[k], positions[k]
                weight = (1 + inputs.discount_rate) ** -t * (1.0 if s is None else inputs.probabilities[s])
                label = block.labels[k] or ""
                text = words.format(role=roles.get(label, label), category=categories.get(label, label),
                                    supervisor=constraints.label_name(block.family, label, inputs.base))
                if s is None and block.family == "top_up_budget" and model.mode == "expected":
                    s, text = self._budget_on_average(t)
                rows.append((s or "every future", inputs.years[t], block.family, label, text, abs(duals[i]) / weight * unit, per))
        rows = _merge_alike_futures(rows, inputs.futures)
        table = pd.DataFrame(rows, columns=["future", "year", "family", "label", "limit", "care_value_per_unit", "per"])
        return table.sort_values(["year", "future", "care_value_per_unit"], ascending=[True, True, False], kind="stable")

    def _budget_on_average(self, t: int) -> tuple[str | None, str]:
        """An expected-value top-up budget binds on own money weighted by chance: which futures are over it, if any."""
        inputs = self.inputs
        gap = {s: self._value(self.model.own_money_by_period[t, s]) - inputs.periods[t, s].top_up_budget_gbp for s in inputs.futures}
        over = [s for s, v in gap.items() if v > 1.0]
        if not over:
            return None, LIMIT_WORDS["top_up_budget"][0]
        names = over[0] if len(over) == 1 else f"{', '.join(over[:-1])} and {over[-1]}"
        return ON_AVERAGE, f"own money averaged over the futures is at the top-up budget, over it in {names}"

    @cached_property
    def _claimed_by_pot(self) -> dict[tuple[int, str, str], float]:
        """ARRS claimed per year, future and funding pot, £ a year: the staff it funds × each role's claim per WTE."""
        model, inputs = self.model, self.inputs
        roles = inputs.base.role_columns
        claimed = {}
        for (t, s), period in inputs.periods.items():
            for r in roles["role_name"]:
                arrs_funded = self._value(model.staffed(r, t, s)) - self._var(model.own_funded.get((r, t, s)))
                key = (t, s, roles["funding_pot"][r])
                claimed[key] = claimed.get(key, 0.0) + period.claim_per_wte_gbp[r] * arrs_funded
        return claimed

    def _pot_fully_claimed(self, t: int, s: str, pot: str) -> bool:
        period = self.inputs.periods[t, s]
        limit = period.arrs_sums_gbp.get(pot, 0.0) + period.in_post_beyond_arrs_gbp.get(pot, 0.0)
        return limit - self._claimed_by_pot.get((t, s, pot), 0.0) <= 1.0


def _without_dust(table: pd.DataFrame, kept: pd.Series) -> pd.DataFrame:
    """WTE by the rule a one-year result reads its mix with (`at_bounds`): staff at a year's end within STAFFED_WTE of
    those `kept` from the year before are those kept, and new, reduced and own-funded WTE within it of 0 are 0."""
    floors = {"total_wte": kept.to_numpy(float), "new_wte": 0.0, "reduced_wte": 0.0, "own_funded_wte": 0.0}
    return table.assign(**{c: at_bounds(table[c].to_numpy(float), floor) for c, floor in floors.items() if c in table})


def _merge_alike_futures(rows: list[tuple], futures: list[str]) -> list[tuple]:
    """A limit that binds alike in every future (the first year, usually) is one row for 'every future'.
    Rows are (future, year, family, label, words, care value per unit, per)."""
    if len(futures) < 2:
        return rows
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[1:4], []).append(row)
    alike = {key for key, members in groups.items()
             if len({m[0] for m in members}) == len(futures) and len({round(m[5], 6) for m in members}) == 1}
    merged = [("every future", *members[0][1:]) for key, members in groups.items() if key in alike]
    return merged + [row for row in rows if row[1:4] not in alike]
