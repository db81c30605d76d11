"""Who supervises each role and for how many hours a week per WTE: the defaults, then the scenario's own."""

from __future__ import annotations

from functools import cache

from optimiser.assumptions import load_supervision
from optimiser.scenario import Scenario


def supervision_needs(scenario: Scenario, allowed: set[str]) -> dict[str, tuple[str, float]]:
    """Who supervises each allowed role and for how many hours a week per WTE: the defaults, then the scenario's own."""
    defaults = _supervision_defaults()
    needs = {}
    for role in sorted(allowed):
        supervisor, hours = defaults.get(role, ("none", 0.0))
        own = scenario.supervision.needs.get(role)
        if own is not None:
            supervisor = own.supervisor or supervisor
            hours = hours if own.hours_per_week_per_wte is None else own.hours_per_week_per_wte
        needs[role] = (supervisor, hours)
    return needs


@cache
def _supervision_defaults() -> dict[str, tuple[str, float]]:
    needs = load_supervision().needs
    return {role: (str(who), float(hours)) for role, who, hours in zip(needs.index, needs["supervisor_id"], needs["hours_per_week_per_wte"])}
