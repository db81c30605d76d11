"""Defaults for multi-year plans (leaving rates, lead time, pay awards, ARRS pot, list and demand growth,
discount rate), read from `data/planning/defaults.csv` where each figure keeps its unit, status and source.

A key of `*` is the default for every role or category without its own row; `later` is the default for
every financial year without its own row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import pandas as pd

from optimiser.errors import CatalogueError, allowed_range, outside
from optimiser.package_data import read_package_csv
from optimiser.scenario_names import unknown_name
from optimiser.scenario_units import CHECKED_BOUNDS, UNITS

ANY = "*"
LATER = "later"
STATUSES = {"published", "derived", "estimate", "provisional"}


@dataclass(frozen=True)
class PlanDefaults:
    table: pd.DataFrame  # index (item, key): value, unit, status, basis, source

    @cached_property
    def _values(self) -> dict[tuple[str, str], float]:
        """The values as a plain dict: looked up hundreds of times per plan, where pandas would cost more than the solve."""
        return {key: float(value) for key, value in self.table["value"].items()}

    def value(self, item: str, key: str = ANY) -> float:
        """The default for a role, category or year, falling back to `*` (or `later` for years)."""
        for candidate in (key, LATER, ANY):
            if (item, candidate) in self._values:
                return self._values[item, candidate]
        raise CatalogueError(f"planning defaults have no {item!r} for {key!r}")

    def row(self, item: str, key: str = ANY) -> dict:
        for candidate in (key, LATER, ANY):
            if (item, candidate) in self.table.index:
                return {"item": item, "key": candidate, **self.table.loc[(item, candidate)].to_dict()}
        raise CatalogueError(f"planning defaults have no {item!r} for {key!r}")


@lru_cache(maxsize=None)
def load_plan_defaults() -> PlanDefaults:
    rows = read_package_csv("planning", "defaults.csv")
    table = pd.DataFrame(rows)
    problems = []
    try:
        table["value"] = pd.to_numeric(table["value"], errors="raise")
    except ValueError as error:
        problems.append(str(error))
    for row in rows:
        if row["status"] not in STATUSES:
            problems.append(f"{row['item']}[{row['key']}]: status {row['status']!r} is not one of {sorted(STATUSES)}")
        if not row["basis"].strip() or not row["source"].strip():
            problems.append(f"{row['item']}[{row['key']}]: every default needs a basis and a source")
    table = table.set_index(["item", "key"])
    if table.index.duplicated().any():
        problems.append(f"rows given twice: {list(table.index[table.index.duplicated()])}")
    if problems:
        raise CatalogueError("planning defaults (data/planning/defaults.csv): " + "; ".join(problems))
    return PlanDefaults(table)


DEFAULT_HORIZON_YEARS = 5
PROBABILITY_TOLERANCE = 1e-6


def financial_years(first: str, count: int) -> list[str]:
    """`count` financial years from `first`, e.g. 2026/27, 2027/28, …"""
    start = int(first[:4])
    return [f"{start + t}/{(start + t + 1) % 100:02d}" for t in range(count)]


def plan_years(scenario) -> list[str]:
    return financial_years(scenario.year, scenario.horizon or DEFAULT_HORIZON_YEARS)


def plan_section_problems(scenario) -> list[str]:
    """What is wrong with a scenario's horizon, growth and futures, each naming its field; empty if nothing."""
    from optimiser.assumptions import category_ids
    from optimiser.catalogue import role_ids

    years = plan_years(scenario)
    roles = role_ids(scenario.year)
    categories = category_ids()
    span = f"the plan runs {years[0]} to {years[-1]} (horizon {len(years)} years)"
    problems = _growth_problems("growth", scenario.growth, years, roles, categories, span)
    for name, future in scenario.futures.items():
        where = f"futures.{name}"
        problems += _growth_problems(f"{where}.growth", future.growth, years, roles, categories, span)
        named = [("arrs_frozen_from", future.arrs_frozen_from), ("arrs_ends_from", future.arrs_ends_from)]
        named += [("extra_room_sessions_per_week", y) for y in future.extra_room_sessions_per_week]
        named += [("top_up_budget_gbp", y) for y in future.top_up_budget_gbp]
        problems += [f"{where}.{field} = {year!r}: not a year of the plan; {span}" for field, year in named
                     if year is not None and year not in years]
        for field in ("extra_room_sessions_per_week", "top_up_budget_gbp"):
            problems += [outside(f"{where}.{field}.{year}", amount, allowed_range(**CHECKED_BOUNDS[field]), UNITS[field])
                         for year, amount in getattr(future, field).items() if amount < CHECKED_BOUNDS[field]["ge"]]
    if scenario.futures:
        total = sum(future.probability for future in scenario.futures.values())
        if abs(total - 1) > PROBABILITY_TOLERANCE:
            given = ", ".join(f"{name} {future.probability:g}" for name, future in scenario.futures.items())
            problems.append(f"futures: the probabilities add up to {total:g} ({given}); they must add up to 1")
    return problems


def _growth_problems(where: str, growth, years: list[str], roles: tuple[str, ...], categories: tuple[str, ...], span: str) -> list[str]:
    problems = [unknown_name(f"{where}.leaving_rate_percent", role, list(roles), f"role in the {years[0]} catalogue", years[0])
                for role in growth.leaving_rate_percent if role not in roles]
    problems += [unknown_name(f"{where}.demand_growth_percent", category, list(categories), "demand category")
                 for category in growth.demand_growth_percent if category not in categories]
    problems += [_outside_bounds(f"{where}.leaving_rate_percent.{role}", "leaving_rate_percent", rate)
                 for role, rate in growth.leaving_rate_percent.items() if not _within("leaving_rate_percent", rate)]
    for field in ("pay_award_afc_percent", "pay_award_gp_percent", "arrs_pot_growth_percent", "top_up_growth_percent",
                  "demand_growth_percent"):
        problems += [_outside_bounds(f"{where}.{field}.{key}", field, rate)
                     for key, rate in getattr(growth, field).items() if not _within(field, rate)]
        if field != "demand_growth_percent":
            problems += [f"{where}.{field}: {year!r} is not a year of the plan; {span} (or write `later`)"
                         for year in getattr(growth, field) if year != LATER and year not in years]
    return problems


def _within(field: str, rate: float) -> bool:
    return CHECKED_BOUNDS[field]["ge"] <= rate <= CHECKED_BOUNDS[field]["le"]


def _outside_bounds(where: str, field: str, rate: float) -> str:
    return outside(where, rate, allowed_range(**CHECKED_BOUNDS[field]), UNITS[field])
