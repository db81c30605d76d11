"""Answers read off a solved model: one question per function, each a tidy table with units in its columns."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from optimiser import constraints
from optimiser.catalogue import POT_NAMES
from optimiser.inputs import SUPERVISION_WEEKS_PER_YEAR, ModelInputs
from optimiser.engine import ArrayModel
from optimiser.layout import RowInfo
from optimiser.model import SkillMixModel
from optimiser.solve import Solution
from optimiser.valuation import CareUnit, care_unit, category_points

BINDING_TOLERANCE = 1e-6
STAFFED_WTE = 1e-6
LEAD_LIMITS = 3
"""The CLI, the app and the board report each lead with this many limits."""
LIMIT_ORDER = ("arrs_budget", "top_up_budget", "clinical_rooms", "desk_space", "supervision", "role_cap", "recruitment_limit",
               "in_post_floor", "minimum_post_size", "whole_posts")
"""Less WTE than this is solver tolerance, not a post: such roles are left out of the mix."""


@dataclass
class Result:
    model: SkillMixModel | ArrayModel  # PuLP (one scenario) or arrays (batch workers): results read only layout and registry
    solution: Solution

    @property
    def inputs(self) -> ModelInputs:
        return self.model.inputs

    @property
    def scenario(self):
        return self.model.inputs.scenario

    @property
    def unit(self) -> CareUnit:
        """The unit care and marginal values are given in, for this result's valuation."""
        return care_unit(self.scenario.policy.valuation)

    @property
    def status_text(self) -> str:
        if self.solution.proven_optimal:
            return f"optimal (proven by {self.solution.solver})"
        return f"{self.solution.status}: NOT proven optimal"

    # ------------------------------------------------------------ values, by column position
    def values(self, group: str) -> np.ndarray:
        """The solution's values of one group of columns (e.g. "wte", in the layout's role order)."""
        return self.solution.values[self.model.layout.columns(group)]

    def value(self, group: str) -> float:
        """The value of a single-column group (rented sessions, lowest share), 0 if the model has none."""
        column = self.model.layout.column(group)
        return 0.0 if column is None else float(self.solution.values[column])

    @cached_property
    def _assigned(self) -> np.ndarray:
        return self.values("assigned")

    # ------------------------------------------------------------ the mix
    @cached_property
    def _per_role(self) -> dict[str, np.ndarray]:
        """WTE and money per allowed role as arrays: every table and the summary are read from these."""
        roles, layout = self.inputs.allowed_data, self.model.layout
        total = np.round(self.values("wte"), 9) + 0.0
        assigned = np.bincount(layout.pair_role, weights=self._assigned, minlength=len(total))
        in_post = roles["in_post_wte"].astype(float)
        own_funded = self.values("own_funded")
        own = np.minimum(np.round(own_funded, 9) + 0.0, total) if len(own_funded) else np.zeros(len(total))
        arrs = total - own
        numbers = {
            "in_post_wte": in_post,
            "new_wte": np.maximum(total - in_post, 0.0),
            "reduced_wte": np.maximum(in_post - total, 0.0),
            "total_wte": total,
            "arrs_funded_wte": arrs,
            "own_funded_wte": own,
        }
        per_wte = roles
        first = np.minimum(arrs, 1.0)  # co-funding tables: the first post is claimed at its own share (see formulation.py)
        change = {column: first * roles[f"first_post_{column}_change_gbp"] for column in ("claim", "co_funder", "top_up")}
        numbers["cost_gbp_per_year"] = total * per_wte["cost_per_wte_gbp"]
        numbers["arrs_claimed_gbp_per_year"] = arrs * per_wte["claim_per_wte_gbp"] + change["claim"]
        numbers["co_funder_gbp_per_year"] = arrs * per_wte["co_funder_per_wte_gbp"] + change["co_funder"]
        numbers["top_up_gbp_per_year"] = arrs * per_wte["top_up_per_wte_gbp"] + own * per_wte["cost_per_wte_gbp"] + change["top_up"]
        numbers["own_funded_gbp_per_year"] = own * per_wte["cost_per_wte_gbp"]
        numbers["room_sessions_per_week"] = total * per_wte["clinical_room_sessions_per_wte"]
        numbers["spare_wte"] = np.maximum(np.round(total - assigned, 9), 0.0)
        return numbers

    def role_rows(self) -> list[dict]:
        """The mix as plain records (roles with staff only), without building a table: for batch outputs."""
        numbers, names = self._per_role, self.inputs.allowed_data["role_name"]
        keep = np.flatnonzero((numbers["total_wte"] > STAFFED_WTE) | (numbers["in_post_wte"] > 0))
        roles = self.model.layout.roles
        columns = {k: v[keep].tolist() for k, v in numbers.items()}
        return [{"role": roles[j], "role_name": names[j], **{k: v[i] for k, v in columns.items()}} for i, j in enumerate(keep)]

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

    # ------------------------------------------------------------ money
    @cached_property
    def _claims_by_pot(self) -> dict[str, tuple[float, float]]:
        """(ARRS sum, claimed within it) per funding pot, £ a year; in-post claims beyond the sum are paid outside ARRS."""
        pot_of = self.inputs.allowed_data["funding_pot"]
        claims = self._per_role["arrs_claimed_gbp_per_year"]
        beyond = self.inputs.in_post_beyond_arrs_gbp
        return {pot: (float(total), float(claims[pot_of == pot].sum()) - beyond.get(pot, 0.0))
                for pot, total in self.inputs.arrs_sums_gbp.items()}

    @cached_property
    def _top_up(self) -> tuple[float, float]:
        """(staff costs, rent and bought supervision) paid from the PCN's own money, £ a year.

        Staff costs include posts the PCN pays wholly."""
        rent = self.value("rented_sessions") * self.inputs.rent_gbp_per_session_per_year
        return float(self._per_role["top_up_gbp_per_year"].sum()), rent + self._supervision_bought_gbp

    def bought_hours(self, profession: str | None) -> float:
        """Supervision hours a week bought from a profession (0 if none can be bought)."""
        labels = self.model.layout.labels["bought_supervision"]
        return float(self.values("bought_supervision")[labels.index(profession)]) if profession in labels else 0.0

    @cached_property
    def _supervision_bought_gbp(self) -> float:
        available = self.inputs.supervision_available
        bought = zip(self.model.layout.labels["bought_supervision"], self.values("bought_supervision").tolist())
        return sum(hours * available[p][1] * SUPERVISION_WEEKS_PER_YEAR for p, hours in bought)

    def supervision(self) -> pd.DataFrame:
        """Supervision hours a week the mix needs from each supervising profession, beside what is available and bought."""
        from optimiser.assumptions import load_supervision

        wte = dict(zip(self.model.layout.roles, self._per_role["total_wte"]))
        needed: dict[str, float] = {}
        for r, (who, per_wte) in self.inputs.supervision_needs.items():
            if who != "none" and wte.get(r, 0.0) > STAFFED_WTE and per_wte > 0:
                needed[who] = needed.get(who, 0.0) + per_wte * wte[r]
        available = self.inputs.supervision_available
        names = load_supervision().supervisors["supervisor_name"]
        professions = sorted(set(needed) | set(available))
        hours = dict(zip(self.model.layout.labels["bought_supervision"], self.values("bought_supervision").tolist()))
        bought = [hours.get(p, 0.0) for p in professions]
        table = pd.DataFrame(
            {
                "supervisor_name": [names.get(p, p) for p in professions],
                "needed_hours_per_week": [round(needed.get(p, 0.0), 6) for p in professions],
                "available_hours_per_week": [available[p][0] if p in available else np.nan for p in professions],
                "bought_hours_per_week": bought,
                "bought_gbp_per_year": [b * (available[p][1] or 0.0) * SUPERVISION_WEEKS_PER_YEAR if p in available else 0.0
                                        for p, b in zip(professions, bought)],
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
             "PCN's own money: pays costs above the maximum reimbursable amounts, posts it pays wholly, and rent"),
            ("Top-up used: staff costs above reimbursement", staff_top_up - float(numbers["own_funded_gbp_per_year"].sum()),
             f"for {numbers['arrs_funded_wte'].sum():.2f} ARRS-funded WTE"),
            ("Top-up used: posts paid wholly by the PCN", float(numbers["own_funded_gbp_per_year"].sum()),
             f"{numbers['own_funded_wte'].sum():.2f} WTE outside ARRS, at full cost"),
            ("Top-up used: rented room sessions", rent - self._supervision_bought_gbp,
             f"{self.value('rented_sessions'):.1f} sessions a week"),
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
    @cached_property
    def _served(self) -> np.ndarray:
        """Contacts a year delivered per category, in the categories' order."""
        layout, demand = self.model.layout, self.inputs.category_data["demand_contacts_per_year"]
        contacts = np.fromiter(self.inputs.contacts_by_pair.values(), float, len(layout.pairs))
        served = np.bincount(layout.pair_category, weights=contacts * self._assigned, minlength=len(demand))
        return np.clip(served, 0.0, demand).round(6)

    @cached_property
    def _points(self) -> np.ndarray:
        """Each category's part of the care score (out of 100), whatever valuation chose the mix."""
        data, names = self.inputs.category_data, list(self.inputs.category_keys)
        reference = data["reference_contacts_per_wte_year"]
        points = category_points(
            self.inputs.value_curve, dict(zip(names, self._served.tolist())), dict(zip(names, data["demand_contacts_per_year"].tolist())),
            dict(zip(names, data["priority_weight"].tolist())),
            {d: r for d, r in zip(names, reference.tolist()) if not np.isnan(r)},
        )
        return np.fromiter(points.values(), float)

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
    @cached_property
    def _limits(self) -> np.ndarray:
        """Each constraint's right-hand side."""
        return self.model.limits

    @cached_property
    def _binding_rows(self) -> np.ndarray:
        """Registry positions of the limits that shape the answer: binding, not bookkeeping, not a costless floor."""
        limit, used = self._limits, self.solution.row_activity
        binding = np.abs(limit - used) <= BINDING_TOLERANCE * np.maximum(np.abs(limit), 1.0)
        marginal = np.abs(self.solution.marginal_care) > 1e-9
        registry = self.model.registry
        kinds = {i: constraints.family(registry[i].family).kind for i in np.flatnonzero(binding).tolist()}
        return np.array([i for i, kind in kinds.items() if kind != "bookkeeping" and (kind != "floor" or marginal[i])], dtype=int)

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
        binding["marginal_value"] = [_marginal_in_user_units(row, self.unit) for row in records]
        binding["marginal_value_unit"] = [_marginal_unit(row, self.unit) for row in records]
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
            "total_wte": float(numbers["total_wte"].sum()),
            "new_wte": float(numbers["new_wte"].sum()),
            "own_funded_wte": float(numbers["own_funded_wte"].sum()),
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
            "weighted_care_per_year": float((self._served * categories["priority_weight"]).sum()),
            "rented_sessions_per_week": self.value("rented_sessions"),
        }

    def notes(self) -> list[str]:
        """What a reader should know beside the binding limits: roles recruited with no limit set, top-up left unspent."""
        notes = list(self.inputs.warnings)
        if sum(self.inputs.in_post_beyond_arrs_gbp.values()) > 0:
            notes.append(in_post_beyond_arrs_note(self.inputs))
        mix = self.mix()
        notes += self._provisional_figures(mix)
        unlimited = mix[(mix["new_wte"] > 1e-6) & (self.inputs.allowed_roles["max_new_wte"].reindex(mix.index) == float("inf"))]
        if len(unlimited):
            notes.append(f"No recruitment limit was set for {', '.join(unlimited['role_name'])}: the answer assumes you can "
                         "recruit the WTE shown (set roles.<role>.max_new_wte if you cannot).")
        notes += self._capacity_used_elsewhere()
        notes += self._why_arrs_is_unspent()
        staff_top_up, rent = self._top_up
        top_up_left = self.inputs.top_up_budget_gbp - staff_top_up - rent
        if top_up_left > 1 and "top_up_budget" not in {self.model.registry[i].family for i in self._binding_rows}:
            notes.append(f"£{top_up_left:,.0f} of the top-up budget is unspent: more staff would add no care within the "
                         "rooms, recruitment limits and needs shown, so it is kept.")
        own = mix[mix["own_funded_wte"] > 1e-6]
        if len(own):
            posts = ", ".join(f"{row['own_funded_wte']:.2f} WTE {row['role_name']}" for _, row in own.iterrows())
            notes.append(f"The ARRS sum is not enough for the whole mix: the PCN pays {posts} wholly from its top-up "
                         "budget (full cost, no ARRS claim).")
        return notes

    def _provisional_figures(self, mix: pd.DataFrame) -> list[str]:
        """Say when the answer rests on figures not yet confirmed for the year, and how to correct one."""
        roles = mix.index[mix["max_reimbursable_status"] == "provisional"]
        pots = [pot for pot, row in self.inputs.funding.iterrows() if row["status"] == "provisional" and not row["sum_is_given"]]
        if not len(roles) and not pots:
            return []
        parts = []
        if len(roles):
            parts.append(f"the maximum reimbursable amounts of {', '.join(mix.loc[roles, 'role_name'])}")
        parts += [f"the £{self.inputs.funding.at[pot, 'gbp_per_weighted_patient']:.3f} per weighted patient of the "
                  f"{POT_NAMES.get(pot, pot)}" for pot in pots]
        return [f"{self.scenario.year} figures are provisional: {' and '.join(parts)} rest on pay awards and a pool not yet "
                "confirmed for ARRS. Where your ICB's notice differs, set roles.<role>.max_reimbursable_gbp or money.arrs_sum_gbp."]

    def _why_arrs_is_unspent(self) -> list[str]:
        """ARRS left unclaimed is lost to the PCN, so say what stops the mix from using it."""
        unspent = {pot: total - claimed for pot, (total, claimed) in self._claims_by_pot.items() if total - claimed > 1}
        if not unspent:
            return []
        reasons = constraints.unspent_reasons({self.model.registry[i].family for i in self._binding_rows})
        because = "; ".join(reasons) if reasons else "no more care can be bought with it"
        amounts = ", ".join(f"£{gbp:,.0f} of the {POT_NAMES.get(pot, pot)}" for pot, gbp in unspent.items())
        return [f"{amounts} is unspent (lost to the PCN) because {because}."]

    def _capacity_used_elsewhere(self) -> list[str]:
        """Categories left mostly unmet while staff who could serve them work elsewhere, and why."""
        care, wte = self.care(), self._per_role["total_wte"]
        staffed = {r for r, total in zip(self.model.layout.roles, wte) if total > 1e-6}
        names = self.inputs.roles["role_name"]
        assigned = dict(zip(self.inputs.contacts_by_pair, self._assigned.tolist()))
        notes = []
        for category, row in care[(care["served_share"] < 0.5) & (care["unmet_contacts_per_year"] > 0)].iterrows():
            elsewhere = [names[r] for (r, d), wte in assigned.items() if d == category and r in staffed and wte < 1e-6]
            if elsewhere:
                why = ("their time delivers more weighted contacts in other categories (a contact counts the same whatever "
                       "its length)") if self.scenario.policy.valuation == "contacts" else (
                       "their time adds more to the care score in other categories")
                notes.append(
                    f"{row['category_name']} is {row['served_share']:.0%} served although {', '.join(elsewhere)} could do it: "
                    f"{why}. Raise demand.{category}.priority_weight if this work matters more."
                )
        return notes

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


# ---------------------------------------------------------------- words

def in_post_beyond_arrs_note(inputs: ModelInputs) -> str:
    """The sentence for a PCN whose staff in post cost more ARRS than its sum: one wording for CLI, app and batch."""
    beyond = {pot: amount for pot, amount in inputs.in_post_beyond_arrs_gbp.items() if amount > 0}
    parts = [f"£{amount:,.0f} a year more than the {POT_NAMES.get(pot, pot)} of £{inputs.arrs_sums_gbp[pot]:,.0f}"
             for pot, amount in beyond.items()]
    return (f"Staff already in post would claim {' and '.join(parts)}: that part of their cost is taken as paid outside "
            "ARRS (the PCN's own money or other funding), so no ARRS is left for new posts and the plan optimises the rest. "
            "Set policy.in_post_beyond_arrs_sum: infeasible to treat this as a conflict instead.")


def _marginal_in_user_units(row, unit: CareUnit) -> float:
    per_unit = row["marginal_care_per_unit"]
    return per_unit * unit.money_step_gbp if row["unit"] == "£ a year" else per_unit


def _marginal_unit(row, unit: CareUnit) -> str:
    return f"{unit.name} per extra {constraints.per_unit(row['unit'], unit.money_step_gbp)}"


def explain_binding(info: RowInfo, row: dict, result: Result) -> str:
    """One plain-English sentence per binding limit, from the constraint registry: never from the constraint's name."""
    unit = result.unit
    gain = _marginal_in_user_units(row, unit)
    words = constraints.Words(
        name=constraints.label_name(info.family, info.label, result.inputs), label=info.label, limit=row["limit"], gain=gain,
        more=f"{'deliver' if unit.digits == 0 else 'add'} about {unit.amount(gain)}", money=f"£{unit.money_step_gbp:,.0f}",
        amount=unit.amount, rented=result.value("rented_sessions"), rentable=result.inputs.rentable_sessions_per_week,
        bought=result.bought_hours(info.label),
        min_post_wte=result.scenario.policy.min_post_wte or 0.0, worth_saying=abs(gain) >= 0.5 * 10 ** -unit.digits,
    )
    return constraints.binding_sentence(info.family, info.name, words, no_gain=not words.worth_saying)


# ---------------------------------------------------------------- side by side


def tables(result: Result) -> dict[str, pd.DataFrame]:
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
