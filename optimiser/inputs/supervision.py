"""Who supervises each role and for how many hours a week per WTE: the defaults, then the scenario's own."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from optimiser.assumptions import load_supervision
from optimiser.inputs.model_inputs import SUPERVISION_WEEKS_PER_YEAR
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


def supervision_needed(needs: Mapping[str, tuple[str, float]], wte: Mapping[str, float]) -> dict[str, float]:
    """Hours a week each supervising profession gives the staff `wte` (WTE per role), for every profession some staffed
    role needs: the one sum behind a result's supervision table and a checked plan's."""
    needed: dict[str, float] = {}
    for role, (who, per_wte) in needs.items():
        if who != "none" and per_wte > 0 and wte.get(role, 0.0) > 0:
            needed[who] = needed.get(who, 0.0) + per_wte * wte[role]
    return needed


def bought_supervision_gbp(available: Mapping[str, tuple[float, float | None]], profession: str, hours_per_week: float) -> float:
    """£ a year for supervision hours a week bought from a profession, paid every week of the year."""
    price = available[profession][1] if profession in available else None
    return hours_per_week * (price or 0.0) * SUPERVISION_WEEKS_PER_YEAR
