"""What the model is given: tables indexed by role, category and pot, one number each, units in the column names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from optimiser.catalogue import load_catalogue
from optimiser.scenario import Scenario
from optimiser.valuation import ValueCurve

ROOM_WEEKS_PER_YEAR = 52
"""A rented session a week is paid for every week of the year (assumption)."""
SUPERVISION_WEEKS_PER_YEAR = 52
"""Supervision hours a week are yearly averages (hours a year ÷ 52), so a bought hour a week is paid 52 times."""

MAIN_POT = "arrs"


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model needs, as tables indexed by `role`, `category` and `pot`."""

    scenario: Scenario
    role_ids: pd.Index  # every role in the year's catalogue, then the scenario's custom roles
    role_keys: np.ndarray  # the same ids as plain strings (fast to index and loop over)
    role_data: dict[str, np.ndarray]  # one array per column, in role_ids order
    category_ids: pd.Index
    category_keys: tuple[str, ...]  # the same ids as plain strings
    category_data: dict[str, np.ndarray]  # one array per column, in category_ids order
    contacts_by_pair: dict[tuple[str, str], float]  # contacts per WTE-year by (role, category), allowed roles only
    arrs_sums_gbp: dict[str, float]  # the ARRS sum of each funding pot, £ a year
    top_up_budget_gbp: float
    room_sessions_per_week: float
    rentable_sessions_per_week: float
    rent_gbp_per_session_per_year: float
    desk_sessions_per_week: float | None
    value_curve: ValueCurve  # f, the value of each share of a need met (valuations share and equal-share)
    supervision_needs: dict[str, tuple[str, float]]  # allowed role → (supervising profession, hours a week per WTE)
    supervision_available: dict[str, tuple[float, float | None]]  # profession → (hours a week, £ per extra hour or None)
    in_post_beyond_arrs_gbp: dict[str, float]  # per pot: in-post ARRS claims above the sum, paid outside ARRS, £ a year
    warnings: tuple[str, ...] = ()  # inputs allowed but worth a second look, e.g. a salary below its band

    @cached_property
    def arrs_limits_gbp(self) -> dict[str, float]:
        """What ARRS claims may reach per pot: the sum, or what staff in post already claim where that is more."""
        return {pot: total + self.in_post_beyond_arrs_gbp.get(pot, 0.0) for pot, total in self.arrs_sums_gbp.items()}

    @cached_property
    def roles(self) -> pd.DataFrame:
        """Every catalogue role with the scenario's settings, money per WTE, room needs and cap, indexed by role."""
        return pd.DataFrame(self.role_data, index=self.role_ids)

    @cached_property
    def allowed_roles(self) -> pd.DataFrame:
        return self.roles[self.roles["allowed"]]

    @cached_property
    def categories(self) -> pd.DataFrame:
        """Need, priority and size in clinical time per demand category, indexed by category."""
        return pd.DataFrame(self.category_data, index=self.category_ids)

    @cached_property
    def allowed_ids(self) -> list[str]:
        return self.role_keys[self.role_data["allowed"]].tolist()

    @cached_property
    def allowed_data(self) -> dict[str, np.ndarray]:
        """The allowed roles' columns as arrays, in the model's role order."""
        allowed = self.role_data["allowed"]
        return {column: values[allowed] for column, values in self.role_data.items()}

    @cached_property
    def role_columns(self) -> dict[str, dict[str, object]]:
        """The allowed roles' columns as plain dicts (column → role → value), for code that looks roles up by id."""
        return {column: dict(zip(self.allowed_ids, values.tolist())) for column, values in self.allowed_data.items()}

    @cached_property
    def contacts_per_wte_year(self) -> np.ndarray:
        """`contacts_by_pair`'s values as an array, in its (role, category) order (read-only: the model's terms share it)."""
        contacts = np.fromiter(self.contacts_by_pair.values(), float, len(self.contacts_by_pair))
        contacts.flags.writeable = False
        return contacts

    @cached_property
    def productivity(self) -> pd.Series:
        """Contacts per WTE-year, indexed by (role, category): which roles serve which demand, and how much."""
        index = pd.MultiIndex.from_tuples(list(self.contacts_by_pair), names=["role", "category"])
        return pd.Series(list(self.contacts_by_pair.values()), index=index, name="contacts_per_wte_year", dtype=float)

    @cached_property
    def funding(self) -> pd.DataFrame:
        """Each funding pot: its sum, and whether the scenario gave it or it comes from the published rate."""
        pots = load_catalogue(self.scenario.year).funding
        return pd.DataFrame(
            {
                "gbp_per_weighted_patient": pots["gbp_per_weighted_patient"],
                "status": pots["status"],
                "basis": pots["basis"],
                "source": pots["source"],
                "sum_gbp": [self.arrs_sums_gbp[pot] for pot in pots.index],
                "sum_is_given": (pots.index == MAIN_POT) & (self.scenario.money.arrs_sum_gbp is not None),
            },
            index=pots.index.rename("pot"),
        )
