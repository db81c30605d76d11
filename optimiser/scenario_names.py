"""Names a scenario uses (roles, demand categories, bands, supervising professions, the year), checked against the
year's catalogue and the assumptions data, each unknown one with a did-you-mean hint.

Works on raw data too, so a misspelled name is reported in the same round as a bad value.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from optimiser.errors import allowed_range, outside, short_value
from optimiser.scenario_sections import CustomRole, RoleSettings, Supervision
from optimiser.scenario_units import CHECKED_BOUNDS, UNITS

HINTED_NAMES = 50
"""Unknown names given a did-you-mean; past these (a pasted list of thousands) each is only named."""


def default_year() -> str:
    from optimiser.catalogue_rules import current_year

    return current_year()


def name_problems(year: Any, roles: Any, remove_caps: Any, productivity: Any, demand: Any, custom_roles: Any = None) -> list[str]:
    """Role and demand-category names that do not exist in the year's catalogue, each with a hint.

    Works on raw data too, so `parse_scenario` can report misspelled names in the same round as bad values.
    """
    from optimiser import assumptions, catalogue
    from optimiser.catalogue_rules import available_years

    def names(value: Any) -> list:
        return list(value) if isinstance(value, (dict, list)) else []

    year = str(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else year
    if year is None:
        year = default_year()
    if not isinstance(year, str) or year not in available_years():
        return [f"year {short_value(year)} has no ARRS rules; choose one of {', '.join(available_years())}"]
    role_ids = [*catalogue.role_ids(year), *(n for n in names(custom_roles) if isinstance(n, str))]
    category_ids = assumptions.category_ids()
    role_kind = f"role in the {year} catalogue"

    checks = [
        ("roles", names(roles), role_ids, role_kind),
        ("policy.remove_caps", names(remove_caps), role_ids, role_kind),
        ("productivity", names(productivity), role_ids, role_kind),
        ("demand", names(demand), category_ids, "demand category"),
    ]
    if isinstance(productivity, dict):
        checks += [(f"productivity.{role}", names(by_category), category_ids, "demand category")
                   for role, by_category in productivity.items() if isinstance(role, str)]
    problems: list[str] = []
    for where, given, allowed, kind in checks:
        for name in given:
            if isinstance(name, str) and name in allowed:
                continue
            if len(problems) < HINTED_NAMES and isinstance(name, str):
                problems.append(unknown_name(where, name, allowed, kind, year))
            else:
                problems.append(f"{where}: {short_value(name)} is not a {kind}")
    return problems


def custom_role_problems(year: str, roles: dict[str, RoleSettings], custom_roles: dict[str, CustomRole]) -> list[str]:
    """A custom role must not reuse a catalogue id; its demand categories and bands must exist."""
    from optimiser import assumptions, catalogue

    catalogue_ids = catalogue.role_ids(year)
    category_ids = assumptions.category_ids()
    problems = [
        f"custom_roles.{name}: {name!r} is already a role in the {year} catalogue; set roles.{name} to change it"
        for name in custom_roles if name in catalogue_ids
    ]
    problems += [
        f"custom_roles.{name}: {name!r} must be lower-case letters, digits and _ (e.g. frailty_practitioner)"
        for name in custom_roles if not re.fullmatch(r"[a-z][a-z0-9_]*", name)
    ]
    for name, role in custom_roles.items():
        problems += [unknown_name(f"custom_roles.{name}.serves", c, category_ids, "demand category") for c in role.serves if c not in category_ids]
        problems += _band_problems(f"custom_roles.{name}.afc_band", role.afc_band)
    for name, setting in roles.items():
        problems += _band_problems(f"roles.{name}.afc_band", setting.afc_band)
    return problems


def plan_problems(year: str, plan: dict[str, float] | None, roles: dict[str, RoleSettings]) -> list[str]:
    """A plan names roles of the year that the scenario allows, with a WTE from 0 to 500."""
    from optimiser import catalogue
    from optimiser.catalogue_rules import available_years

    if not plan or year not in available_years():
        return []
    role_ids = catalogue.role_ids(year)
    problems = [unknown_name("plan", role, role_ids, f"role in the {year} catalogue", year) for role in plan if role not in role_ids]
    bounds = CHECKED_BOUNDS["plan"]
    problems += [outside(f"plan.{role}", wte, allowed_range(**bounds), UNITS["plan"]) for role, wte in plan.items()
                 if not bounds["ge"] <= wte <= bounds["le"]]
    problems += [f"plan.{role}: {wte:g} WTE planned but roles.{role}.allowed is false; allow the role or plan 0"
                 for role, wte in plan.items() if wte > 0 and role in roles and not roles[role].allowed]
    return problems


def supervision_name_problems(year: str, supervision: Supervision) -> list[str]:
    from optimiser import catalogue
    from optimiser.assumptions import supervisor_ids
    from optimiser.catalogue_rules import available_years

    if year not in available_years():
        return []  # the year is reported already
    supervisors = supervisor_ids()
    role_ids = catalogue.role_ids(year)
    problems = [unknown_name("supervision.available", p, supervisors, "supervising profession")
                for p in supervision.available if p not in supervisors]
    problems += [unknown_name("supervision.needs", role, role_ids, f"role in the {year} catalogue", year)
                 for role in supervision.needs if role not in role_ids]
    problems += [unknown_name(f"supervision.needs.{role}.supervisor", need.supervisor, supervisors, "supervising profession")
                 for role, need in supervision.needs.items() if need.supervisor is not None and need.supervisor not in supervisors]
    return problems


def _band_problems(where: str, band: str | None) -> list[str]:
    if band is None:
        return []
    from optimiser.derived_amounts import afc_bands

    if band.lower().removeprefix("band ").strip() in afc_bands():
        return []
    return [f"{where} = {band!r}: not an Agenda for Change band; choose one of {', '.join(afc_bands())}"]


def unknown_name(where: str, name: str, allowed: list[str], kind: str, year: str | None = None, listed: str | None = None) -> str:
    """An unknown name in one sentence: the year it is a role in, if any, else the closest allowed name or the list
    (`listed`, where the names allowed are more than `allowed`, such as bands beside roles)."""
    if year is not None and kind.startswith("role"):
        from optimiser.catalogue import load_catalogue
        from optimiser.catalogue_rules import APRIL_SUFFIX, available_years

        other_years = [y for y in available_years() if not y.endswith(APRIL_SUFFIX) and name in load_catalogue(y).roles.index]
        if other_years:
            return f"{where}: {short_value(name)} is not a {kind}; it is an ARRS role in {', '.join(other_years)}"
    close = difflib.get_close_matches(name[:200], allowed, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else f"choose from {listed or ', '.join(sorted(allowed))}"
    return f"{where}: {short_value(name)} is not a {kind}; {hint}"
