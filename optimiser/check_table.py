"""The Check my plan tab's table ↔ the scenario's plan: the total WTE the PCN intends per role."""

from __future__ import annotations

import pandas as pd

from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario

PLAN_COLUMNS: dict[str, str] = {"role_name": "Role", "in_post_wte": "In post (WTE)", "plan_wte": "Your plan (WTE)"}
"""The plan editor's columns: type the total WTE you intend per role (in post included)."""


def plan_table(scenario: Scenario) -> pd.DataFrame:
    """One row per allowed role: staff in post and the planned total WTE (the scenario's plan, else the staff in post)."""
    from optimiser.inputs import prepare

    roles = prepare(scenario).allowed_roles
    plan = scenario.plan or {}
    return pd.DataFrame({
        "role": roles.index,
        "role_name": roles["role_name"].to_numpy(),
        "in_post_wte": roles["in_post_wte"].to_numpy(),
        "plan_wte": [float(plan.get(r, w)) for r, w in zip(roles.index, roles["in_post_wte"])],
    })


def with_plan(scenario: Scenario, edited: pd.DataFrame) -> Scenario:
    """The scenario with the edited plan column as its plan (empty cells keep the staff in post)."""
    plan = {row["role"]: float(row["in_post_wte"] if pd.isna(row["plan_wte"]) else row["plan_wte"]) for _, row in edited.iterrows()}
    data = scenario.model_dump(mode="json", exclude_none=True)
    return parse_scenario({**data, "plan": plan}, "the plan table")
