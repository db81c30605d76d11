"""Resolve a scenario against the year's catalogue and the default assumptions into labelled model inputs.

This is the only place where defaults meet overrides, so the model builder sees one number per
role, category and pot, with units in the column names, and never looks anything up itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from optimiser.assumptions import load_assumptions
from optimiser.catalogue import load_catalogue
from optimiser.errors import ScenarioError
from optimiser.scenario import RoleSettings, Scenario

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

    @cached_property
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


MODEL_COLUMNS = [
    "role_name", "max_reimbursable_gbp", "max_reimbursable_status", "outer_london_max_gbp", "inner_london_max_gbp",
    "arrs_share", "co_funder_share", "funding_pot",
]


def _roles(scenario: Scenario, catalogue, defaults) -> pd.DataFrame:
    table = catalogue.roles[MODEL_COLUMNS].copy()
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

    overrides = pd.DataFrame(
        [s.model_dump() for s in scenario.roles.values()], index=list(scenario.roles), columns=list(RoleSettings.model_fields)
    ).reindex(table.index)
    table["allowed"] = overrides["allowed"].fillna(True).astype(bool)
    table["in_post_wte"] = overrides["in_post_wte"].fillna(0.0).astype(float)
    table["max_new_wte"] = overrides["max_new_wte"].astype(float).fillna(np.inf)
    table["cost_per_wte_gbp"] = overrides["cost_per_wte_gbp"].astype(float).fillna(table["max_reimbursable_gbp"])
    for column in ("room_sessions_per_wte_per_week", "remote_share"):
        table[column] = overrides[column].astype(float).fillna(table[column])

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

    table["published_cap_wte"] = catalogue.caps_wte(scenario.pcn.list_size)
    table["cap_removed"] = policy.remove_all_caps | table.index.isin(policy.remove_caps)
    table["cap_wte"] = table["published_cap_wte"].where(~table["cap_removed"])
    return table.drop(columns=["outer_london_max_gbp", "inner_london_max_gbp"])


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
