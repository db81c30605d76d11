"""Answers read off a solved model: one question per function, each a tidy table with units in its columns."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from optimiser.inputs import ModelInputs
from optimiser.model import ConstraintInfo, SkillMixModel
from optimiser.solve import Solution

BINDING_TOLERANCE = 1e-6
CARE_UNIT = "weighted contacts a year"


@dataclass
class Result:
    model: SkillMixModel
    solution: Solution

    @property
    def inputs(self) -> ModelInputs:
        return self.model.inputs

    @property
    def scenario(self):
        return self.model.inputs.scenario

    @property
    def status_text(self) -> str:
        if self.solution.proven_optimal:
            return f"optimal (proven by {self.solution.solver})"
        return f"{self.solution.status}: NOT proven optimal"

    # ------------------------------------------------------------ the mix
    @cached_property
    def _full_mix(self) -> pd.DataFrame:
        roles = self.inputs.allowed_roles
        value = self.solution.value
        total = np.round([value(self.model.wte[r]) for r in roles.index], 9) + 0.0
        assigned = dict.fromkeys(roles.index, 0.0)
        for (r, _), variable in self.model.assigned.items():
            assigned[r] += value(variable)
        in_post = roles["in_post_wte"].to_numpy()

        def per_wte(column: str) -> np.ndarray:
            return total * roles[column].to_numpy()

        table = pd.DataFrame(
            {
                "role_name": roles["role_name"],
                "in_post_wte": in_post,
                "new_wte": np.maximum(total - in_post, 0.0),
                "reduced_wte": np.maximum(in_post - total, 0.0),
                "total_wte": total,
                "cap_wte": roles["cap_wte"],
                "published_cap_wte": roles["published_cap_wte"],
                "cost_gbp_per_year": per_wte("cost_per_wte_gbp"),
                "arrs_claimed_gbp_per_year": per_wte("claim_per_wte_gbp"),
                "co_funder_gbp_per_year": per_wte("co_funder_per_wte_gbp"),
                "top_up_gbp_per_year": per_wte("top_up_per_wte_gbp"),
                "room_sessions_per_week": per_wte("clinical_room_sessions_per_wte"),
                "spare_wte": np.maximum(np.round(total - np.array(list(assigned.values())), 9), 0.0),
                "max_reimbursable_gbp_per_wte": roles["max_reimbursable_gbp"],
                "max_reimbursable_status": roles["max_reimbursable_status"],
                "funding_pot": roles["funding_pot"],
            },
            index=roles.index,
        )
        return table

    def mix(self, include_zero: bool = False) -> pd.DataFrame:
        """WTE per role: in post, new, total, with what each role costs and claims a year."""
        table = self._full_mix.drop(columns="funding_pot")
        if not include_zero:
            table = table[(table["total_wte"] > 1e-9) | (table["in_post_wte"] > 0)]
        return table.sort_values("total_wte", ascending=False, kind="stable")

    # ------------------------------------------------------------ money
    @cached_property
    def _money(self) -> pd.DataFrame:
        mix = self._full_mix
        pot_of, claims = mix["funding_pot"].to_numpy(), mix["arrs_claimed_gbp_per_year"].to_numpy()
        rows = []
        for pot, funding in self.inputs.funding.to_dict("index").items():
            claimed = float(claims[pot_of == pot].sum())
            label = "ARRS sum" if pot == "arrs" else f"ARRS sum ({pot})"
            how = "given in the scenario" if funding["sum_is_given"] else (
                f"weighted population × £{funding['gbp_per_weighted_patient']:.3f} ({funding['status']})"
            )
            rows += [
                (f"{label}", funding["sum_gbp"], how),
                (f"{label}: claimed", claimed, "the lower of cost and the maximum reimbursable amount, × ARRS share"),
                (f"{label}: unspent", funding["sum_gbp"] - claimed, "lost to the PCN: unclaimed ARRS is not carried forward"),
            ]
        rented = self.solution.value(self.model.rented_sessions)
        rent = rented * self.inputs.rent_gbp_per_session_per_year
        staff_top_up = float(mix["top_up_gbp_per_year"].sum())
        rows += [
            ("Top-up budget", self.inputs.top_up_budget_gbp, "PCN's own money"),
            ("Top-up used: staff costs above reimbursement", staff_top_up, ""),
            ("Top-up used: rented room sessions", rent, f"{rented:.1f} sessions a week"),
            ("Top-up unspent", self.inputs.top_up_budget_gbp - staff_top_up - rent, ""),
            ("Paid by co-funders", float(mix["co_funder_gbp_per_year"].sum()), "e.g. the mental health provider's share"),
            ("Total employment cost", float(mix["cost_gbp_per_year"].sum()), "salary + employer NI + pension, all funders"),
        ]
        table = pd.DataFrame(rows, columns=["item", "gbp_per_year", "note"]).set_index("item")
        table["gbp_per_year"] = table["gbp_per_year"].astype(float).round(2) + 0.0  # no "-0"
        return table

    def money(self) -> pd.DataFrame:
        """Where the money comes from and goes, £ a year; unspent ARRS is money the PCN loses."""
        return self._money.copy()

    # ------------------------------------------------------------ care
    @cached_property
    def _care(self) -> pd.DataFrame:
        categories = self.inputs.categories
        served = dict.fromkeys(categories.index, 0.0)
        for (r, d), contacts in self.inputs.productivity.items():
            served[d] += contacts * self.solution.value(self.model.assigned[r, d])
        demand = categories["demand_contacts_per_year"].to_numpy()
        delivered = np.clip(np.array(list(served.values())), 0.0, demand)
        table = pd.DataFrame(
            {
                "category_name": categories["category_name"],
                "demand_contacts_per_year": demand,
                "served_contacts_per_year": delivered.round(6),
                "unmet_contacts_per_year": np.maximum(demand - delivered, 0.0).round(6),
                "served_share": np.divide(delivered, demand, out=np.ones_like(demand), where=demand > 0),
                "priority_weight": categories["priority_weight"],
            },
            index=categories.index,
        )
        return table

    def care(self) -> pd.DataFrame:
        """Contacts a year needed, delivered and unmet, per demand category."""
        return self._care.copy()

    def care_by_role(self) -> pd.DataFrame:
        """Contacts a year each role delivers in each category (the staffing plan behind `care`)."""
        rows = [
            (r, d, self.solution.value(self.model.assigned[r, d]), contacts * self.solution.value(self.model.assigned[r, d]))
            for (r, d), contacts in self.inputs.productivity.items()
        ]
        table = pd.DataFrame(rows, columns=["role", "category", "assigned_wte", "contacts_per_year"])
        return table[table["assigned_wte"] > 1e-9].set_index(["role", "category"])

    # ------------------------------------------------------------ why
    def constraints(self, only_binding: bool = False) -> pd.DataFrame:
        """Constraints with their limit, use, slack and marginal value (care per unit of the limit)."""
        registry = self.model.registry
        limit = np.array([-info.constraint.constant for info in registry], dtype=float)
        used = self.solution.row_activity
        slack = np.abs(limit - used)
        keep = np.arange(len(registry))
        if only_binding:
            keep = np.flatnonzero(slack <= BINDING_TOLERANCE * np.maximum(np.abs(limit), 1.0))
        table = pd.DataFrame(
            {
                "family": [registry[i].family for i in keep],
                "label": [registry[i].label for i in keep],
                "unit": [registry[i].unit for i in keep],
                "limit": limit[keep],
                "used": used[keep],
                "slack": slack[keep],
                "marginal_care_per_unit": self.solution.marginal_care[keep],
            },
            index=pd.Index([registry[i].name for i in keep], name="constraint"),
        )
        return table

    def binding_constraints(self) -> pd.DataFrame:
        """The limits that shape the answer, each explained in words with its marginal value."""
        binding = self.constraints(only_binding=True)
        binding = binding[binding["family"] != "role_time"]
        binding = binding[(binding["family"] != "in_post_floor") | (binding["marginal_care_per_unit"].abs() > 1e-9)]
        records = binding.to_dict("records")
        binding["marginal_value"] = [_marginal_in_user_units(row) for row in records]
        binding["marginal_value_unit"] = [_marginal_unit(row) for row in records]
        binding["explanation"] = [
            explain_binding(info, row, self.inputs) for info, row in zip(self._infos(binding.index), records)
        ]
        order = np.argsort(-binding["marginal_value"].abs().to_numpy(), kind="stable")
        return binding.iloc[order][["family", "label", "unit", "limit", "used", "marginal_value", "marginal_value_unit", "explanation"]]

    def _infos(self, names) -> list[ConstraintInfo]:
        by_name = {info.name: info for info in self.model.registry}
        return [by_name[n] for n in names]

    def summary(self) -> dict[str, float | str | bool]:
        """Headline numbers of the answer, one value each, units in the keys."""
        money = self._money["gbp_per_year"]
        care = self._care
        mix = self._full_mix
        unspent = sum(v for k, v in money.items() if k.startswith("ARRS sum") and k.endswith("unspent"))
        return {
            "pcn": self.scenario.pcn.name,
            "year": self.scenario.year,
            "status": self.solution.status,
            "proven_optimal": self.solution.proven_optimal,
            "total_wte": float(mix["total_wte"].sum()),
            "new_wte": float(mix["new_wte"].sum()),
            "arrs_sum_gbp_per_year": float(self.inputs.funding["sum_gbp"].sum()),
            "arrs_claimed_gbp_per_year": float(mix["arrs_claimed_gbp_per_year"].sum()),
            "arrs_unspent_gbp_per_year": float(unspent),
            "top_up_used_gbp_per_year": float(money["Top-up used: staff costs above reimbursement"] + money["Top-up used: rented room sessions"]),
            "total_cost_gbp_per_year": float(self.solution.total_cost_gbp),
            "demand_contacts_per_year": float(care["demand_contacts_per_year"].sum()),
            "served_contacts_per_year": float(care["served_contacts_per_year"].sum()),
            "unmet_contacts_per_year": float(care["unmet_contacts_per_year"].sum()),
            "weighted_care_per_year": float(self.solution.care),
            "rented_sessions_per_week": self.solution.value(self.model.rented_sessions),
        }


# ---------------------------------------------------------------- words


def _marginal_in_user_units(row) -> float:
    per_unit = row["marginal_care_per_unit"]
    return per_unit * 1000 if row["unit"] == "£ a year" else per_unit


def _marginal_unit(row) -> str:
    per = {"£ a year": "£1,000 a year", "room sessions a week": "room session a week",
           "desk sessions a week": "desk session a week", "WTE": "WTE", "contacts a year": "contact of demand",
           "posts": "post"}[row["unit"]]
    return f"{CARE_UNIT} per extra {per}"


def explain_binding(info: ConstraintInfo, row: dict, inputs: ModelInputs) -> str:
    """One plain-English sentence per binding limit, built from the registry entry, not its name."""
    gain = _marginal_in_user_units(row)
    label = info.label
    role = inputs.roles["role_name"].get(label, label) if label else None
    if info.family in ("role_cap", "recruitment_limit", "clinical_rooms", "desk_space", "arrs_budget", "top_up_budget") and abs(gain) < 0.5:
        what = {"role_cap": f"The cap on {role}", "recruitment_limit": f"The recruitment limit for {role}",
                "clinical_rooms": "Clinical room space", "desk_space": "Desk space",
                "arrs_budget": f"The ARRS sum ({label})", "top_up_budget": "The top-up budget"}[info.family]
        return f"{what} is reached, but more would add no care: other roles can do the same work at the same cost."
    if info.family == "arrs_budget":
        return f"The ARRS sum ({label}) is fully claimed: £1,000 more a year would deliver about {gain:,.0f} more {CARE_UNIT}."
    if info.family == "top_up_budget":
        return f"The top-up budget (£{row['limit']:,.0f}) is fully used: £1,000 more a year would deliver about {gain:,.0f} more {CARE_UNIT}."
    if info.family == "clinical_rooms":
        return f"Clinical rooms are full ({row['limit']:,.1f} sessions a week): one more room session a week would deliver about {gain:,.0f} more {CARE_UNIT}."
    if info.family == "desk_space":
        return f"Desks are full ({row['limit']:,.1f} sessions a week): one more desk session a week would deliver about {gain:,.0f} more {CARE_UNIT}."
    if info.family == "role_cap":
        return f"The cap of {row['limit']:g} WTE on {role} binds: lifting it by one WTE would deliver about {gain:,.0f} more {CARE_UNIT}."
    if info.family == "recruitment_limit":
        return f"{role}: the PCN cannot recruit more than this year's limit ({row['limit']:g} WTE in total); one more WTE would deliver about {gain:,.0f} more {CARE_UNIT}."
    if info.family == "in_post_floor":
        return f"{role}: keeping the {row['limit']:g} WTE in post costs about {-gain:,.0f} {CARE_UNIT} per WTE against the best use of that money and space."
    if info.family == "demand_cover":
        name = inputs.categories["category_name"].get(label, label)
        return f"All {name} demand ({row['limit']:,.0f} contacts a year) is met; more staff for it would add nothing."
    if info.family == "whole_posts":
        return f"{role}: posts must be whole."
    return f"{info.name} binds."


# ---------------------------------------------------------------- side by side


def tables(result: Result) -> dict[str, pd.DataFrame]:
    """Every answer table of a result, named as they are written to files."""
    summary = pd.DataFrame([result.summary()])
    return {
        "summary": summary,
        "mix": result.mix(include_zero=True).reset_index(),
        "money": result.money().reset_index(),
        "care": result.care().reset_index(),
        "care_by_role": result.care_by_role().reset_index(),
        "binding_constraints": result.binding_constraints().reset_index(),
    }


def compare_mix(baseline: Result, other: Result) -> pd.DataFrame:
    """Total WTE per role in both results and the change, for roles present in either."""
    a = baseline.mix()["total_wte"].rename("baseline_wte")
    b = other.mix()["total_wte"].rename("other_wte")
    table = pd.concat([a, b], axis=1).fillna(0.0)
    names = pd.concat([baseline.inputs.roles["role_name"], other.inputs.roles["role_name"]])
    table.insert(0, "role_name", names[~names.index.duplicated()].reindex(table.index))
    table["change_wte"] = table["other_wte"] - table["baseline_wte"]
    table.index.name = "role"
    return table.sort_values("other_wte", ascending=False)


def compare_summary(baseline: Result, other: Result) -> pd.DataFrame:
    """Headline numbers in both results and the change."""
    a, b = baseline.summary(), other.summary()
    keys = [k for k, v in a.items() if isinstance(v, float)]
    table = pd.DataFrame({"baseline": [a[k] for k in keys], "other": [b[k] for k in keys]}, index=pd.Index(keys, name="measure"))
    table["change"] = table["other"] - table["baseline"]
    return table


def compare_care(baseline: Result, other: Result) -> pd.DataFrame:
    a = baseline.care()["served_contacts_per_year"].rename("baseline_served_contacts_per_year")
    b = other.care()["served_contacts_per_year"].rename("other_served_contacts_per_year")
    table = pd.concat([baseline.care()["category_name"], a, b], axis=1)
    table["change_contacts_per_year"] = table.iloc[:, 2] - table.iloc[:, 1]
    return table
