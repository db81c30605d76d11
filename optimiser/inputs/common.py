"""What PCNs of one base scenario and policy share, worked out once, and the few numbers each PCN adds to it.

A scenario's inputs split in two: what it says of its roles, supervision, productivity and valuation (the same for
every row of a batch under one policy, as a table gives only a PCN's size, money, rooms, demand and staff in post)
and what its own numbers decide. `prepare` is `CommonInputs(scenario).prepare(scenario)`; a batch keeps the first
part for a chunk's rows (`optimiser/batch/worker.py`), so only the second is worked out per PCN.
"""

from __future__ import annotations

from collections.abc import Iterable

from optimiser.inputs.demand import category_defaults, contacts_and_reference, resolve_categories
from optimiser.inputs.model_inputs import ROOM_WEEKS_PER_YEAR, ModelInputs
from optimiser.inputs.money import arrs_sums, in_post_beyond_arrs
from optimiser.inputs.roles import role_terms
from optimiser.inputs.supervision import supervision_needs
from optimiser.scenario import Scenario
from optimiser.valuation import default_curve, make_curve


PCN_SECTIONS = ("pcn", "money", "estate", "demand")
"""Sections `CommonInputs.prepare` reads from each PCN's own scenario, with each role's staff in post."""


def only_pcn_numbers(paths: Iterable[tuple[str, ...]]) -> bool:
    """Whether scenarios that differ only at these paths (e.g. a batch table's columns) share their `CommonInputs`."""
    return all(path[0] in PCN_SECTIONS or path[::2] == ("roles", "in_post_wte") for path in paths)


class CommonInputs:
    """The inputs `scenario` shares with any scenario that differs from it only in a PCN's own numbers: its sections in
    `PCN_SECTIONS` and its staff in post (identity, list size, weighted population, money, estate, demand)."""

    def __init__(self, scenario: Scenario):
        self.roles = role_terms(scenario)
        self.contacts, self.reference = contacts_and_reference(scenario)
        allowed = self.roles.keys[self.roles.settings["allowed"]].tolist()
        allowed_set = set(allowed)
        self.contacts_by_pair = {key: value for key, value in self.contacts.items() if key[0] in allowed_set}
        curve = scenario.policy.value_curve
        self.value_curve = default_curve() if curve is None else make_curve(curve.breakpoints, curve.slopes)
        self.supervision_needs = supervision_needs(scenario, allowed_set)
        self.supervision_available = {p: (c.hours_per_week, c.gbp_per_hour) for p, c in scenario.supervision.available.items()}

    def prepare(self, scenario: Scenario) -> ModelInputs:
        """The model inputs of `scenario`, which must differ from the one these were made from only in a PCN's numbers."""
        role_data = self.roles.for_pcn(scenario)
        sums = arrs_sums(scenario)
        _, _, category_keys = category_defaults()
        return ModelInputs(
            scenario=scenario,
            role_ids=self.roles.index,
            role_keys=self.roles.keys,
            role_data=role_data,
            category_ids=category_defaults()[0],
            category_keys=category_keys,
            category_data=resolve_categories(scenario, self.reference),
            contacts_by_pair=self.contacts_by_pair,
            value_curve=self.value_curve,
            supervision_needs=self.supervision_needs,
            supervision_available=self.supervision_available,
            arrs_sums_gbp=sums,
            in_post_beyond_arrs_gbp=in_post_beyond_arrs(scenario, role_data, sums),
            top_up_budget_gbp=scenario.money.top_up_budget_gbp,
            room_sessions_per_week=scenario.estate.room_sessions_per_week,
            rentable_sessions_per_week=scenario.estate.rentable_sessions_per_week,
            rent_gbp_per_session_per_year=scenario.estate.rent_gbp_per_session * ROOM_WEEKS_PER_YEAR,
            desk_sessions_per_week=scenario.estate.desk_sessions_per_week,
            warnings=tuple(self.roles.warnings),
        )
