"""Resolve a scenario against the year's catalogue and the default assumptions into labelled model inputs.

This is the only place where defaults meet overrides, so the model builder sees one number per
role, category and pot, with units in the column names, and never looks anything up itself.
Where each job is: `model_inputs.py` what the model is given; `role_defaults.py` and `roles.py` the roles, their
costs and caps; `demand.py` the need and who serves it; `supervision.py` who supervises whom; `money.py` the ARRS sums;
`common.py` what PCNs of one base and policy share, and what each adds.
"""

from __future__ import annotations

from optimiser.inputs.common import CommonInputs
from optimiser.inputs.model_inputs import ROOM_WEEKS_PER_YEAR, SUPERVISION_WEEKS_PER_YEAR, ModelInputs
from optimiser.inputs.roles import employment_cost
from optimiser.scenario import Scenario

__all__ = ["ROOM_WEEKS_PER_YEAR", "SUPERVISION_WEEKS_PER_YEAR", "CommonInputs", "ModelInputs", "employment_cost", "prepare"]


def prepare(scenario: Scenario) -> ModelInputs:
    return CommonInputs(scenario).prepare(scenario)
