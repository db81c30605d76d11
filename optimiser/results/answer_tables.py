"""The tables a result exposes, one question per method (`mix()`, `money()`, `care()`, `binding_constraints()`),
each tidy with units in its columns, and `tables()`: all of them as written to files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser import constraints
from optimiser.catalogue import POT_NAMES
from optimiser.inputs.supervision import bought_supervision_gbp, supervision_needed
from optimiser.results.numbers import STAFFED_WTE, SolvedNumbers, exact_wte
from optimiser.results.sentences import explain_binding, marginal_in_user_units, marginal_unit
from optimiser.words import sessions

LEAD_LIMITS = 3
"""The CLI, the app and the board report each lead with this many limits."""
LIMIT_ORDER = ("arrs_budget", "top_up_budget", "clinical_rooms", "desk_space", "supervision", "role_cap", "recruitment_limit",
               "in_post_floor", "minimum_post_size", "whole_posts")


class AnswerTables(SolvedNumbers):
    """A solved model's numbers as tables."""

    # ------------------------------------------------------------ the mix
    def role_rows(self, columns: list[str] | None = None) -> list[dict]:
        """The mix as plain records (roles with staff only), without building a table: for batch outputs. Each record
        holds `columns` in that order (of the role, its name and its numbers; all of them by default)."""
        numbers = self._per_role
        every = {"role": np.array(self.model.layout.roles, dtype=object), "role_name": self.inputs.allowed_data["role_name"], **numbers}
        keep = np.flatnonzero((numbers["total_wte"] > STAFFED_WTE) | (numbers["in_post_wte"] > 0))
        columns = list(every) if columns is None else columns
        return [dict(zip(columns, row)) for row in zip(*(every[c][keep].tolist() for c in columns))]

    def mix(self, include_zero: bool = False) -> pd.DataFrame:
        """WTE per role: in post, new, total, with what each role costs and claims a year."""
        roles = self.inputs.allowed_roles
        numbers = self._per_role
        table = pd.DataFrame(
            {
                "role_name": roles["role_name"],
                **{k: numbers[k] for k in ("in_post_wte", "new_wte", "reduced_wte", "total_wte", "arrs_funded_wte", "own_funded_wte")},
                "cap_wte": roles["cap_wte"],
                "published_cap_wte": roles["published_cap_wte"],
                **{k: v for k, v in numbers.items() if k.endswith(("_per_year", "_per_week")) or k == "spare_wte"},
                "max_reimbursable_gbp_per_wte": roles["max_reimbursable_gbp"],
                "max_reimbursable_status": roles["max_reimbursable_status"],
            },
            index=roles.index,
        )
        if not include_zero:
            table = table[(table["total_wte"] > STAFFED_WTE) | (table["in_post_wte"] > 0)]
        return table.sort_values("total_wte", ascending=False, kind="stable")

    # ------------------------------------------------------------ supervision and money
    def supervision(self) -> pd.DataFrame:
        """Supervision hours a week the mix needs from each supervising profession, beside what is available and bought."""
        from optimiser.assumptions import load_supervision

        staffed = {r: w for r, w in zip(self.model.layout.roles, self._per_role["total_wte"].tolist()) if w > STAFFED_WTE}
        needed = supervision_needed(self.inputs.supervision_needs, staffed)
        available = self.inputs.supervision_available
        names = load_supervision().supervisors["supervisor_name"]
        professions = sorted(set(needed) | set(available))
        bought = [self._bought_hours.get(p, 0.0) for p in professions]
        table = pd.DataFrame(
            {
                "supervisor_name": [names.get(p, p) for p in professions],
                "needed_hours_per_week": [round(needed.get(p, 0.0), 6) for p in professions],
                "available_hours_per_week": [available[p][0] if p in available else np.nan for p in professions],
                "bought_hours_per_week": bought,
                "bought_gbp_per_year": [bought_supervision_gbp(available, p, b) for p, b in zip(professions, bought)],
            },
            index=pd.Index(professions, name="supervisor"),
        )
        return table

    def money(self) -> pd.DataFrame:
        """Where the money comes from and goes, £ a year; unspent ARRS is money the PCN loses."""
        rows = []
        for pot, funding in self.inputs.funding.to_dict("index").items():
            total, claimed = self._claims_by_pot[pot]
            label = POT_NAMES.get(pot, pot)
            how = "given in the scenario" if funding["sum_is_given"] else (
                f"weighted population × £{funding['gbp_per_weighted_patient']:.3f} ({funding['status']})"
            )
            rows += [
                (f"{label}", total, how),
                (f"{label}: claimed", claimed, "the lower of cost and the maximum reimbursable amount, × ARRS share"),
                (f"{label}: unspent", total - claimed, "lost to the PCN: unclaimed ARRS is not carried forward"),
            ]
            if self.inputs.in_post_beyond_arrs_gbp.get(pot, 0.0) > 0:
                rows.append((f"{label}: staff in post beyond it", self.inputs.in_post_beyond_arrs_gbp[pot],
                             "paid outside ARRS (own money or other funding); no ARRS is left for new posts"))
        staff_top_up, rent = self._top_up
        numbers = self._per_role
        rows += [
            ("Top-up budget", self.inputs.top_up_budget_gbp,
             "PCN's own money: costs above reimbursement, posts it pays wholly, and rent"),
            ("Top-up used: staff costs above reimbursement", staff_top_up - float(numbers["own_funded_gbp_per_year"].sum()),
             f"for {numbers['arrs_funded_wte'].sum():.2f} ARRS-funded WTE"),
            ("Top-up used: posts paid wholly by the PCN", float(numbers["own_funded_gbp_per_year"].sum()),
             f"{numbers['own_funded_wte'].sum():.2f} WTE outside ARRS, at full cost"),
            ("Top-up used: rented room sessions", rent - self._supervision_bought_gbp,
             f"{sessions(self.value('rented_sessions'))} sessions a week"),
            *([("Top-up used: supervision bought", self._supervision_bought_gbp, "hours a week beyond what supervisors can give")]
              if self.model.layout.labels["bought_supervision"] else []),
            ("Top-up unspent", self.inputs.top_up_budget_gbp - staff_top_up - rent, ""),
            ("Paid by co-funders", float(numbers["co_funder_gbp_per_year"].sum()), "e.g. the mental health provider's share"),
            ("Total employment cost", float(numbers["cost_gbp_per_year"].sum()), "salary + employer NI + pension, all funders"),
        ]
        table = pd.DataFrame(rows, columns=["item", "gbp_per_year", "note"]).set_index("item")
        table["gbp_per_year"] = table["gbp_per_year"].astype(float).round(2) + 0.0  # no "-0"
        return table

    # ------------------------------------------------------------ care
    def care(self) -> pd.DataFrame:
        """Contacts a year needed, delivered and unmet, per demand category."""
        categories = self.inputs.categories
        demand = categories["demand_contacts_per_year"].to_numpy()
        delivered = self._served
        table = pd.DataFrame(
            {
                "category_name": categories["category_name"],
                "demand_contacts_per_year": demand,
                "served_contacts_per_year": delivered,
                "unmet_contacts_per_year": np.maximum(demand - delivered, 0.0).round(6),
                "served_share": np.divide(delivered, demand, out=np.ones_like(demand), where=demand > 0),
                "priority_weight": categories["priority_weight"],
                "clinical_size_wte": categories["clinical_size_wte"],
                "care_points": self._points,
            },
            index=categories.index,
        )
        return table

    def care_by_role(self) -> pd.DataFrame:
        """Contacts a year each role delivers in each category (the staffing plan behind `care`)."""
        rows = [(r, d, wte, contacts * wte)
                for ((r, d), contacts), wte in zip(self.inputs.contacts_by_pair.items(), self._assigned.tolist())]
        table = pd.DataFrame(rows, columns=["role", "category", "assigned_wte", "contacts_per_year"])
        return table[table["assigned_wte"] > 1e-9].set_index(["role", "category"])  # every contact counted in care()

    # ------------------------------------------------------------ why
    def constraints(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """Constraints (all, or the given registry rows) with limit, use, slack and marginal care per unit."""
        registry = self.model.registry
        keep = np.arange(len(registry)) if rows is None else rows
        limit, used = self._limits[keep], self.solution.row_activity[keep]
        return pd.DataFrame(
            {
                "family": [registry[i].family for i in keep],
                "label": [registry[i].label for i in keep],
                "unit": [registry[i].unit for i in keep],
                "limit": limit,
                "used": used,
                "slack": np.abs(limit - used),
                "marginal_care_per_unit": self.solution.marginal_care[keep],
            },
            index=pd.Index([registry[i].name for i in keep], name="constraint"),
        )

    def binding_constraints(self) -> pd.DataFrame:
        """The limits that shape the answer, each explained in words with its marginal value."""
        binding = self.constraints(self._binding_rows)
        records = binding.to_dict("records")
        binding["marginal_value"] = [marginal_in_user_units(row, self.unit) for row in records]
        binding["marginal_value_unit"] = [marginal_unit(row, self.unit) for row in records]
        binding["explanation"] = [
            explain_binding(self.model.registry[i], row, self) for i, row in zip(self._binding_rows, records)
        ]
        order = np.argsort(-binding["marginal_value"].abs().to_numpy(), kind="stable")
        return binding.iloc[order][["family", "label", "unit", "limit", "used", "marginal_value", "marginal_value_unit", "explanation"]]

    def summary(self) -> dict[str, float | str | bool]:
        """Headline numbers of the answer, one value each, units in the keys."""
        numbers = self._per_role
        categories = self.inputs.category_data
        demand = categories["demand_contacts_per_year"]
        staff_top_up, rent = self._top_up
        return {
            "pcn": self.scenario.pcn.name,
            "year": self.scenario.year,
            "status": self.solution.status,
            "proven_optimal": self.solution.proven_optimal,
            "total_wte": float(exact_wte(numbers["total_wte"].sum())),
            "new_wte": float(exact_wte(numbers["new_wte"].sum())),
            "own_funded_wte": float(exact_wte(numbers["own_funded_wte"].sum())),
            "arrs_sum_gbp_per_year": sum(total for total, _ in self._claims_by_pot.values()),
            "arrs_claimed_gbp_per_year": sum(claimed for _, claimed in self._claims_by_pot.values()),
            "arrs_unspent_gbp_per_year": round(sum(total - claimed for total, claimed in self._claims_by_pot.values()), 2) + 0.0,
            "in_post_beyond_arrs_gbp_per_year": sum(self.inputs.in_post_beyond_arrs_gbp.values()),
            "top_up_used_gbp_per_year": staff_top_up + rent,
            "total_cost_gbp_per_year": float(self.solution.total_cost_gbp),
            "demand_contacts_per_year": float(demand.sum()),
            "served_contacts_per_year": float(self._served.sum()),
            "unmet_contacts_per_year": float(np.maximum(demand - self._served, 0.0).round(6).sum()),
            "valuation": self.scenario.policy.valuation,
            "care_score": float(self._points.sum()),
            "need_met_wte_years": float(np.nansum(self._served / categories["reference_contacts_per_wte_year"])),
            "priority_weighted_contacts_per_year": float((self._served * categories["priority_weight"]).sum()),
            "rented_sessions_per_week": self.value("rented_sessions"),
        }

    def lead_limits(self, count: int = LEAD_LIMITS) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The limits that matter most, and the rest (met demand is not a limit): one rule for CLI, app and board report.

        Marginal values per £10,000, per room session and per WTE are different units, so their sizes cannot be
        ranked against each other. The lead is the most valuable limit of each family (one unit within a family),
        families in the order a PCN can act on them (money, then estate and supervision, then caps, recruitment
        and staff in post), topped up in that order when fewer families bind; limits worth less than the care
        unit's last digit follow the rest.
        """
        binding = self.binding_constraints()
        limits = binding[binding["family"].map(lambda name: constraints.family(name).kind != "need").astype(bool)]
        worth = limits["marginal_value"].abs() >= 0.5 * 10 ** -self.unit.digits
        rank = limits["family"].map({family: i for i, family in enumerate(LIMIT_ORDER)}).fillna(len(LIMIT_ORDER))
        ordered = limits.assign(_later=~worth, _rank=rank).sort_values(["_later", "_rank"], kind="stable")
        first = ordered[~ordered["family"].duplicated() & ~ordered["_later"]].index[:count]
        ordered = ordered.drop(columns=["_later", "_rank"])
        topped_up = list(first) + [i for i in ordered.index if i not in first][: max(0, count - len(first))]
        lead = ordered.loc[topped_up]
        return lead, ordered.drop(lead.index)

    def binding_constraint_names(self) -> list[str]:
        """Names of the limits that bind (cheap: no sentences or tables), e.g. for batch summaries."""
        return [self.model.registry[i].name for i in self._binding_rows]


def tables(result: AnswerTables) -> dict[str, pd.DataFrame]:
    """Every answer table of a result, named as they are written to files, rounded as `machine_rounded` says."""
    summary = pd.DataFrame([result.summary()])
    frames = {
        "summary": summary,
        "mix": result.mix(include_zero=True).reset_index(),
        "money": result.money().reset_index(),
        "care": result.care().reset_index(),
        "care_by_role": result.care_by_role().reset_index(),
        "binding_constraints": result.binding_constraints().reset_index(),
        "supervision": result.supervision().reset_index(),
    }
    return {name: machine_rounded(frame) for name, frame in frames.items()}


def machine_rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Money to the penny, WTE and everything else to 4 decimals: solver noise (1519308.995513622) is not data."""
    frame = frame.copy()
    for column in frame.columns[[pd.api.types.is_float_dtype(t) for t in frame.dtypes]]:
        frame[column] = frame[column].round(2 if "gbp" in column else 4) + 0.0
    return frame
