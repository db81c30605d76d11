"""The sections of a PCN scenario (pcn, money, estate, roles, custom roles, demand, policy, plan growth and futures,
supervision), each validated on its own; `optimiser/scenario.py` puts them together and checks names across them.
"""

from __future__ import annotations

from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from optimiser.errors import allowed_number, allowed_range
from optimiser.scenario_units import CHECKED_BOUNDS, UNITS


class Strict(BaseModel):
    """Every section refuses unknown keys, NaN and infinity, and `true` where a number belongs."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_for_numbers(cls, value: Any, info) -> Any:
        """pydantic reads `true` as 1 for a number; in a scenario that is always a mistake."""
        if isinstance(value, bool) and is_number_field(cls.model_fields[info.field_name].annotation):
            raise PydanticCustomError(BOOL_FOR_NUMBER, "true or false where a number belongs")
        return value


BOOL_FOR_NUMBER = "bool_for_number"
"""The error type `true` or `false` gets where a number belongs, reported as any other word there is."""


def is_number_field(annotation: Any) -> bool:
    """A field that holds a number (int or float, maybe optional or with a word such as 'derive from band')."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    return any(option in (int, float) for option in options)


class PCN(Strict):
    name: str = Field(min_length=1, description="PCN name as the PCN uses it")
    ods_code: str | None = Field(default=None, description="ODS code of the PCN, e.g. U12345")
    icb: str | None = Field(default=None, description="Integrated care board the PCN belongs to")
    list_size: int = Field(gt=0, le=1_000_000, description="Registered patients")
    weighted_population: float = Field(
        gt=0, le=2_000_000, description="PCN Contractor Weighted Population (Carr-Hill) at 1 January"
    )


class Money(Strict):
    arrs_sum_gbp: float | None = Field(
        default=None,
        ge=0,
        description="ARRS sum in £ a year; leave empty to derive it as weighted population × the year's £ per weighted patient",
    )
    top_up_budget_gbp: float = Field(
        default=0.0, ge=0, description="PCN's own money in £ a year for costs above what ARRS reimburses, and for rent"
    )


class Estate(Strict):
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


class RoleSettings(Strict):
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
        default=None, **CHECKED_BOUNDS["max_reimbursable_gbp"],
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
        if self.cost_per_wte_gbp is None and self.salary_gbp is None and self.afc_band is None and self.afc_point is None:
            return self  # the catalogue's cost: most roles of most scenarios
        given = [name for name, value in (("cost_per_wte_gbp", self.cost_per_wte_gbp), ("salary_gbp", self.salary_gbp),
                                          ("afc_band", self.afc_band)) if value is not None]
        if len(given) > 1:
            raise ValueError(f"give one of cost_per_wte_gbp, salary_gbp or afc_band with afc_point, not {' and '.join(given)}")
        if (self.afc_band is None) != (self.afc_point is None):
            raise ValueError("afc_band and afc_point go together, e.g. afc_band: '6', afc_point: top")
        return self


DERIVE_FROM_BAND = "derive from band"


class CustomRole(Strict):
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
        bounds = CHECKED_BOUNDS["max_reimbursable_gbp"]
        if isinstance(value, str) and value.strip().lower() != DERIVE_FROM_BAND:
            raise ValueError(f"{allowed_number(UNITS['max_reimbursable_gbp'], **bounds)}, or '{DERIVE_FROM_BAND}'")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not bounds["gt"] < value <= bounds["le"]:
            raise ValueError(f"{allowed_range(**bounds)}, or '{DERIVE_FROM_BAND}'")
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


class DemandSettings(Strict):
    contacts_per_year: float | None = Field(
        default=None, ge=0, le=10_000_000, description="Contacts a year needed; empty means the default rate × list size"
    )
    priority_weight: float | None = Field(default=None, ge=0, le=100)


class ValueCurveSettings(Strict):
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


class Policy(Strict):
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


class Growth(Strict):
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
    def _number_means_every_year(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"later": value}
        if not isinstance(value, dict):  # else pydantic would ask for a mapping alone, though one number will do
            unit = UNITS[info.field_name]
            raise ValueError(f"{allowed_number(unit, **CHECKED_BOUNDS[info.field_name])}, for every year, "
                             f"or years and their {unit}, e.g. {{2027/28: 3, later: 2}}")
        return value


class Future(Strict):
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


class SupervisionCapacity(Strict):
    hours_per_week: float = Field(ge=0, le=1000, description="Supervision hours a week this profession can give ARRS staff")
    gbp_per_hour: float | None = Field(
        default=None, ge=0, le=1000, description="Price of one more hour, £ (paid from the top-up budget); empty means none can be bought"
    )


class SupervisionNeed(Strict):
    supervisor: str | None = Field(default=None, description="Supervising profession; empty means the default")
    hours_per_week_per_wte: float | None = Field(default=None, ge=0, le=40, description="Supervision hours a week per WTE")


class Supervision(Strict):
    """Supervision capacity per supervising profession, and any role's own needs (defaults: assumptions data)."""

    available: dict[str, SupervisionCapacity] = Field(default_factory=dict)
    needs: dict[str, SupervisionNeed] = Field(default_factory=dict)
