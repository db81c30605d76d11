"""What one PCN scenario says, validated; reading and writing scenario files safely.

A scenario only states what differs from the defaults: the year's role catalogue and the documented
assumptions tables fill in everything else, so a minimal file is a dozen lines.
"""

from __future__ import annotations

import difflib
import json
import math
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
    room_sessions_per_wte_per_week: float | None = Field(default=None, ge=0, le=10)
    remote_share: float | None = Field(default=None, ge=0, le=1)


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


class Scenario(_Strict):
    """A PCN, a financial year and everything that differs from the defaults."""

    pcn: PCN
    year: str = Field(description="Financial year, e.g. 2025/26; selects the role catalogue")
    money: Money = Field(default_factory=Money)
    estate: Estate
    roles: dict[str, RoleSettings] = Field(default_factory=dict)
    demand: dict[str, DemandSettings] = Field(default_factory=dict)
    productivity: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Overrides of contacts per WTE-year: role → category → contacts"
    )
    policy: Policy = Field(default_factory=Policy)
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

    @field_validator("year", mode="before")
    @classmethod
    def _year_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _names_exist(self) -> Scenario:
        from optimiser.assumptions import load_assumptions
        from optimiser.catalogue import available_years, load_catalogue

        if self.year not in available_years():
            raise ValueError(f"year {self.year!r} has no ARRS rules; choose one of {', '.join(available_years())}")
        role_ids = list(load_catalogue(self.year).roles.index)
        category_ids = list(load_assumptions().categories.index)
        problems = []
        for where, names, allowed, kind in [
            ("roles", self.roles, role_ids, f"role in the {self.year} catalogue"),
            ("policy.remove_caps", self.policy.remove_caps, role_ids, f"role in the {self.year} catalogue"),
            ("productivity", self.productivity, role_ids, f"role in the {self.year} catalogue"),
            ("demand", self.demand, category_ids, "demand category"),
        ]:
            problems += [_unknown(where, name, allowed, kind, self.year) for name in names if name not in allowed]
        for role, by_category in self.productivity.items():
            problems += [
                _unknown(f"productivity.{role}", c, category_ids, "demand category")
                for c in by_category
                if c not in category_ids
            ]
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


def _unknown(where: str, name: str, allowed: list[str], kind: str, year: str | None = None) -> str:
    if year is not None and kind.startswith("role"):
        from optimiser.catalogue import APRIL_SUFFIX, available_years, load_catalogue

        other_years = [y for y in available_years() if not y.endswith(APRIL_SUFFIX) and name in load_catalogue(y).roles.index]
        if other_years:
            return f"{where}: {name!r} is not a {kind}; it is an ARRS role in {', '.join(other_years)}"
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(sorted(allowed))}"
    return f"{where}: {name!r} is not a {kind}; {hint}"


# ---------------------------------------------------------------- validation errors in words


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def describe_validation_error(error: ValidationError, model: type[BaseModel] = Scenario) -> list[str]:
    """Turn pydantic's errors into sentences: field path, the value given, and what is allowed."""
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        value = item.get("input")
        kind = item["type"]
        if kind == "extra_forbidden":
            parent = _model_at(model, item["loc"][:-1])
            allowed = _field_names(parent) if parent else []
            close = difflib.get_close_matches(str(item["loc"][-1]), allowed, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
            problems.append(f"{path}: unknown key; {hint}")
        elif kind == "missing":
            problems.append(f"{path}: required but missing")
        elif kind == "value_error":
            for message in str(item.get("ctx", {}).get("error", item["msg"])).splitlines():
                problems.append(f"{path} = {_short(value)}: {message}" if path and not isinstance(value, dict) else message)
        else:
            shown = _short(value)
            problems.append(f"{path} = {shown}: {_allowed_text(item)}")
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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
        raise ScenarioError(describe_validation_error(error), source) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.safe_load, except that a key given twice is an error instead of the last one silently winning."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice (first on line {seen[key] + 1}); keep one", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def scenario_from_text(text: str, source: str = "scenario") -> Scenario:
    """Parse YAML (JSON is YAML too) safely, reporting syntax errors with their line."""
    if len(text.encode("utf-8", errors="ignore")) > MAX_SCENARIO_BYTES:
        raise ScenarioError([f"the file is larger than {MAX_SCENARIO_BYTES // 1000:,} kB; is it a scenario?"], source)
    if "\x00" in text:
        raise ScenarioError(["the file is binary, not a YAML scenario"], source)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
        started = f" ({context} started on line {context_mark.line + 1})" if context and context_mark else ""
        raise ScenarioError([f"{where}YAML syntax error: {problem}{started}"], source) from None
    return parse_scenario(data, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario file; every failure is a ScenarioError naming the file."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError([f"no such file; check the path (working directory is {Path.cwd().name}/)"], str(path))
    if path.is_dir():
        raise ScenarioError(["is a folder, not a scenario file"], str(path))
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError([f"the file is larger than {MAX_SCENARIO_BYTES // 1000:,} kB; is it a scenario?"], str(path))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(["the file is not UTF-8 text; is it a scenario?"], str(path)) from None
    return scenario_from_text(text, str(path))


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
