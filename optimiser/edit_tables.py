"""The Roles and Demand tables of the app ↔ the scenario: what the editors show, and their edits applied.

No Streamlit here, so every rule the page relies on is unit-tested. A table cell only changes the scenario
when it differs from the cell the editor was given, so defaults the file left out stay defaults.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from optimiser.assumptions import load_assumptions
from optimiser.catalogue_rules import is_estimate
from optimiser.errors import ScenarioError
from optimiser.inputs import prepare
from optimiser.inputs.role_defaults import GIVEN
from optimiser.scenario import FIELD_LABELS, Scenario
from optimiser.scenario_problems import located_problems, parse_scenario
from optimiser.scenario_sections import DemandSettings, RoleSettings

ROLE_COLUMNS: dict[str, str] = {
    "role_name": "Role",
    "include": "Include",
    "in_post_wte": "In post (WTE)",
    "max_new_wte": "Max new (WTE)",
    "cost_per_wte_gbp": "Cost per WTE (£ a year)",
    "remote_share": "Remote share (0–1)",
    "max_reimbursable_gbp": FIELD_LABELS["roles.max_reimbursable_gbp"],
    "max_reimbursable_status": "Max reimbursable status",
}
"""Each roles-table column's full name with its unit: the workbook's headings, the help on the editor's column and the
column an error names."""
ROLE_HEADERS: dict[str, str] = {
    "role_name": "Role",
    "include": "Include",
    "in_post_wte": "In post",
    "max_new_wte": "Max new",
    "cost_per_wte_gbp": "Cost £/WTE",
    "remote_share": "Remote",
    "max_reimbursable_gbp": "Max £/WTE",
    "max_reimbursable_status": "Status",
}
"""The editor's short headers, so all eight columns fit a 1366-pixel laptop beside the sidebar; each column's help
starts with its full name and unit (`ROLE_COLUMNS`)."""
ROLE_EDITABLE = ["include", "in_post_wte", "max_new_wte", "cost_per_wte_gbp", "remote_share", "max_reimbursable_gbp"]
_ROLE_FIELD = {
    "include": "allowed",
    "in_post_wte": "in_post_wte",
    "max_new_wte": "max_new_wte",
    "cost_per_wte_gbp": "cost_per_wte_gbp",
    "remote_share": "remote_share",
    "max_reimbursable_gbp": "max_reimbursable_gbp",
}
YOURS = "yours"
"""The editor's status of a maximum reimbursable amount the scenario gives (the manager's own, e.g. their ICB's confirmed
figure; `GIVEN` in the results), short enough for its column."""

DEMAND_COLUMNS: dict[str, str] = {
    "category_name": "Demand category",
    "contacts_per_year": "Contacts needed (contacts a year)",
    "priority_weight": "Priority weight",
}
DEMAND_EDITABLE = ["contacts_per_year", "priority_weight"]


# ---------------------------------------------------------------- scenario ↔ roles table


def roles_table(scenario: Scenario) -> pd.DataFrame:
    """One row per role (the year's catalogue, then the scenario's own `custom_roles`): what the PCN can edit, then
    the read-only reimbursement facts, each as `optimiser.inputs.prepare` resolves it for the model.

    Cost and remote share show the value the model will use (given, from a salary or band, or the default);
    empty "max new" means no recruitment limit.
    """
    roles = prepare(scenario).roles
    return pd.DataFrame(
        {
            "role_name": roles["role_name"].astype(str),
            "include": roles["allowed"].astype(bool),
            "in_post_wte": roles["in_post_wte"].astype(float),
            "max_new_wte": roles["max_new_wte"].astype(float).replace(np.inf, np.nan),
            "cost_per_wte_gbp": roles["cost_per_wte_gbp"].astype(float),
            "remote_share": roles["remote_share"].astype(float),
            "max_reimbursable_gbp": roles["max_reimbursable_gbp"].astype(float),
            "max_reimbursable_status": roles["max_reimbursable_status"].astype(str),
        },
        index=pd.Index(roles.index, name="role"),
    )


def estimate_roles(table: pd.DataFrame) -> list[str]:
    """Roles whose maximum reimbursable amount is not a published national figure."""
    return list(table.index[table["max_reimbursable_status"].map(is_estimate).astype(bool)])


def demand_table(scenario: Scenario) -> pd.DataFrame:
    """One row per demand category; empty settings show the default the model will use."""
    categories = load_assumptions().categories
    rows = []
    for category, row in categories.iterrows():
        s = scenario.demand.get(category, DemandSettings())
        default = float(row["contacts_per_1000_patients_per_year"]) * scenario.pcn.list_size / 1000
        rows.append(
            {
                "category": category,
                "category_name": row["category_name"],
                "contacts_per_year": default if s.contacts_per_year is None else s.contacts_per_year,
                "priority_weight": float(row["priority_weight"]) if s.priority_weight is None else s.priority_weight,
            }
        )
    table = pd.DataFrame(rows).set_index("category")
    table[DEMAND_EDITABLE] = table[DEMAND_EDITABLE].astype(float)
    return table


def cell_value(value: Any) -> Any:
    """A table cell as a plain Python value; empty (None, NaN, '') is None."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value.strip() == "" else value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def same_value(a: Any, b: Any) -> bool:
    a, b = cell_value(a), cell_value(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return a == b



def _check_rows(base: pd.DataFrame, edited: pd.DataFrame, what: str) -> None:
    if list(edited.index) != list(base.index):
        missing = [r for r in base.index if r not in edited.index]
        extra = [r for r in edited.index if r not in base.index]
        raise ScenarioError([f"the {what} table's rows changed (missing {missing}, extra {extra}); reload the scenario"])


def _row_problems(
    error: ValidationError, model: type[BaseModel], prefix: str, where: str, labels: dict[str, str], columns: dict[str, str]
) -> list[str]:
    """pydantic's errors for one table row, each the CLI's sentence prefixed by the table row and column."""
    problems = []
    for loc, sentence in located_problems(error, model):
        field_name = str(loc[0]) if loc else ""
        column = labels.get(columns.get(field_name, field_name), field_name)
        problems.append(f"{where}, column '{column}': {prefix}.{sentence}")
    return problems


def apply_roles(scenario: Scenario, base: pd.DataFrame, edited: pd.DataFrame) -> Scenario:
    """The scenario with the roles table's edits applied; raises ScenarioError naming row and column."""
    _check_rows(base, edited, "roles")
    field_to_column = {f: c for c, f in _ROLE_FIELD.items()}
    roles = {r: s.model_dump() for r, s in scenario.roles.items()}
    problems: list[str] = []
    for role in base.index:
        changed = {c: cell_value(edited.at[role, c]) for c in ROLE_EDITABLE if not same_value(base.at[role, c], edited.at[role, c])}
        if not changed:
            continue
        settings = dict(roles.get(role, {}))
        if "cost_per_wte_gbp" in changed:  # a cost typed in replaces a salary or band given in the file
            settings = {k: v for k, v in settings.items() if k not in ("salary_gbp", "afc_band", "afc_point")}
        for column, value in changed.items():
            if column == "include":
                value = True if value is None else value
            elif column == "in_post_wte" and value is None:
                value = 0.0
            settings[_ROLE_FIELD[column]] = value
        where = f"Roles table, row '{base.at[role, 'role_name']}'"
        try:
            validated = RoleSettings.model_validate(settings)
        except ValidationError as error:
            problems += _row_problems(error, RoleSettings, f"roles.{role}", where, ROLE_COLUMNS, field_to_column)
            continue
        if not validated.allowed and validated.in_post_wte > 0:
            problems.append(
                f"{where}, column '{ROLE_COLUMNS['include']}': roles.{role}: {validated.in_post_wte:g} WTE in post "
                "but allowed is false; allow the role or set in_post_wte to 0"
            )
            continue
        if validated == RoleSettings():
            roles.pop(role, None)
        else:
            roles[role] = validated.model_dump(exclude_defaults=True)
    if problems:
        raise ScenarioError(problems)
    return _replace(scenario, roles=roles)


def apply_demand(scenario: Scenario, base: pd.DataFrame, edited: pd.DataFrame) -> Scenario:
    """The scenario with the demand table's edits applied; raises ScenarioError naming row and column."""
    _check_rows(base, edited, "demand")
    demand = {d: s.model_dump() for d, s in scenario.demand.items()}
    problems: list[str] = []
    for category in base.index:
        changed = {c: cell_value(edited.at[category, c]) for c in DEMAND_EDITABLE if not same_value(base.at[category, c], edited.at[category, c])}
        if not changed:
            continue
        settings = {**demand.get(category, {}), **changed}
        where = f"Demand table, row '{base.at[category, 'category_name']}'"
        try:
            validated = DemandSettings.model_validate(settings)
        except ValidationError as error:
            problems += _row_problems(error, DemandSettings, f"demand.{category}", where, DEMAND_COLUMNS, {})
            continue
        if validated == DemandSettings():
            demand.pop(category, None)
        else:
            demand[category] = validated.model_dump(exclude_defaults=True)
    if problems:
        raise ScenarioError(problems)
    return _replace(scenario, demand=demand)


NO_LIMIT = "no limit"
WTE_STEP = 0.001
"""A table editor shows its numbers cut, not rounded, to its step's decimals, so every number cell steps finer than its
format shows, and WTE cells by the census's 0.001: at 0.1, 2.667 WTE in post showed as 2.60 and 0.467 as 0.40 beside
2.67 and 0.47 in the result (and at step 100, 2,014.86 contacts needed as 2014 beside 2,015)."""


def roles_for_editor(table: pd.DataFrame) -> pd.DataFrame:
    """The roles table as the editor shows it: an empty recruitment limit reads "no limit", not None, and an amount the
    scenario gives is the manager's own ("yours")."""
    shown = table.copy()
    shown["max_new_wte"] = [NO_LIMIT if pd.isna(v) else f"{v:g}" for v in table["max_new_wte"]]
    shown["max_reimbursable_status"] = table["max_reimbursable_status"].replace(GIVEN, YOURS)
    return shown


def roles_from_editor(shown: pd.DataFrame) -> pd.DataFrame:
    """Back from the editor: "no limit" (or an empty cell) is no limit; a number typed is that number."""
    table = shown.copy()
    table["max_new_wte"] = pd.Series([_limit(v) for v in shown["max_new_wte"]], index=shown.index, dtype=object)
    return table


def _limit(value: Any) -> Any:
    value = cell_value(value)
    if value is None or (isinstance(value, str) and value.strip().lower() in (NO_LIMIT, "none", "no", "-")):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return value  # validation names the cell and says a number is needed


def apply_editor_state(base: pd.DataFrame, state: dict | None) -> pd.DataFrame:
    """A table with st.data_editor's recorded edits ({"edited_rows": {position: {column: value}}}) applied."""
    edited = base.copy()
    for position, changes in ((state or {}).get("edited_rows") or {}).items():
        row = edited.index[int(position)]
        for column, value in changes.items():
            if column in edited.columns:
                edited[column] = edited[column].astype(object) if value is None or isinstance(value, str) else edited[column]
                edited.at[row, column] = value
    return edited


def _replace(scenario: Scenario, **sections: Any) -> Scenario:
    data = scenario.model_dump()
    data.update(sections)
    return parse_scenario(data, "the app")


