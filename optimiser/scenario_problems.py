"""A scenario's problems in words: each of pydantic's errors as one sentence naming the field, the value given and
what is allowed, and `parse_scenario`, which reports every problem in some data in one round.
"""

from __future__ import annotations

import difflib
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from optimiser.errors import ScenarioError, allowed_number, allowed_range, outside, short_value
from optimiser.scenario import Scenario
from optimiser.scenario_sections import BOOL_FOR_NUMBER
from optimiser.scenario_units import CHECKED_BOUNDS, UNITS
from optimiser.scenario_names import name_problems


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


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def describe_validation_error(error: ValidationError, model: type[BaseModel] = Scenario) -> list[str]:
    """Turn pydantic's errors into sentences: field path, the value given, and what is allowed."""
    return [sentence for _, sentence in located_problems(error, model)]


def located_problems(error: ValidationError, model: type[BaseModel] = Scenario) -> list[tuple[tuple, str]]:
    """Each of pydantic's errors as (its location, a sentence), so callers can map a problem back to its source.
    A required key reported missing because it was misspelt is left out: the unknown key's "did you mean" says it."""
    problems, misspelt, missing = [], set(), set()
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
            if close:
                misspelt.add((*loc[:-1], close[0]))
        elif kind == "missing":
            problems.append((loc, _missing(model, loc, path)))
            missing.add(loc)
        elif kind == "value_error":
            for message in str(item.get("ctx", {}).get("error", item["msg"])).splitlines():
                if not path or (isinstance(value, dict) and message.startswith(path)):
                    problems.append((loc, message))
                elif isinstance(value, dict):  # a section's own check: name the section, e.g. the role
                    problems.append((loc, f"{path}: {message}"))
                elif message.startswith(ALLOWED):
                    problems.append((loc, outside(path, value, message, UNITS.get(_field_at(model, loc)[0]))))
                else:
                    problems.append((loc, f"{path} = {short_value(value)}: {message}"))
        elif kind in BOUND_ERRORS:
            problems.append((loc, _out_of_bounds(model, loc, path, value, item)))
        elif kind in NOT_A_NUMBER:
            problems.append((loc, _not_a_number(model, loc, path, value)))
        else:
            shown = short_value(value)
            problems.append((loc, f"{path} = {shown}: {_allowed_text(item)}"))
    return [(loc, sentence) for loc, sentence in problems if not (loc in misspelt and loc in missing)]


ALLOWED = "give "
"""How a validator's message that says only what a field's value may be starts; the field and value are put before
it, as for a number out of range."""

BOUND_ERRORS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}
"""pydantic's error types for a number outside a field's ge/gt/le/lt, and the bound each names."""


def _out_of_bounds(model: type[BaseModel], loc: tuple, path: str, value: Any, item: dict[str, Any]) -> str:
    """A number outside its field's bounds: the field, the value with the field's unit, and every bound the field has
    (pydantic names only the one broken), e.g. "horizon is 20 years; give 1 to 15"."""
    parent = _model_at(model, loc[:-1])
    bounds = _bounds(parent.model_fields.get(str(loc[-1])) if parent else None)
    if not bounds:  # a bound not declared on a field: the one pydantic reports
        bounds = {BOUND_ERRORS[item["type"]]: next(iter(item.get("ctx", {}).values()))}
    return outside(path, value, allowed_range(**bounds), UNITS.get(str(loc[-1])))


NOT_A_NUMBER = {"float_parsing", "int_parsing", "float_type", "int_type", "int_from_float", "finite_number", BOOL_FOR_NUMBER}
"""pydantic's error types for a word, true or false, NaN or infinity, or a fraction given where a (whole) number belongs."""


def _not_a_number(model: type[BaseModel], loc: tuple, path: str, value: Any) -> str:
    """Something other than a number where one belongs, in the out-of-range sentence's words: the field, the value as
    written, and what is allowed with its unit and every bound, e.g. "pcn.list_size is 'lots'; give a whole number of
    patients, more than 0, up to 1,000,000". A mapping's entries (productivity, growth rates) have the mapping's unit
    and bounds, as does a field checked by hand (CHECKED_BOUNDS)."""
    name, field = _field_at(model, loc)
    bounds = _bounds(field) or CHECKED_BOUNDS.get(name, {})
    annotation = field.annotation if field else None
    whole = annotation is int or int in get_args(annotation)
    return outside(path, value, allowed_number(UNITS.get(name), whole, **bounds))


def _missing(model: type[BaseModel], loc: tuple, path: str) -> str:
    """A required field left out: for a number, what to give in the out-of-range sentence's words ("pcn.list_size is
    required: give a whole number of patients, more than 0, up to 1,000,000"), else what the field is."""
    name, field = _field_at(model, loc)
    annotation = field.annotation if field else None
    kinds = get_args(annotation) or (annotation,)
    if any(kind in (int, float) for kind in kinds):
        bounds = _bounds(field) or CHECKED_BOUNDS.get(name, {})
        return f"{path} is required: {allowed_number(UNITS.get(name), int in kinds, **bounds)}"
    described = field.description if field is not None and field.description else ""
    return f"{path} is required" + (f": {described}" if described else "")


def _field_at(model: type[BaseModel], loc: tuple) -> tuple[str, Any]:
    """The field a location is in, by name: the field itself, or the mapping or list whose entry it is."""
    for end in range(len(loc), 0, -1):
        parent = _model_at(model, loc[:end - 1])
        if parent is not None and str(loc[end - 1]) in parent.model_fields:
            return str(loc[end - 1]), parent.model_fields[str(loc[end - 1])]
    return "", None


def _bounds(field: Any) -> dict[str, float]:
    """A field's declared bounds, by name (ge, gt, le, lt)."""
    return {name: getattr(rule, name) for rule in (field.metadata if field else ()) for name in ("ge", "gt", "le", "lt")
            if getattr(rule, name, None) is not None}


def _allowed_text(item: dict[str, Any]) -> str:
    kind = item["type"]
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("dict_type", "model_type"):
        return "must be a mapping of keys to values"
    return item["msg"][0].lower() + item["msg"][1:]


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
