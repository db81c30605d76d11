"""Each role's defaults before the scenario speaks: the year's catalogue joined with the default room needs, and the
scenario's own roles in the same columns."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from optimiser.assumptions import load_assumptions
from optimiser.catalogue import load_catalogue
from optimiser.derived_amounts import band_maximum
from optimiser.errors import ScenarioError
from optimiser.inputs.model_inputs import MAIN_POT
from optimiser.scenario import Scenario
from optimiser.scenario_sections import DERIVE_FROM_BAND

ROLE_DEFAULT_COLUMNS = [
    "role_name", "afc_band", "max_reimbursable_gbp", "max_reimbursable_status", "arrs_share", "co_funder_share", "funding_pot",
    "cap_wte_below_100k", "cap_wte_from_100k", "room_need", "room_sessions_per_wte_per_week", "remote_share",
]
GIVEN = "given in the scenario"
"""Status of a maximum reimbursable amount the scenario sets (e.g. from an ICB's notice)."""


@cache
def role_defaults(year: str, london_weighting: str) -> tuple[pd.Index, dict[str, np.ndarray], tuple[np.ndarray, dict[str, int]]]:
    """The year's catalogue joined with the default room needs, as arrays: done once per year, not per scenario."""
    catalogue, defaults = load_catalogue(year), load_assumptions()
    missing = set(catalogue.roles.index) - set(defaults.roles.index)
    if missing:
        raise ScenarioError([f"the default assumptions have no room needs for {sorted(missing)}"])
    table = (
        catalogue.roles.drop(columns=["max_reimbursable_gbp", "max_reimbursable_status"])
        .join(catalogue.max_reimbursable(london_weighting))
        .join(defaults.roles[["room_need", "room_sessions_per_wte_per_week", "remote_share"]])
    )
    return table.index, {c: table[c].to_numpy() for c in ROLE_DEFAULT_COLUMNS}, positions(table.index)


@cache
def _positions_of(ids: tuple[str, ...]) -> tuple[np.ndarray, dict[str, int]]:
    return np.array(ids, dtype=object), {role: i for i, role in enumerate(ids)}


def positions(index: pd.Index) -> tuple[np.ndarray, dict[str, int]]:
    """The ids as a plain array, and each id's position."""
    return _positions_of(tuple(index.tolist()))


def custom_role_defaults(scenario: Scenario) -> tuple[pd.Index, dict[str, np.ndarray]]:
    """The scenario's own roles in the same columns as the catalogue's: ARRS pot, no cap, their own shares and rooms."""
    rows = []
    for name, role in scenario.custom_roles.items():
        if role.max_reimbursable_gbp == DERIVE_FROM_BAND:
            derived = band_maximum(role.afc_band, scenario.year, scenario.policy.london_weighting)
            maximum, status = derived.amount_gbp, derived.status
        else:
            maximum, status = float(role.max_reimbursable_gbp), GIVEN
        rows.append({
            "role_name": role.name, "afc_band": role.afc_band or "", "max_reimbursable_gbp": maximum,
            "max_reimbursable_status": status, "arrs_share": role.arrs_share, "co_funder_share": 0.0, "funding_pot": MAIN_POT,
            "cap_wte_below_100k": np.nan, "cap_wte_from_100k": np.nan, "room_need": role.room_need,
            "room_sessions_per_wte_per_week": role.room_sessions_per_wte_per_week, "remote_share": role.remote_share,
        })
    table = pd.DataFrame(rows, columns=ROLE_DEFAULT_COLUMNS, index=pd.Index(list(scenario.custom_roles), name="role"))
    return table.index, {c: table[c].to_numpy() for c in ROLE_DEFAULT_COLUMNS}
