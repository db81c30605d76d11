"""Resolve a scenario against the year's catalogue and the default assumptions into labelled model inputs.

This is the only place where defaults meet overrides, so the model builder sees one number per
role, category and pot, with units in the column names, and never looks anything up itself.
Where each job is: `model_inputs.py` what the model is given; `role_defaults.py` and `roles.py` the roles, their
costs and caps; `demand.py` the need and who serves it; `supervision.py` who supervises whom; `money.py` the ARRS sums.
"""

from __future__ import annotations

from optimiser.inputs.demand import category_defaults, contacts_and_reference, resolve_categories
from optimiser.inputs.model_inputs import ROOM_WEEKS_PER_YEAR, SUPERVISION_WEEKS_PER_YEAR, ModelInputs
from optimiser.inputs.money import arrs_sums, in_post_beyond_arrs
from optimiser.inputs.roles import employment_cost, resolve_roles
from optimiser.inputs.supervision import supervision_needs
from optimiser.scenario import Scenario
from optimiser.valuation import default_curve, make_curve

__all__ = ["SUPERVISION_WEEKS_PER_YEAR", "ModelInputs", "employment_cost", "prepare"]


def prepare(scenario: Scenario) -> ModelInputs:
    role_ids, role_keys, role_data, warnings = resolve_roles(scenario)
    sums = arrs_sums(scenario)
    contacts, reference = contacts_and_reference(scenario)
    allowed = set(role_keys[role_data["allowed"]].tolist())
    curve = scenario.policy.value_curve
    return ModelInputs(
        scenario=scenario,
        role_ids=role_ids,
        role_keys=role_keys,
        role_data=role_data,
        category_ids=category_defaults()[0],
        category_keys=category_defaults()[2],
        category_data=resolve_categories(scenario, reference),
        contacts_by_pair={key: value for key, value in contacts.items() if key[0] in allowed},
        value_curve=default_curve() if curve is None else make_curve(curve.breakpoints, curve.slopes),
        supervision_needs=supervision_needs(scenario, allowed),
        supervision_available={p: (c.hours_per_week, c.gbp_per_hour) for p, c in scenario.supervision.available.items()},
        arrs_sums_gbp=sums,
        in_post_beyond_arrs_gbp=in_post_beyond_arrs(scenario, role_data, sums),
        top_up_budget_gbp=scenario.money.top_up_budget_gbp,
        room_sessions_per_week=scenario.estate.room_sessions_per_week,
        rentable_sessions_per_week=scenario.estate.rentable_sessions_per_week,
        rent_gbp_per_session_per_year=scenario.estate.rent_gbp_per_session * ROOM_WEEKS_PER_YEAR,
        desk_sessions_per_week=scenario.estate.desk_sessions_per_week,
        warnings=tuple(warnings),
    )
