"""The demand side: each category's need, priority and size in clinical time, and which roles serve it at what rate."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from optimiser.assumptions import load_assumptions
from optimiser.catalogue_rules import financial_year_of_year
from optimiser.scenario import Scenario
from optimiser.valuation import clinical_size_wte, reference_contacts_per_wte


@cache
def category_defaults() -> tuple[pd.Index, dict[str, np.ndarray], tuple[str, ...]]:
    defaults = load_assumptions().categories
    columns = ("category_name", "contacts_per_1000_patients_per_year", "priority_weight")
    return defaults.index, {c: defaults[c].to_numpy() for c in columns}, tuple(defaults.index.tolist())


def resolve_categories(scenario: Scenario, reference: dict[str, float]) -> dict[str, np.ndarray]:
    """Need, priority and size in clinical time per category (reference rate: see optimiser/valuation.py)."""
    _, defaults, names = category_defaults()
    demand = defaults["contacts_per_1000_patients_per_year"] * scenario.pcn.list_size / 1000
    weight = defaults["priority_weight"].copy()
    is_default = np.ones(len(names), dtype=bool)
    for category, setting in scenario.demand.items():
        i = names.index(category)
        if setting.contacts_per_year is not None:
            demand[i], is_default[i] = setting.contacts_per_year, False
        if setting.priority_weight is not None:
            weight[i] = setting.priority_weight
    return {"category_name": defaults["category_name"], "priority_weight": weight,
            "demand_contacts_per_year": demand, "demand_is_default": is_default,
            "reference_contacts_per_wte_year": np.array([reference.get(d, np.nan) for d in names]),
            "clinical_size_wte": np.array(list(clinical_size_wte(dict(zip(names, demand.tolist())), reference).values()), dtype=float)}


@cache
def _default_contacts(financial_year: str) -> dict[tuple[str, str], float]:
    """The default capability table in force in a financial year (rows carry from_year/until_year)."""
    return load_assumptions().productivity_in(financial_year)["contacts_per_wte_year"].to_dict()


@cache
def _defaults_in(financial_year: str) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """The default rates in force (rates above 0, sorted) and each category's reference rate, worked out once a year."""
    contacts = {key: value for key, value in sorted(_default_contacts(financial_year).items()) if value > 0}
    return contacts, reference_contacts_per_wte(contacts)


def contacts_and_reference(scenario: Scenario) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """`all_contacts` and the reference rates of a scenario; for the many without roles or rates of their own, the
    year's defaults as worked out once."""
    if not scenario.custom_roles and not scenario.productivity:
        contacts, reference = _defaults_in(financial_year_of_year(scenario.year))
        return dict(contacts), dict(reference)
    contacts = all_contacts(scenario)
    return contacts, reference_contacts_per_wte(contacts)


def all_contacts(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Contacts per WTE-year of every (role, category) pair in the scenario's productivity table, allowed or not."""
    contacts = dict(_default_contacts(financial_year_of_year(scenario.year)))
    for name, role in scenario.custom_roles.items():
        contacts |= {(name, category): value for category, value in role.serves.items()}
    for role, by_category in scenario.productivity.items():
        contacts |= {(role, category): value for category, value in by_category.items()}
    return {key: value for key, value in sorted(contacts.items()) if value > 0}
