"""Resolve a scenario against the year's catalogue and the default assumptions into labelled model inputs.

This is the only place where defaults meet overrides, so the model builder sees one number per
role, category and pot, with units in the column names, and never looks anything up itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.assumptions import load_assumptions
from optimiser.catalogue import load_catalogue
from optimiser.errors import ScenarioError
from optimiser.scenario import Scenario

ROOM_WEEKS_PER_YEAR = 52
"""A rented session a week is paid for every week of the year (assumption)."""

MAIN_POT = "arrs"


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model needs, as tables indexed by `role`, `category` and `pot`."""

    scenario: Scenario
    roles: pd.DataFrame
    categories: pd.DataFrame
    productivity: pd.Series  # contacts per WTE-year, index (role, category), allowed roles only
    funding: pd.DataFrame
    top_up_budget_gbp: float
    room_sessions_per_week: float
    rentable_sessions_per_week: float
    rent_gbp_per_session_per_year: float
    desk_sessions_per_week: float | None

    @property
    def allowed_roles(self) -> pd.DataFrame:
        return self.roles[self.roles["allowed"]]


def prepare(scenario: Scenario) -> ModelInputs:
    catalogue = load_catalogue(scenario.year)
    defaults = load_assumptions()
    roles = _roles(scenario, catalogue, defaults)
    return ModelInputs(
        scenario=scenario,
        roles=roles,
        categories=_categories(scenario, defaults),
        productivity=_productivity(scenario, defaults, roles),
        funding=_funding(scenario, catalogue),
        top_up_budget_gbp=scenario.money.top_up_budget_gbp,
        room_sessions_per_week=scenario.estate.room_sessions_per_week,
        rentable_sessions_per_week=scenario.estate.rentable_sessions_per_week,
        rent_gbp_per_session_per_year=scenario.estate.rent_gbp_per_session * ROOM_WEEKS_PER_YEAR,
        desk_sessions_per_week=scenario.estate.desk_sessions_per_week,
    )


def _roles(scenario: Scenario, catalogue, defaults) -> pd.DataFrame:
    table = catalogue.roles.copy()
    policy = scenario.policy
    missing = set(table.index) - set(defaults.roles.index)
    if missing:
        raise ScenarioError([f"the default assumptions have no room needs for {sorted(missing)}"])
    table = table.join(defaults.roles[["room_need", "room_sessions_per_wte_per_week", "remote_share"]])

    max_column = {"none": None, "outer": "outer_london_max_gbp", "inner": "inner_london_max_gbp"}[policy.london_weighting]
    if max_column:
        london = table[max_column]
        table["max_reimbursable_status"] = np.where(
            london.notna(), table["max_reimbursable_status"], "national amount: London amount unpublished"
        )
        table["max_reimbursable_gbp"] = london.fillna(table["max_reimbursable_gbp"])

    settings = {role: scenario.roles.get(role) for role in table.index}
    table["allowed"] = [s.allowed if s else True for s in settings.values()]
    table["in_post_wte"] = [s.in_post_wte if s else 0.0 for s in settings.values()]
    table["max_new_wte"] = [s.max_new_wte if s and s.max_new_wte is not None else np.inf for s in settings.values()]
    table["cost_per_wte_gbp"] = [
        s.cost_per_wte_gbp if s and s.cost_per_wte_gbp is not None else table.at[r, "max_reimbursable_gbp"]
        for r, s in settings.items()
    ]
    for column in ("room_sessions_per_wte_per_week", "remote_share"):
        table[column] = [
            getattr(s, column) if s and getattr(s, column) is not None else table.at[r, column]
            for r, s in settings.items()
        ]

    blocked = table[~table["allowed"] & (table["in_post_wte"] > 0)]
    if len(blocked):
        raise ScenarioError(
            [f"roles.{r}: {w:g} WTE in post but allowed is false; allow the role or set in_post_wte to 0"
             for r, w in blocked["in_post_wte"].items()]
        )

    cost = table["cost_per_wte_gbp"]
    table["claim_per_wte_gbp"] = np.minimum(cost, table["max_reimbursable_gbp"]) * table["arrs_share"]
    table["co_funder_per_wte_gbp"] = cost * table["co_funder_share"]
    table["top_up_per_wte_gbp"] = (cost - table["claim_per_wte_gbp"] - table["co_funder_per_wte_gbp"]).clip(lower=0)

    in_room = table["room_need"] == "clinical_room"
    at_desk = table["room_need"] == "desk"
    weekly = table["room_sessions_per_wte_per_week"] * (1 - table["remote_share"])
    table["clinical_room_sessions_per_wte"] = np.where(in_room, weekly, 0.0)
    table["desk_sessions_per_wte"] = np.where(at_desk, weekly, 0.0)

    list_size = scenario.pcn.list_size
    table["published_cap_wte"] = [catalogue.cap_wte(r, list_size) for r in table.index]
    table["published_cap_wte"] = table["published_cap_wte"].astype(float)
    removed = [policy.remove_all_caps or r in policy.remove_caps for r in table.index]
    table["cap_removed"] = removed
    table["cap_wte"] = table["published_cap_wte"].where(~table["cap_removed"])
    return table


def _categories(scenario: Scenario, defaults) -> pd.DataFrame:
    table = defaults.categories[["category_name", "contacts_per_1000_patients_per_year", "priority_weight"]].copy()
    table["demand_contacts_per_year"] = table["contacts_per_1000_patients_per_year"] * scenario.pcn.list_size / 1000
    table["demand_is_default"] = True
    for category, setting in scenario.demand.items():
        if setting.contacts_per_year is not None:
            table.at[category, "demand_contacts_per_year"] = setting.contacts_per_year
            table.at[category, "demand_is_default"] = False
        if setting.priority_weight is not None:
            table.at[category, "priority_weight"] = setting.priority_weight
    return table.drop(columns="contacts_per_1000_patients_per_year")


def _productivity(scenario: Scenario, defaults, roles: pd.DataFrame) -> pd.Series:
    contacts = defaults.productivity["contacts_per_wte_year"].copy()
    for role, by_category in scenario.productivity.items():
        for category, value in by_category.items():
            contacts.loc[(role, category)] = value
    allowed = set(roles.index[roles["allowed"]])
    keep = contacts.index.get_level_values("role").isin(allowed) & (contacts > 0).to_numpy()
    return contacts[keep].sort_index()


def _funding(scenario: Scenario, catalogue) -> pd.DataFrame:
    table = catalogue.funding[["gbp_per_weighted_patient", "status", "basis", "source"]].copy()
    table.index.name = "pot"
    table["sum_gbp"] = table["gbp_per_weighted_patient"] * scenario.pcn.weighted_population
    table["sum_is_given"] = False
    given = scenario.money.arrs_sum_gbp
    if given is not None:
        table.at[MAIN_POT, "sum_gbp"] = given
        table.at[MAIN_POT, "sum_is_given"] = True
    return table
