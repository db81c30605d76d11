"""The app's sidebar form ↔ the scenario: each widget's value, the scenario with the form applied, the caps to lift.

Every value is checked by the scenario's own validation; a bad one is reported beside its widget.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import ValidationError

from optimiser import variants
from optimiser.catalogue import load_catalogue
from optimiser.edit_tables import cell_value, same_value
from optimiser.errors import ScenarioError
from optimiser.scenario import FIELD_LABELS, PCN_NUMBERS, Scenario
from optimiser.scenario_problems import located_problems

FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "pcn_name": ("pcn", "name"),
    **PCN_NUMBERS,
    "remove_all_caps": ("policy", "remove_all_caps"),
    "whole_posts": ("policy", "whole_posts"),
    "post_size_wte": ("policy", "post_size_wte"),
    "allow_reducing_in_post": ("policy", "allow_reducing_in_post"),
    "london_weighting": ("policy", "london_weighting"),
}
"""Widget key → where its value lives in the scenario. `year`, `arrs_derive` and cap lifts are handled apart."""
_NOT_FLOAT = {"pcn_name", "list_size", "remove_all_caps", "whole_posts", "allow_reducing_in_post", "london_weighting"}


def label(key: str) -> str:
    """A widget's label: the scenario field's words from FIELD_LABELS."""
    section, name = FORM_FIELDS[key]
    return FIELD_LABELS[f"{section}.{name}"]


def derived_arrs_sum(scenario: Scenario) -> float:
    """The main ARRS sum the year's £ per weighted patient gives this PCN, £ a year."""
    funding = load_catalogue(scenario.year).funding
    return float(funding.at["arrs", "gbp_per_weighted_patient"]) * scenario.pcn.weighted_population


def form_values(scenario: Scenario) -> dict[str, Any]:
    """The value of every sidebar widget for a scenario, keyed by widget key."""
    values: dict[str, Any] = {}
    for key, (section, name) in FORM_FIELDS.items():
        value = getattr(getattr(scenario, section), name)
        if key not in _NOT_FLOAT and value is not None:
            value = float(value)  # widgets need one numeric type; a default of 0 is an int
        values[key] = value
    values["arrs_derive"] = scenario.money.arrs_sum_gbp is None
    values["arrs_sum_gbp"] = derived_arrs_sum(scenario) if values["arrs_derive"] else scenario.money.arrs_sum_gbp
    values["year"] = scenario.year
    values["lifted_caps"] = [r for r in cap_table(scenario).index if r in scenario.policy.remove_caps]
    return values


class FormError(ScenarioError):
    """Invalid form values; `by_field` maps each widget key to its sentences ("" for the scenario as a whole)."""

    def __init__(self, by_field: dict[str, list[str]]):
        self.by_field = by_field
        super().__init__([p for problems in by_field.values() for p in problems])


def apply_form(scenario: Scenario, values: dict[str, Any]) -> tuple[Scenario, list[str]]:
    """The scenario with the sidebar's values applied, and the roles dropped by a change of year.

    `values` holds any of the FORM_FIELDS keys, plus `arrs_derive`, `year` and `lifted_caps` (roles whose
    cap is lifted, among those with a cap this year). Invalid values raise FormError with the CLI's sentences.
    """
    data = scenario.model_dump()
    for key, (section, name) in FORM_FIELDS.items():
        if key in values:
            value = cell_value(values[key]) if key != "pcn_name" else (values[key] or "")
            if not same_value(value, data[section][name]):  # unchanged values keep their type, so files stay as written
                data[section][name] = value
    if values.get("arrs_derive"):
        data["money"]["arrs_sum_gbp"] = None
    if "lifted_caps" in values:
        toggled = set(cap_table(scenario).index)
        kept = [r for r in scenario.policy.remove_caps if r not in toggled]
        data["policy"]["remove_caps"] = sorted(set(kept) | set(values["lifted_caps"]))
    year = values.get("year", scenario.year)
    try:
        edited = Scenario.model_validate(data)
    except ValidationError as error:
        path_to_key = {".".join(path): key for key, path in FORM_FIELDS.items()}
        by_field: dict[str, list[str]] = {}
        for loc, sentence in located_problems(error):
            key = path_to_key.get(".".join(str(p) for p in loc), "")
            by_field.setdefault(key, []).append(sentence)
        raise FormError(by_field) from None
    if year == scenario.year:
        return edited, []
    try:
        return variants.another_year(edited, year), variants.dropped_by_year(edited, year)
    except ScenarioError as error:
        raise FormError({"year": list(error.problems)}) from None


def cap_table(scenario: Scenario) -> pd.DataFrame:
    """Roles with a cap for this year and list size: the cap in WTE, how sure it is, and whether it is lifted."""
    catalogue = load_catalogue(scenario.year)
    policy = scenario.policy
    rows = []
    for role in catalogue.capped_roles():
        cap = catalogue.cap_wte(role, scenario.pcn.list_size)
        if cap is None:
            continue
        rows.append(
            {
                "role": role,
                "role_name": catalogue.roles.at[role, "role_name"],
                "cap_wte": cap,
                "cap_status": catalogue.roles.at[role, "cap_status"],
                "lifted": policy.remove_all_caps or role in policy.remove_caps,
            }
        )
    return pd.DataFrame(rows, columns=["role", "role_name", "cap_wte", "cap_status", "lifted"]).set_index("role")


