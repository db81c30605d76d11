"""The solution read by column position: WTE and money per role, claims per funding pot, care served per category,
and which limits bind. Every table and sentence of a result is built from these numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from optimiser import constraints
from optimiser.engine import ArrayModel
from optimiser.inputs import ModelInputs
from optimiser.inputs.supervision import bought_supervision_gbp
from optimiser.model import SkillMixModel
from optimiser.solve import Solution
from optimiser.valuation import FULL_SCORE, CareUnit, care_unit, category_points

BINDING_TOLERANCE = 1e-6
STAFFED_WTE = 1e-5
"""WTE within this of a bound is the solver's tolerance, not a post. HiGHS meets each row to 1e-7 of its scaled size,
which leaves a few 1e-6 WTE past a limit: 1.05e-6 WTE of paramedic above the staff in post in one real PCN, read as a
new post by anyone counting new WTE above 0. The smallest post a result shows is 0.01 WTE."""


WTE_DECIMALS = 9
"""A result's WTE are read to this many decimals (a billionth of a WTE, far below the 0.01 WTE a result shows)."""


def at_bounds(values: np.ndarray, in_post: np.ndarray, *upper: np.ndarray | float) -> np.ndarray:
    """Each role's WTE with solver dust removed, the one place it leaves a result: within STAFFED_WTE of the staff in
    post it is the staff in post (no post gained or lost), and within STAFFED_WTE above 0 or an upper bound (a
    recruitment limit, a cap; NaN or infinite: none) it is that bound. Never moved up to an upper bound: more WTE
    would spend money the budget may not have."""
    values = exact_wte(values)
    values = np.where(np.abs(values - in_post) < STAFFED_WTE, in_post, values)
    for bound in (0.0, *upper):
        values = np.where(np.isfinite(bound) & (values > bound) & (values - bound < STAFFED_WTE), bound, values)
    return values


def exact_wte(value: np.ndarray | float) -> np.ndarray | float:
    """A sum or difference of WTE read to WTE_DECIMALS decimals as the decimal it is, which float arithmetic is not:
    2.8 − 2.6 WTE is 0.19999999999999973 (a new post of the minimum size, 0.2, stored as less than the minimum) and
    7.56 + 3 WTE is 10.559999999999999."""
    return np.round(value, WTE_DECIMALS) + 0.0


def role_money(per_wte: dict[str, np.ndarray], total: np.ndarray, own: np.ndarray) -> dict[str, np.ndarray]:
    """Per role, £ a year and room sessions a week, for `total` WTE of which `own` are posts the PCN pays wholly: the one
    rule for what a mix costs and claims, read by every result and by a checked plan's claims."""
    arrs = total - own
    first = np.minimum(arrs, 1.0)  # co-funding tables: the first post is claimed at its own share (see formulation.py)
    change = {column: first * per_wte[f"first_post_{column}_change_gbp"] for column in ("claim", "co_funder", "top_up")}
    return {
        "cost_gbp_per_year": total * per_wte["cost_per_wte_gbp"],
        "arrs_claimed_gbp_per_year": arrs * per_wte["claim_per_wte_gbp"] + change["claim"],
        "co_funder_gbp_per_year": arrs * per_wte["co_funder_per_wte_gbp"] + change["co_funder"],
        "top_up_gbp_per_year": arrs * per_wte["top_up_per_wte_gbp"] + own * per_wte["cost_per_wte_gbp"] + change["top_up"],
        "own_funded_gbp_per_year": own * per_wte["cost_per_wte_gbp"],
        "room_sessions_per_week": total * per_wte["clinical_room_sessions_per_wte"],
    }


def own_money_gbp(inputs: ModelInputs, money: dict[str, np.ndarray], rented_sessions: float,
                  bought_hours: Mapping[str, float]) -> tuple[float, float, float]:
    """(staff costs, rent, bought supervision) paid from the PCN's own money, £ a year, for a mix's `role_money` and the
    room sessions a week it rents and supervision hours a week it buys. Staff costs include posts it pays wholly."""
    rent = rented_sessions * inputs.rent_gbp_per_session_per_year
    supervision = sum(bought_supervision_gbp(inputs.supervision_available, p, hours) for p, hours in bought_hours.items())
    return float(money["top_up_gbp_per_year"].sum()), rent, supervision


@dataclass
class SolvedNumbers:
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
        in_post = roles["in_post_wte"].astype(float)
        total = at_bounds(self.values("wte"), in_post, exact_wte(in_post + roles["max_new_wte"]), roles["cap_wte"])
        assigned = np.bincount(layout.pair_role, weights=self._assigned, minlength=len(total))
        own_funded = self.values("own_funded")
        own = np.minimum(at_bounds(own_funded, 0.0), total) if len(own_funded) else np.zeros(len(total))
        numbers = {
            "in_post_wte": in_post,
            "new_wte": np.maximum(exact_wte(total - in_post), 0.0),
            "reduced_wte": np.maximum(exact_wte(in_post - total), 0.0),
            "total_wte": total,
            "arrs_funded_wte": exact_wte(total - own),
            "own_funded_wte": own,
            **role_money(roles, total, own),
        }
        numbers["spare_wte"] = at_bounds(np.maximum(total - assigned, 0.0), 0.0)
        return numbers

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
    def _own_money(self) -> tuple[float, float, float]:
        """(staff costs, rent, bought supervision) paid from the PCN's own money, £ a year."""
        return own_money_gbp(self.inputs, self._per_role, self.value("rented_sessions"), self._bought_hours)

    @property
    def _top_up(self) -> tuple[float, float]:
        """(staff costs, rent and bought supervision) paid from the PCN's own money, £ a year.

        Staff costs include posts the PCN pays wholly."""
        staff, rent, supervision = self._own_money
        return staff, rent + supervision

    @property
    def _supervision_bought_gbp(self) -> float:
        return self._own_money[2]

    @cached_property
    def _bought_hours(self) -> dict[str, float]:
        """Supervision hours a week bought, per profession that sells them."""
        return dict(zip(self.model.layout.labels["bought_supervision"], self.values("bought_supervision").tolist()))

    def bought_hours(self, profession: str | None) -> float:
        """Supervision hours a week bought from a profession (0 if none can be bought)."""
        return self._bought_hours.get(profession, 0.0)

    # ------------------------------------------------------------ care
    @cached_property
    def _served(self) -> np.ndarray:
        """Contacts a year delivered per category, in the categories' order."""
        layout, demand = self.model.layout, self.inputs.category_data["demand_contacts_per_year"]
        served = np.bincount(layout.pair_category, weights=self.inputs.contacts_per_wte_year * self._assigned, minlength=len(demand))
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

    @cached_property
    def care_left_to_gain(self) -> float:
        """Care not yet given, in the care unit: points up to 100, or priority-weighted contacts unmet. No limit's marginal
        value can buy more than this, so a sentence never claims more."""
        if self.scenario.policy.valuation == "contacts":
            data = self.inputs.category_data
            return float((np.maximum(data["demand_contacts_per_year"] - self._served, 0.0) * data["priority_weight"]).sum())
        return max(FULL_SCORE - float(self._points.sum()), 0.0)

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
        families = {i: registry[i].family for i in np.flatnonzero(binding).tolist()}
        kind = {name: constraints.family(name).kind for name in set(families.values())}
        return np.array([i for i, name in families.items() if kind[name] != "bookkeeping" and (kind[name] != "floor" or marginal[i])],
                        dtype=int)
