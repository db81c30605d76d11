"""What one PCN scenario says, validated; reading and writing scenario files safely.

A scenario only states what differs from the defaults: the year's role catalogue and the documented
assumptions tables fill in everything else, so a minimal file is a dozen lines.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import reprlib
import stat
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from optimiser.atomic import write_text_atomic
from optimiser.errors import ScenarioError

MAX_SCENARIO_BYTES = 1_000_000
"""A scenario is a few kilobytes; anything near a megabyte is the wrong file."""


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
    "demand.contacts_per_year": "Contacts needed (contacts a year)",
    "demand.priority_weight": "Priority weight",
    "policy.remove_all_caps": "Remove all caps",
    "policy.remove_caps": "Lift the cap on a role",
    "policy.allow_reducing_in_post": "Allow reducing staff in post",
    "policy.whole_posts": "Whole posts only",
    "policy.post_size_wte": "Size of one post (WTE)",
    "policy.min_post_wte": "Minimum post size (WTE)",
    "policy.london_weighting": "London weighting",
}
"""Each scenario field in a manager's words, keyed by its place in a scenario file (`roles.max_new_wte` stands for
`roles.<role>.max_new_wte`). The one list of field labels: the app's widgets and messages and the CLI's use it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_for_numbers(cls, value: Any, info) -> Any:
        """pydantic reads `true` as 1 for a number; in a scenario that is always a mistake."""
        if isinstance(value, bool) and cls.model_fields[info.field_name].annotation is not bool:
            raise ValueError(f"{value!r} is not a number; write a number")
        return value


class PCN(_Strict):
    name: str = Field(min_length=1, description="PCN name as the PCN uses it")
    ods_code: str | None = Field(default=None, description="ODS code of the PCN, e.g. U12345")
    icb: str | None = Field(default=None, description="Integrated care board the PCN belongs to")
    list_size: int = Field(gt=0, le=1_000_000, description="Registered patients")
    weighted_population: float = Field(
        gt=0, le=2_000_000, description="PCN Contractor Weighted Population (Carr-Hill) at 1 January"
    )


class Money(_Strict):
    arrs_sum_gbp: float | None = Field(
        default=None,
        ge=0,
        description="ARRS sum in £ a year; leave empty to derive it as weighted population × the year's £ per weighted patient",
    )
    top_up_budget_gbp: float = Field(
        default=0.0, ge=0, description="PCN's own money in £ a year for costs above what ARRS reimburses, and for rent"
    )


class Estate(_Strict):
    room_sessions_per_week: float = Field(
        ge=0, description="Clinical room sessions a week free for ARRS staff (a session is half a day)"
    )
    rentable_sessions_per_week: float = Field(
        default=0.0, ge=0, description="Extra room sessions a week that could be rented (hub sites, other premises)"
    )
    rent_gbp_per_session: float = Field(default=0.0, ge=0, description="Price of one rented room session, £")
    desk_sessions_per_week: float | None = Field(
        default=None, ge=0, description="Desk sessions a week for desk-based roles; empty means desks do not limit"
    )


class RoleSettings(_Strict):
    allowed: bool = True
    in_post_wte: float = Field(default=0.0, ge=0, le=500, description="WTE already employed under ARRS")
    max_new_wte: float | None = Field(
        default=None, ge=0, le=500, description="Most new WTE the PCN could recruit this year; empty means no limit"
    )
    cost_per_wte_gbp: float | None = Field(
        default=None,
        gt=0,
        le=1_000_000,
        description="Employment cost per WTE in £ a year (salary + employer NI + pension); empty means the maximum reimbursable amount",
    )
    salary_gbp: float | None = Field(
        default=None, gt=0, le=500_000,
        description="Salary per WTE in £ a year, instead of cost_per_wte_gbp: the year's employer NI and pension are added",
    )
    afc_band: str | None = Field(default=None, description="Agenda for Change band, with afc_point, instead of a salary, e.g. '6'")
    afc_point: Literal["entry", "middle", "top"] | None = Field(default=None, description="Pay point within afc_band")
    max_reimbursable_gbp: float | None = Field(
        default=None, gt=0, le=1_000_000,
        description="Maximum reimbursable amount per WTE, £ a year, from your ICB's notice; empty means the catalogue's",
    )
    arrs_share: float | None = Field(default=None, ge=0, le=1, description="Share of the claimable amount ARRS pays, 0 to 1")
    co_funding_agreement: bool = Field(
        default=False, description="A written co-funding agreement is in place (mental health practitioners: posts after the first claim up to 100% ARRS)"
    )
    room_sessions_per_wte_per_week: float | None = Field(default=None, ge=0, le=10)
    remote_share: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _one_cost(self) -> RoleSettings:
        given = [name for name, value in (("cost_per_wte_gbp", self.cost_per_wte_gbp), ("salary_gbp", self.salary_gbp),
                                          ("afc_band", self.afc_band)) if value is not None]
        if len(given) > 1:
            raise ValueError(f"give one of cost_per_wte_gbp, salary_gbp or afc_band with afc_point, not {' and '.join(given)}")
        if (self.afc_band is None) != (self.afc_point is None):
            raise ValueError("afc_band and afc_point go together, e.g. afc_band: '6', afc_point: top")
        return self


DERIVE_FROM_BAND = "derive from band"


class CustomRole(_Strict):
    """A role the scheme's national list lacks (e.g. one the commissioner approved), with what it costs and does."""

    name: str = Field(min_length=1, description="Role name as reports show it")
    afc_band: str | None = Field(default=None, description="Agenda for Change band, e.g. '6'")
    salary_gbp: float | None = Field(default=None, gt=0, le=500_000, description="Salary per WTE, £ a year")
    max_reimbursable_gbp: float | Literal["derive from band"] = Field(
        default=DERIVE_FROM_BAND, description="The approved maximum per WTE (£ a year, with on-costs), or 'derive from band'"
    )
    arrs_share: float = Field(default=1.0, ge=0, le=1, description="Share of the claimable amount ARRS pays, 0 to 1")
    room_need: Literal["clinical_room", "desk", "none"] = "clinical_room"
    room_sessions_per_wte_per_week: float = Field(default=9.0, ge=0, le=10)
    remote_share: float = Field(default=0.2, ge=0, le=1)
    serves: dict[str, float] = Field(default_factory=dict, description="Demand category → contacts per WTE-year")

    @field_validator("max_reimbursable_gbp", mode="before")
    @classmethod
    def _amount_or_derive(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() != DERIVE_FROM_BAND:
            raise ValueError(f"{value!r}: give the approved amount in £ a year, or '{DERIVE_FROM_BAND}'")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 < value <= 1_000_000:
            raise ValueError("must be a number > 0 and ≤ 1,000,000 (£ per WTE a year)")
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _has_cost_and_work(self) -> CustomRole:
        problems = []
        if self.afc_band is None and self.salary_gbp is None:
            problems.append("a custom role needs a cost: give afc_band (e.g. '6') or salary_gbp")
        if self.max_reimbursable_gbp == DERIVE_FROM_BAND and self.afc_band is None:
            problems.append(f"max_reimbursable_gbp is '{DERIVE_FROM_BAND}' but no afc_band is given; give the band or the approved amount")
        if not any(contacts > 0 for contacts in self.serves.values()):
            problems.append("a custom role must serve some demand: give serves: {category: contacts per WTE-year}, e.g. {mental_health: 1100}")
        if problems:
            raise ValueError("\n".join(problems))
        return self


class DemandSettings(_Strict):
    contacts_per_year: float | None = Field(
        default=None, ge=0, le=10_000_000, description="Contacts a year needed; empty means the default rate × list size"
    )
    priority_weight: float | None = Field(default=None, ge=0, le=100)


class ValueCurveSettings(_Strict):
    """A scenario's own value curve (see optimiser/valuation.py): shares of need met and the value of each part."""

    breakpoints: list[float] = Field(min_length=1, description="Upper end of each segment as a share of need, rising to 1")
    slopes: list[float] = Field(min_length=1, description="Value per unit of share in each segment, never rising")

    @field_validator("breakpoints")
    @classmethod
    def _rising_to_one(cls, value: list[float]) -> list[float]:
        if any(not 0 < b <= 1 for b in value) or any(b <= a for a, b in zip(value, value[1:])) or value[-1] != 1:
            raise ValueError("must rise from above 0 to exactly 1 (shares of need met), e.g. [0.5, 0.8, 1]")
        return value

    @field_validator("slopes")
    @classmethod
    def _decreasing(cls, value: list[float]) -> list[float]:
        if any(s <= 0 for s in value):
            raise ValueError("every slope must be above 0")
        if any(b > a for a, b in zip(value, value[1:])):
            raise ValueError("slopes must be decreasing (or equal), e.g. [4, 2, 1]: the first part of a need is worth at least as much as the last")
        return value

    @model_validator(mode="after")
    def _same_length(self) -> ValueCurveSettings:
        if len(self.breakpoints) != len(self.slopes):
            raise ValueError(f"policy.value_curve: {len(self.breakpoints)} breakpoints but {len(self.slopes)} slopes; give one slope per segment")
        return self


class Policy(_Strict):
    valuation: Literal["share", "equal-share", "contacts"] = Field(
        default="share",
        description="How care is valued: share of each need met (diminishing returns), equal-share (raise the lowest share first), "
        "or contacts (priority-weighted contacts, whatever their length)",
    )
    value_curve: ValueCurveSettings | None = Field(default=None, description="Own value curve; empty means the assumptions data")
    remove_all_caps: bool = False
    remove_caps: list[str] = Field(default_factory=list, description="Roles whose cap is lifted")
    allow_reducing_in_post: bool = False
    whole_posts: bool = False
    post_size_wte: float = Field(default=1.0, gt=0, le=1, description="Size of one post when posts are whole")
    min_post_wte: float = Field(
        default=0.2, ge=0, le=1,
        description="Smallest new post recommended, WTE (0.2 is one day a week); each role's new WTE is 0 or at least this; 0 turns it off",
    )
    london_weighting: Literal["none", "outer", "inner"] = "none"
    in_post_beyond_arrs_sum: Literal["paid_outside_arrs", "infeasible"] = Field(
        default="paid_outside_arrs",
        description="When staff in post claim more than the ARRS sum: the excess is paid outside ARRS (own money or other "
        "funding) and new posts get no ARRS, or the scenario is infeasible",
    )


class Growth(_Strict):
    """How a multi-year plan's numbers move from one year to the next; anything left out comes from the
    planning defaults (optimiser/data/planning/defaults.csv). A plain number means every year after the first;
    a mapping gives a year's own rate (`later` for the years not named)."""

    pay_award_afc_percent: dict[str, float] = Field(default_factory=dict, description="Agenda for Change pay award, % on pay")
    pay_award_gp_percent: dict[str, float] = Field(default_factory=dict, description="GP (DDRB) pay award, % on pay")
    arrs_pot_growth_percent: dict[str, float] = Field(default_factory=dict, description="Growth of the ARRS sum, % a year")
    pot_follows_pay_award: bool = Field(
        default=False, description="The ARRS sum grows with the pay award (fully funded); when not given, the planning default"
    )
    top_up_growth_percent: dict[str, float] = Field(default_factory=dict, description="Growth of the top-up budget, % a year")
    list_growth_percent: float | None = Field(default=None, ge=-100, le=100, description="Registered list growth, % a year")
    demand_growth_percent: dict[str, float] = Field(
        default_factory=dict, description="Need per patient beyond list growth, % a year, by demand category"
    )
    leaving_rate_percent: dict[str, float] = Field(default_factory=dict, description="Share of a role's WTE leaving each year, %")
    discount_rate_percent: float | None = Field(default=None, ge=0, le=100, description="Discount rate for later years, % a year")
    recruitment_lead_time_months: float | None = Field(
        default=None, ge=0, le=12, description="Months from approving a post in the first year to the person starting"
    )

    @field_validator("pay_award_afc_percent", "pay_award_gp_percent", "arrs_pot_growth_percent", "top_up_growth_percent", mode="before")
    @classmethod
    def _number_means_every_year(cls, value: Any) -> Any:
        return {"later": value} if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class Future(_Strict):
    """One way the coming years could turn out, with its probability and what differs from the plan's growth."""

    probability: float = Field(ge=0, le=1, description="Chance of this future, 0 to 1; a plan's futures add up to 1")
    description: str = ""
    growth: Growth = Field(default_factory=Growth)
    arrs_frozen_from: str | None = Field(default=None, description="Year from which the ARRS sum is frozen in cash")
    arrs_ends_from: str | None = Field(
        default=None, description="Year from which there is no ARRS sum (e.g. it moves into a neighbourhood contract)"
    )
    extra_room_sessions_per_week: dict[str, float] = Field(
        default_factory=dict, description="Year → room sessions a week added from that year on (an estate project)"
    )
    top_up_budget_gbp: dict[str, float] = Field(default_factory=dict, description="Year → top-up budget, £ a year, from that year on")

    @field_validator("arrs_frozen_from", "arrs_ends_from", mode="before")
    @classmethod
    def _year_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class SupervisionCapacity(_Strict):
    hours_per_week: float = Field(ge=0, le=1000, description="Supervision hours a week this profession can give ARRS staff")
    gbp_per_hour: float | None = Field(
        default=None, ge=0, le=1000, description="Price of one more hour, £ (paid from the top-up budget); empty means none can be bought"
    )


class SupervisionNeed(_Strict):
    supervisor: str | None = Field(default=None, description="Supervising profession; empty means the default")
    hours_per_week_per_wte: float | None = Field(default=None, ge=0, le=40, description="Supervision hours a week per WTE")


class Supervision(_Strict):
    """Supervision capacity per supervising profession, and any role's own needs (defaults: assumptions data)."""

    available: dict[str, SupervisionCapacity] = Field(default_factory=dict)
    needs: dict[str, SupervisionNeed] = Field(default_factory=dict)


class Scenario(_Strict):
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
    horizon: int | None = Field(default=None, ge=1, le=15, description="Years a plan looks ahead (1 to 15); empty means 5")
    growth: Growth = Field(default_factory=Growth)
    futures: dict[str, Future] = Field(default_factory=dict, description="Named futures with probabilities, for plans")

    @field_validator("productivity")
    @classmethod
    def _productivity_numbers(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for role, by_category in value.items():
            for category, contacts in by_category.items():
                if not math.isfinite(contacts) or contacts < 0 or contacts > 100_000:
                    raise ValueError(
                        f"{role}.{category} = {contacts!r}: contacts per WTE-year must be a number from 0 to 100,000"
                    )
        return value

    @model_validator(mode="before")
    @classmethod
    def _year_defaults_to_today(cls, data: Any) -> Any:
        """A scenario without a year is for the financial year containing today; the year is then written out in full,
        so a saved file keeps meaning the same year."""
        if isinstance(data, dict) and data.get("year") is None:
            return {**data, "year": _default_year()}
        return data

    @field_validator("year", mode="before")
    @classmethod
    def _year_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _names_exist(self) -> Scenario:
        problems = name_problems(self.year, self.roles, self.policy.remove_caps, self.productivity, self.demand, self.custom_roles)
        problems += self._supervision_name_problems()
        problems += self._plan_problems()
        from optimiser.catalogue import available_years

        if self.year in available_years():
            problems += _custom_role_problems(self.year, self.roles, self.custom_roles)
        problems += [
            f"roles.{role}: {setting.in_post_wte:g} WTE in post but allowed is false; allow the role or set in_post_wte to 0"
            for role, setting in self.roles.items()
            if not setting.allowed and setting.in_post_wte > 0
        ]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _plan_problems(self) -> list[str]:
        """A plan names roles of the year that the scenario allows, with a WTE from 0 to 500."""
        from optimiser.catalogue import available_years, load_catalogue

        if not self.plan or self.year not in available_years():
            return []
        role_ids = list(load_catalogue(self.year).roles.index)
        problems = [_unknown("plan", role, role_ids, f"role in the {self.year} catalogue", self.year) for role in self.plan if role not in role_ids]
        problems += [f"plan.{role} = {wte!r}: must be a number of WTE from 0 to 500" for role, wte in self.plan.items()
                     if not 0 <= wte <= 500]
        problems += [f"plan.{role}: {wte:g} WTE planned but roles.{role}.allowed is false; allow the role or plan 0"
                     for role, wte in self.plan.items() if wte > 0 and role in self.roles and not self.roles[role].allowed]
        return problems

    def _supervision_name_problems(self) -> list[str]:
        from optimiser.assumptions import load_supervision
        from optimiser.catalogue import available_years, load_catalogue

        if self.year not in available_years():
            return []  # the year is reported already
        supervisors = list(load_supervision().supervisors.index)
        role_ids = list(load_catalogue(self.year).roles.index)
        problems = [_unknown("supervision.available", p, supervisors, "supervising profession")
                    for p in self.supervision.available if p not in supervisors]
        problems += [_unknown("supervision.needs", role, role_ids, f"role in the {self.year} catalogue", self.year)
                     for role in self.supervision.needs if role not in role_ids]
        problems += [_unknown(f"supervision.needs.{role}.supervisor", need.supervisor, supervisors, "supervising profession")
                     for role, need in self.supervision.needs.items() if need.supervisor is not None and need.supervisor not in supervisors]
        return problems

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


def _default_year() -> str:
    from optimiser.catalogue import current_year

    return current_year()


def _band_problems(where: str, band: str | None) -> list[str]:
    from optimiser.catalogue import afc_bands

    if band is None or band.lower().removeprefix("band ").strip() in afc_bands():
        return []
    return [f"{where} = {band!r}: not an Agenda for Change band; choose one of {', '.join(afc_bands())}"]
HINTED_NAMES = 50
"""Unknown names given a did-you-mean; past these (a pasted list of thousands) each is only named."""


def name_problems(year: Any, roles: Any, remove_caps: Any, productivity: Any, demand: Any, custom_roles: Any = None) -> list[str]:
    """Role and demand-category names that do not exist in the year's catalogue, each with a hint.

    Works on raw data too, so `parse_scenario` can report misspelled names in the same round as bad values.
    """
    from optimiser.assumptions import load_assumptions
    from optimiser.catalogue import available_years, load_catalogue

    def names(value: Any) -> list:
        return list(value) if isinstance(value, (dict, list)) else []

    year = str(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else year
    if year is None:
        year = _default_year()
    if not isinstance(year, str) or year not in available_years():
        return [f"year {_short(year)} has no ARRS rules; choose one of {', '.join(available_years())}"]
    role_ids = list(load_catalogue(year).roles.index) + [n for n in names(custom_roles) if isinstance(n, str)]
    category_ids = list(load_assumptions().categories.index)
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
                problems.append(_unknown(where, name, allowed, kind, year))
            else:
                problems.append(f"{where}: {_short(name)} is not a {kind}")
    return problems


def _custom_role_problems(year: str, roles: dict, custom_roles: dict) -> list[str]:
    """A custom role must not reuse a catalogue id; its demand categories and bands must exist."""
    from optimiser.assumptions import load_assumptions
    from optimiser.catalogue import load_catalogue

    catalogue_ids = set(load_catalogue(year).roles.index)
    category_ids = list(load_assumptions().categories.index)
    problems = [
        f"custom_roles.{name}: {name!r} is already a role in the {year} catalogue; set roles.{name} to change it"
        for name in custom_roles if name in catalogue_ids
    ]
    problems += [
        f"custom_roles.{name}: {name!r} must be lower-case letters, digits and _ (e.g. frailty_practitioner)"
        for name in custom_roles if not re.fullmatch(r"[a-z][a-z0-9_]*", name)
    ]
    for name, role in custom_roles.items():
        problems += [_unknown(f"custom_roles.{name}.serves", c, category_ids, "demand category") for c in role.serves if c not in category_ids]
        problems += _band_problems(f"custom_roles.{name}.afc_band", role.afc_band)
    for name, setting in roles.items():
        problems += _band_problems(f"roles.{name}.afc_band", setting.afc_band)
    return problems


def _unknown(where: str, name: str, allowed: list[str], kind: str, year: str | None = None) -> str:
    if year is not None and kind.startswith("role"):
        from optimiser.catalogue import APRIL_SUFFIX, available_years, load_catalogue

        other_years = [y for y in available_years() if not y.endswith(APRIL_SUFFIX) and name in load_catalogue(y).roles.index]
        if other_years:
            return f"{where}: {_short(name)} is not a {kind}; it is an ARRS role in {', '.join(other_years)}"
    close = difflib.get_close_matches(name[:200], allowed, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(sorted(allowed))}"
    return f"{where}: {_short(name)} is not a {kind}; {hint}"


# ---------------------------------------------------------------- validation errors in words


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def describe_validation_error(error: ValidationError, model: type[BaseModel] = Scenario) -> list[str]:
    """Turn pydantic's errors into sentences: field path, the value given, and what is allowed."""
    return [sentence for _, sentence in located_problems(error, model)]


def located_problems(error: ValidationError, model: type[BaseModel] = Scenario) -> list[tuple[tuple, str]]:
    """Each of pydantic's errors as (its location, a sentence), so callers can map a problem back to its source."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        path = ".".join(str(part) for part in loc)
        value = item.get("input")
        kind = item["type"]
        if kind == "extra_forbidden":
            parent = _model_at(model, item["loc"][:-1])
            allowed = _field_names(parent) if parent else []
            close = difflib.get_close_matches(str(item["loc"][-1]), allowed, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
            problems.append((loc, f"{path}: unknown key; {hint}"))
        elif kind == "missing":
            problems.append((loc, f"{path}: required but missing"))
        elif kind == "value_error":
            for message in str(item.get("ctx", {}).get("error", item["msg"])).splitlines():
                problems.append((loc, f"{path} = {_short(value)}: {message}" if path and not isinstance(value, dict) else message))
        else:
            shown = _short(value)
            problems.append((loc, f"{path} = {shown}: {_allowed_text(item)}"))
    return problems


def _allowed_text(item: dict[str, Any]) -> str:
    kind, ctx = item["type"], item.get("ctx", {})
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        symbol = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        bound = next(iter(ctx.values()))
        return f"must be a number {symbol} {bound:,}" if isinstance(bound, (int, float)) else item["msg"]
    if kind == "finite_number":
        return "must be a finite number (not NaN or infinity)"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return "must be a number" if "int" not in kind else "must be a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("dict_type", "model_type"):
        return "must be a mapping of keys to values"
    return item["msg"][0].lower() + item["msg"][1:]


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 50, 50, 40


def _short(value: Any) -> str:
    """A value as the user wrote it, cut short: never the full repr of something an alias may have blown up."""
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class at a location path, so an unknown key can be matched to the real ones."""
    current, parts = model, list(loc)
    while parts:
        field = current.model_fields.get(str(parts.pop(0)))
        if field is None:
            return None
        annotation = field.annotation
        if get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
            if parts:
                parts.pop(0)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        current = annotation
    return current


# ---------------------------------------------------------------- files


def parse_scenario(data: Any, source: str | None = None) -> Scenario:
    """Validate already-parsed data (from YAML, JSON or the app) into a Scenario."""
    if data is None:
        raise ScenarioError(["the scenario is empty; it needs at least pcn, year and estate"], source)
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"the scenario must be a mapping of keys (pcn, year, estate, ...), not a {type(data).__name__}"], source
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = describe_validation_error(error)
        if not any(item["loc"] == () for item in error.errors()):  # field errors stopped the names check; run it now
            policy = data.get("policy") if isinstance(data.get("policy"), dict) else {}
            already = set(problems)
            problems += [p for p in name_problems(data.get("year"), data.get("roles"), policy.get("remove_caps"),
                                                  data.get("productivity"), data.get("demand"), data.get("custom_roles"))
                         if p not in already]
        raise ScenarioError(problems, source) from None


MAX_YAML_DEPTH = 40
"""Nesting a scenario never needs (it uses four levels); deeper text is refused before Python recurses into it."""
MAX_YAML_VALUES = 100_000
"""Values in a scenario once every alias is expanded; a real one has a few hundred. Stops alias bombs early."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when installed: parsing 1 MB takes 0.1 s, not 4 s
    """yaml.safe_load with the limits a file from anyone needs.

    A key given twice is an error instead of the last one silently winning (merge keys `<<: *base` may
    still be overridden, as YAML intends); nesting deeper than MAX_YAML_DEPTH is refused from the event
    stream, before anything recursive runs; and the document's size with every alias expanded is counted
    before any Python object is built.
    """

    def construct_document(self, node):
        _check_expanded_size(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key; the base class says so in its own words
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {_short(key)} is given twice (first on line {first + 1}); keep one", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class _TooBig(yaml.YAMLError):
    def __init__(self, problem: str, mark=None):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_YAML_DEPTH from the parser's flat event stream (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_ScenarioLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _TooBig(f"the file nests deeper than {MAX_YAML_DEPTH} levels; a scenario needs about four", event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_expanded_size(root) -> None:
    """Count the values the document holds with every alias expanded, without expanding anything.

    Each node's expanded size is computed once (iteratively, so no recursion), so a 600-byte file whose
    aliases would expand to a hundred million values is refused in microseconds. A node that contains
    itself (`&a [*a]`) is refused too: no scenario field can hold it.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_YAML_VALUES:
                raise _TooBig(f"the file expands to more than {MAX_YAML_VALUES:,} values (aliases repeat what they point at); "
                              "a scenario has a few hundred", node.start_mark)
            if depth[key] > MAX_YAML_DEPTH:
                raise _TooBig(f"the file nests deeper than {MAX_YAML_DEPTH} levels once aliases are expanded; "
                              "a scenario needs about four", node.start_mark)
            continue
        if key in open_nodes:
            raise _TooBig("an alias refers to a value that contains it, so it never ends", node.start_mark)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def scenario_data_from_text(text: str, source: str = "scenario") -> Any:
    """Parse YAML (JSON is YAML too) safely within the limits above; every failure is a ScenarioError sentence."""
    if len(text) > MAX_SCENARIO_BYTES or len(text.encode("utf-8", errors="ignore")) > MAX_SCENARIO_BYTES:
        raise ScenarioError([_TOO_LARGE], source)
    if "\x00" in text:
        raise ScenarioError(["the file is binary, not a YAML scenario"], source)
    loader = None
    try:
        _check_depth(text)
        loader = _ScenarioLoader(text)
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        if isinstance(error, _TooBig):
            raise ScenarioError([f"{where}{problem}"], source) from None
        context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
        started = f" ({context} started on line {context_mark.line + 1})" if context and context_mark else ""
        raise ScenarioError([f"{where}YAML syntax error: {_clip(problem)}{started}"], source) from None
    except RecursionError:  # pragma: no cover - the depth limit stops nesting long before this
        raise ScenarioError([f"the file nests deeper than {MAX_YAML_DEPTH} levels; a scenario needs about four"], source) from None
    finally:
        if loader is not None:
            loader.dispose()


def scenario_from_text(text: str, source: str = "scenario") -> Scenario:
    """Parse and validate a scenario's text, reporting syntax errors with their line."""
    return parse_scenario(scenario_data_from_text(text, source), source)


_TOO_LARGE = f"the file is larger than {MAX_SCENARIO_BYTES // 1000:,} kB; is it a scenario?"


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file, read safely: regular files only, at most MAX_SCENARIO_BYTES.

    A FIFO, a device such as /dev/zero, or a socket is refused before it is opened (opening a FIFO waits
    for a writer; /dev/zero never ends); a file that grows while read is cut at the limit and refused.
    Every failure, permission included, is a ScenarioError sentence naming the file.
    """
    path = Path(path)
    source = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(["is a folder, not a scenario file"], source)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([f"is {_file_kind(info.st_mode)}, not a scenario file; give a .yaml file"], source)
        if info.st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError([_TOO_LARGE], source)
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):  # replaced between the check and the open
                raise ScenarioError(["is not a regular file; give a .yaml file"], source)
            with os.fdopen(handle, "rb", closefd=False) as stream:
                raw = stream.read(MAX_SCENARIO_BYTES + 1)
        finally:
            os.close(handle)
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError([f"no such file; check the path (working directory is {Path.cwd().name}/)"], source) from None
    except PermissionError:
        raise ScenarioError(["cannot be read: permission denied (on the file or a folder above it); "
                             "ask for read access or copy the file somewhere you can read"], source) from None
    except OSError as error:
        raise ScenarioError([f"cannot be read: {error.strerror or error}"], source) from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError([_TOO_LARGE], source)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(["the file is not UTF-8 text; is it a scenario?"], source) from None


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_scenario_data(path: str | Path) -> Any:
    """A scenario file's YAML as plain data, with every limit of `load_scenario` (used for batch base files too)."""
    return scenario_data_from_text(read_scenario_text(path), str(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario file; every failure is a ScenarioError naming the file."""
    return parse_scenario(read_scenario_data(path), str(path))


def scenario_to_text(scenario: Scenario, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """Only what differs from the defaults is written, so files stay short and diff well."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data = {"pcn": data.pop("pcn"), "year": scenario.year, **data}
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def save_scenario(scenario: Scenario, path: str | Path, overwrite: bool = False) -> Path:
    """Write atomically (temp file then rename) and never replace a file unless asked to."""
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    write_text_atomic(path, scenario_to_text(scenario, fmt), overwrite=overwrite)
    return path
