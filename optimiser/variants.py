"""Scenario → scenario: the changes a what-if, the app, a batch policy or a multi-year plan make to a PCN.

Each variant changes exactly one thing and returns a new Scenario; the one it was given is untouched.
Variants that can only change numbers copy the validated scenario without validating it again (a batch
applies them to thousands of PCNs); a change of year is validated, since the year decides which roles exist.

One rule for a change of year (the app, batch `year:` policies and plans all use `another_year`): settings
for roles the new year's catalogue lacks are dropped, unless staff are in post in them — staff in post are
facts, and a role that is not an ARRS role that year cannot be claimed, so that is an error that says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping

from optimiser.catalogue import role_ids
from optimiser.catalogue_rules import available_years
from optimiser.errors import ScenarioError
from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.scenario_sections import RoleSettings

Variant = Callable[[Scenario], Scenario]
"""A change to a scenario: batch policies are lists of these, applied in order."""


def _policy(scenario: Scenario, **changes) -> Scenario:
    return scenario.model_copy(update={"policy": scenario.policy.model_copy(update=changes)})


def lift_all_caps(scenario: Scenario) -> Scenario:
    """Every role cap removed: the 'what if' beside each answer."""
    return _policy(scenario, remove_all_caps=True)


def lift_cap(scenario: Scenario, role: str) -> Scenario:
    """One role's cap removed; the role must be in the scenario's year."""
    check_roles(scenario.year, [role], "uncap")
    if role in scenario.policy.remove_caps:
        return scenario
    return _policy(scenario, remove_caps=[*scenario.policy.remove_caps, role])


def scale_rooms(scenario: Scenario, factor: float) -> Scenario:
    """Clinical room sessions a week free for ARRS staff × factor (rentable sessions and desks unchanged)."""
    _check_factor(factor, "rooms")
    estate = scenario.estate.model_copy(update={"room_sessions_per_week": scenario.estate.room_sessions_per_week * factor})
    return scenario.model_copy(update={"estate": estate})


def scale_top_up(scenario: Scenario, factor: float) -> Scenario:
    """The PCN's own top-up budget, £ a year × factor (the ARRS sum unchanged)."""
    _check_factor(factor, "top-up")
    money = scenario.money.model_copy(update={"top_up_budget_gbp": scenario.money.top_up_budget_gbp * factor})
    return scenario.model_copy(update={"money": money})


def whole_posts(scenario: Scenario) -> Scenario:
    """WTE changes only in whole posts of the scenario's post size."""
    return _policy(scenario, whole_posts=True)


def allow_reducing_in_post(scenario: Scenario) -> Scenario:
    """Staff in post may be reduced."""
    return _policy(scenario, allow_reducing_in_post=True)


def dropped_by_year(scenario: Scenario, year: str) -> list[str]:
    """Roles whose settings (role, productivity or cap lift) `another_year` would drop."""
    known = _roles_of(year)
    return sorted({*scenario.roles, *scenario.productivity, *scenario.policy.remove_caps} - known)


def another_year(scenario: Scenario, year: str) -> Scenario:
    """The same PCN under another year's rules, amounts and caps (see the module's rule for roles)."""
    if year == scenario.year:
        return scenario
    known = _roles_of(year)
    staffed = sorted(r for r, s in scenario.roles.items() if r not in known and s.in_post_wte > 0)
    if staffed:
        raise ScenarioError([
            f"year {year}: {', '.join(f'{r} ({scenario.roles[r].in_post_wte:g} WTE in post)' for r in staffed)} "
            f"{'is not an ARRS role' if len(staffed) == 1 else 'are not ARRS roles'} in {year}, so staff in post "
            "cannot be claimed; set their in_post_wte to 0 to compare years"
        ])
    data = scenario.model_dump()
    data["year"] = year
    data["roles"] = {r: s for r, s in data["roles"].items() if r in known}
    data["productivity"] = {r: s for r, s in data["productivity"].items() if r in known}
    data["policy"]["remove_caps"] = [r for r in data["policy"]["remove_caps"] if r in known]
    return parse_scenario(data, f"year {year}")


def carry_forward(scenario: Scenario, year: str, total_wte: Mapping[str, float]) -> Scenario:
    """Next year of a multi-year plan: another year's rules, with this year's answer as the staff in post.

    `total_wte` is the mix chosen this year (role → WTE); roles it leaves out keep no staff in post.
    """
    roles = {role: settings.model_copy(update={"in_post_wte": 0.0}) for role, settings in scenario.roles.items()}
    for role, wte in total_wte.items():
        if wte > 0:
            roles[role] = roles.get(role, RoleSettings()).model_copy(update={"in_post_wte": round(float(wte), 6)})
    return another_year(scenario.model_copy(update={"roles": roles}), year)


def apply(scenario: Scenario, variants: list[Variant]) -> Scenario:
    for variant in variants:
        scenario = variant(scenario)
    return scenario


def check_roles(year: str, roles: list[str], what: str) -> None:
    """Refuse roles the year lacks, with the closest name."""
    known = _roles_of(year)
    problems = []
    for role in roles:
        if role not in known:
            close = difflib.get_close_matches(role, sorted(known), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(sorted(known))}"
            problems.append(f"{what}: {role!r} is not a role in the {year} catalogue; {hint}")
    if problems:
        raise ScenarioError(problems)


def _roles_of(year: str) -> set[str]:
    if year not in available_years():
        raise ScenarioError([f"year {year!r} has no role catalogue; choose one of {', '.join(available_years())}"])
    return set(role_ids(year))


def _check_factor(factor: float, what: str) -> None:
    if not factor >= 0:
        raise ScenarioError([f"{what}: a factor of {factor:g} would make a negative amount"])
