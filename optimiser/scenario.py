"""What one PCN scenario says, validated.

A scenario only states what differs from the defaults: the year's role catalogue and the documented
assumptions tables fill in everything else, so a minimal file is a dozen lines. Its sections are in
`scenario_sections.py`; the names it uses are checked in `scenario_names.py`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import Field, field_validator, model_validator

from optimiser.errors import allowed_range, outside
from optimiser.scenario_names import (
    custom_role_problems,
    default_year,
    name_problems,
    plan_problems,
    supervision_name_problems,
)
from optimiser.scenario_sections import (
    CHECKED_BOUNDS,
    PCN,
    CustomRole,
    DemandSettings,
    Estate,
    Future,
    Growth,
    Money,
    Policy,
    RoleSettings,
    Strict,
    Supervision,
    UNITS,
)

PCN_NUMBERS: dict[str, tuple[str, str]] = {
    "list_size": ("pcn", "list_size"),
    "weighted_population": ("pcn", "weighted_population"),
    "arrs_sum_gbp": ("money", "arrs_sum_gbp"),
    "top_up_budget_gbp": ("money", "top_up_budget_gbp"),
    "room_sessions_per_week": ("estate", "room_sessions_per_week"),
    "rentable_sessions_per_week": ("estate", "rentable_sessions_per_week"),
    "rent_gbp_per_session": ("estate", "rent_gbp_per_session"),
    "desk_sessions_per_week": ("estate", "desk_sessions_per_week"),
}
"""The numbers that describe one PCN, by the flat name tables and forms use, and where each sits in a scenario."""


FIELD_LABELS: dict[str, str] = {
    "pcn.name": "PCN name",
    "pcn.list_size": "List size (patients)",
    "pcn.weighted_population": "Weighted population (patients)",
    "money.arrs_sum_gbp": "ARRS sum (£ a year)",
    "money.top_up_budget_gbp": "Top-up budget (£ a year)",
    "estate.room_sessions_per_week": "Clinical room sessions free (sessions a week)",
    "estate.rentable_sessions_per_week": "Rentable room sessions (sessions a week)",
    "estate.rent_gbp_per_session": "Rent (£ per session)",
    "estate.desk_sessions_per_week": "Desk sessions (sessions a week)",
    "roles.allowed": "Include",
    "roles.in_post_wte": "In post (WTE)",
    "roles.max_new_wte": "Max new (WTE)",
    "roles.cost_per_wte_gbp": "Cost per WTE (£ a year)",
    "roles.remote_share": "Remote share (0–1)",
    "roles.max_reimbursable_gbp": "Max reimbursable (£ per WTE a year)",
    "demand.contacts_per_year": "Contacts needed (contacts a year)",
    "demand.priority_weight": "Priority weight",
    "policy.remove_all_caps": "Remove all caps",
    "policy.remove_caps": "Lift the cap on a role",
    "policy.allow_reducing_in_post": "Allow reducing staff in post",
    "policy.whole_posts": "Whole posts only",
    "policy.post_size_wte": "Size of one post (WTE)",
    "policy.london_weighting": "London weighting",
}
"""Each scenario field the app has a control for, in the control's words, keyed by its place in a scenario file
(`roles.max_new_wte` stands for `roles.<role>.max_new_wte`). The one list of field labels: the app's widgets and
messages use it, and a message naming a field not listed here says it is set in the scenario file."""

MAX_HORIZON_YEARS = 15
HORIZON_RANGE = f"a plan looks 1 to {MAX_HORIZON_YEARS} years ahead"
"""What a horizon may be, in words, for the sentence an out-of-range --horizon gets (plan and batch alike)."""


class Scenario(Strict):
    """A PCN, a financial year and everything that differs from the defaults."""

    pcn: PCN
    year: str = Field(description="Financial year, e.g. 2026/27 (left out: the one containing today); selects the ARRS rules")
    money: Money = Field(default_factory=Money)
    estate: Estate
    roles: dict[str, RoleSettings] = Field(default_factory=dict)
    custom_roles: dict[str, CustomRole] = Field(default_factory=dict, description="Roles added by the scenario, e.g. commissioner-approved")
    demand: dict[str, DemandSettings] = Field(default_factory=dict)
    productivity: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Overrides of contacts per WTE-year: role → category → contacts"
    )
    policy: Policy = Field(default_factory=Policy)
    supervision: Supervision = Field(default_factory=Supervision)
    plan: dict[str, float] | None = Field(
        default=None, description="The mix a manager intends to check (`check`): total WTE per role; roles left out keep the WTE in post"
    )
    horizon: int | None = Field(default=None, ge=1, le=MAX_HORIZON_YEARS, description=f"Years a plan looks ahead (1 to {MAX_HORIZON_YEARS}); empty means 5")
    growth: Growth = Field(default_factory=Growth)
    futures: dict[str, Future] = Field(default_factory=dict, description="Named futures with probabilities, for plans")

    @field_validator("productivity")
    @classmethod
    def _productivity_numbers(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        bounds = CHECKED_BOUNDS["productivity"]
        for role, by_category in value.items():
            for category, contacts in by_category.items():
                if not math.isfinite(contacts) or not bounds["ge"] <= contacts <= bounds["le"]:
                    raise ValueError(outside(f"productivity.{role}.{category}", contacts, allowed_range(**bounds), UNITS["productivity"]))
        return value

    @model_validator(mode="before")
    @classmethod
    def _year_defaults_to_today(cls, data: Any) -> Any:
        """A scenario without a year is for the financial year containing today; the year is then written out in full,
        so a saved file keeps meaning the same year."""
        if isinstance(data, dict) and data.get("year") is None:
            return {**data, "year": default_year()}
        return data

    @field_validator("year", mode="before")
    @classmethod
    def _year_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _names_exist(self) -> Scenario:
        problems = name_problems(self.year, self.roles, self.policy.remove_caps, self.productivity, self.demand, self.custom_roles)
        problems += supervision_name_problems(self.year, self.supervision)
        problems += plan_problems(self.year, self.plan, self.roles)
        from optimiser.catalogue_rules import available_years

        if self.year in available_years():
            problems += custom_role_problems(self.year, self.roles, self.custom_roles)
        problems += [
            f"roles.{role}: {setting.in_post_wte:g} WTE in post but allowed is false; allow the role or set in_post_wte to 0"
            for role, setting in self.roles.items()
            if not setting.allowed and setting.in_post_wte > 0
        ]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _plan_sections_agree(self) -> Scenario:
        from optimiser.plan_defaults import plan_section_problems

        problems = plan_section_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def canonical_json(self) -> str:
        """Stable text of the scenario, used as a cache key and to compare versions."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
