"""Pure helpers behind the Streamlit page: scenario ↔ editable tables and form values, safe file names,
chart data and side-by-side comparisons. No Streamlit here, so every rule the page relies on is unit-tested.

The page keeps one scenario as its base (the one loaded, or last re-synchronised) and, on every run,
applies the widgets' values and the table editors' cells to it. A table cell only changes the scenario
when it differs from the cell the editor was given, so defaults the file left out stay defaults.
"""

from __future__ import annotations

import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from optimiser import variants
from optimiser.assumptions import load_assumptions
from optimiser.catalogue import POT_NAMES, load_catalogue
from optimiser.errors import OptimiserError, ScenarioError, SolverError
from optimiser.explain import InfeasibleScenario
from optimiser.pipeline import optimise
from optimiser.results import Result, compare_care, compare_mix, compare_summary
from optimiser.scenario import FIELD_LABELS, PCN_NUMBERS, Scenario
from optimiser.scenario_problems import describe_validation_error, parse_scenario
from optimiser.scenario_sections import DemandSettings, RoleSettings

# ---------------------------------------------------------------- palette and words

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
"""Okabe & Ito's colour-blind-safe palette; every chart also labels its parts in words."""

ESTIMATE_MARK = " *"
ESTIMATE_NOTE = (
    "* Maximum reimbursable amount not a published national figure: 'derived' is arithmetic on published "
    "figures and rules, 'provisional' rests on a figure not yet confirmed for the year (the catalogue gives "
    "the working of each). Check these against your ICB's current figures before relying on them."
)

ROLE_COLUMNS: dict[str, str] = {
    "role_name": "Role",
    "include": "Include",
    "in_post_wte": "In post (WTE)",
    "max_new_wte": "Max new (WTE)",
    "cost_per_wte_gbp": "Cost per WTE (£ a year)",
    "remote_share": "Remote share (0–1)",
    "max_reimbursable_gbp": "Max reimbursable (£ per WTE a year)",
    "max_reimbursable_status": "Max reimbursable status",
}
ROLE_EDITABLE = ["include", "in_post_wte", "max_new_wte", "cost_per_wte_gbp", "remote_share"]
_ROLE_FIELD = {
    "include": "allowed",
    "in_post_wte": "in_post_wte",
    "max_new_wte": "max_new_wte",
    "cost_per_wte_gbp": "cost_per_wte_gbp",
    "remote_share": "remote_share",
}

DEMAND_COLUMNS: dict[str, str] = {
    "category_name": "Demand category",
    "contacts_per_year": "Contacts needed (contacts a year)",
    "priority_weight": "Priority weight",
}
DEMAND_EDITABLE = ["contacts_per_year", "priority_weight"]

FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "pcn_name": ("pcn", "name"),
    **PCN_NUMBERS,
    "remove_all_caps": ("policy", "remove_all_caps"),
    "whole_posts": ("policy", "whole_posts"),
    "post_size_wte": ("policy", "post_size_wte"),
    "allow_reducing_in_post": ("policy", "allow_reducing_in_post"),
    "london_weighting": ("policy", "london_weighting"),
}
"""Widget key → where its value lives in the scenario. `year`, `arrs_derive` and cap lifts are handled apart."""
_NOT_FLOAT = {"pcn_name", "list_size", "remove_all_caps", "whole_posts", "allow_reducing_in_post", "london_weighting"}


def label(key: str) -> str:
    """A widget's label: the scenario field's words from FIELD_LABELS."""
    section, name = FORM_FIELDS[key]
    return FIELD_LABELS[f"{section}.{name}"]


def care_in_words(result: Result) -> str:
    """Contacts served of those needed, per category, in one sentence: the care chart's text alternative."""
    care = result.care()
    return "; ".join(f"{row['category_name']}: {row['served_contacts_per_year']:,.0f} of {row['demand_contacts_per_year']:,.0f} "
                     f"served ({row['served_share']:.0%}), {row['unmet_contacts_per_year']:,.0f} unmet"
                     for _, row in care.iterrows()) + "."


def chart_text(data: pd.DataFrame, label_column: str) -> str:
    """A chart's figures as one sentence per bar, for screen readers and anyone who prefers words."""
    rows = data.drop_duplicates(label_column)
    return "; ".join(f"{row[label_column]}: {row['words']}" if row["words"] != row[label_column] else row["words"]
                     for _, row in rows.iterrows()) + "."

MEASURES: dict[str, str] = {
    "total_wte": "Staff (WTE)",
    "new_wte": "New staff (WTE)",
    "arrs_sum_gbp_per_year": "ARRS sum (£ a year)",
    "arrs_claimed_gbp_per_year": "ARRS claimed (£ a year)",
    "arrs_unspent_gbp_per_year": "ARRS unspent (£ a year)",
    "in_post_beyond_arrs_gbp_per_year": "Staff in post beyond the ARRS sum, paid outside ARRS (£ a year)",
    "top_up_used_gbp_per_year": "Top-up used (£ a year)",
    "total_cost_gbp_per_year": "Total cost: staff and rented rooms (£ a year)",
    "demand_contacts_per_year": "Contacts needed (contacts a year)",
    "served_contacts_per_year": "Contacts served (contacts a year)",
    "unmet_contacts_per_year": "Contacts unmet (contacts a year)",
    "weighted_care_per_year": "Priority-weighted care (weighted contacts a year)",
    "care_score": "Care score (out of 100: every need fully met)",
    "need_met_wte_years": "Need met in clinical time (WTE-years a year at each need's reference rate)",
    "rented_sessions_per_week": "Rented room sessions (sessions a week)",
}
"""Headline measures of `Result.summary()` in words, with their units."""

CHANGE_TOLERANCE = 1e-6


# ---------------------------------------------------------------- scenario ↔ roles table


def _max_reimbursable(scenario: Scenario) -> pd.DataFrame:
    """The maximum reimbursable amount per role and its status, as `optimiser.inputs.prepare` resolves them."""
    catalogue = load_catalogue(scenario.year)
    return catalogue.roles[["role_name"]].join(catalogue.max_reimbursable(scenario.policy.london_weighting))


def roles_table(scenario: Scenario) -> pd.DataFrame:
    """One row per role of the year's catalogue: what the PCN can edit, then the read-only reimbursement facts.

    Empty cost and remote share show the value the model will use (the maximum reimbursable amount, the
    default remote share); empty "max new" means no recruitment limit.
    """
    from optimiser.inputs import employment_cost

    facts = _max_reimbursable(scenario)
    bands = load_catalogue(scenario.year).roles["afc_band"]
    default_remote = load_assumptions().roles["remote_share"]
    rows = []
    for role, fact in facts.iterrows():
        s = scenario.roles.get(role, RoleSettings())
        maximum = fact["max_reimbursable_gbp"] if s.max_reimbursable_gbp is None else s.max_reimbursable_gbp
        cost = employment_cost(s, bands[role], scenario.year)[0]  # given as a cost, a salary, or a band and point
        rows.append(
            {
                "role": role,
                "role_name": fact["role_name"],
                "include": s.allowed,
                "in_post_wte": s.in_post_wte,
                "max_new_wte": np.nan if s.max_new_wte is None else s.max_new_wte,
                "cost_per_wte_gbp": maximum if cost is None else cost,
                "remote_share": float(default_remote.get(role, 0.0)) if s.remote_share is None else s.remote_share,
                "max_reimbursable_gbp": float(fact["max_reimbursable_gbp"]),
                "max_reimbursable_status": fact["max_reimbursable_status"],
            }
        )
    table = pd.DataFrame(rows).set_index("role")
    for column in ("in_post_wte", "max_new_wte", "cost_per_wte_gbp", "remote_share", "max_reimbursable_gbp"):
        table[column] = table[column].astype(float)
    table["include"] = table["include"].astype(bool)
    return table


def estimate_roles(table: pd.DataFrame) -> list[str]:
    """Roles whose maximum reimbursable amount is not a published national figure."""
    return list(table.index[table["max_reimbursable_status"] != "published"])


def demand_table(scenario: Scenario) -> pd.DataFrame:
    """One row per demand category; empty settings show the default the model will use."""
    categories = load_assumptions().categories
    rows = []
    for category, row in categories.iterrows():
        s = scenario.demand.get(category, DemandSettings())
        default = float(row["contacts_per_1000_patients_per_year"]) * scenario.pcn.list_size / 1000
        rows.append(
            {
                "category": category,
                "category_name": row["category_name"],
                "contacts_per_year": default if s.contacts_per_year is None else s.contacts_per_year,
                "priority_weight": float(row["priority_weight"]) if s.priority_weight is None else s.priority_weight,
            }
        )
    table = pd.DataFrame(rows).set_index("category")
    table[DEMAND_EDITABLE] = table[DEMAND_EDITABLE].astype(float)
    return table


def _cell(value: Any) -> Any:
    """A table cell as a plain Python value; empty (None, NaN, '') is None."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value.strip() == "" else value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _cell(a), _cell(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _check_rows(base: pd.DataFrame, edited: pd.DataFrame, what: str) -> None:
    if list(edited.index) != list(base.index):
        missing = [r for r in base.index if r not in edited.index]
        extra = [r for r in edited.index if r not in base.index]
        raise ScenarioError([f"the {what} table's rows changed (missing {missing}, extra {extra}); reload the scenario"])


def _row_problems(
    error: ValidationError, model: type[BaseModel], prefix: str, where: str, labels: dict[str, str], columns: dict[str, str]
) -> list[str]:
    """pydantic's errors for one table row, each the CLI's sentence prefixed by the table row and column."""
    sentences = describe_validation_error(error, model)
    problems = []
    for item, sentence in zip(error.errors(), sentences):
        field_name = str(item["loc"][0]) if item["loc"] else ""
        column = labels.get(columns.get(field_name, field_name), field_name)
        problems.append(f"{where}, column '{column}': {prefix}.{sentence}")
    return problems


def apply_roles(scenario: Scenario, base: pd.DataFrame, edited: pd.DataFrame) -> Scenario:
    """The scenario with the roles table's edits applied; raises ScenarioError naming row and column."""
    _check_rows(base, edited, "roles")
    field_to_column = {f: c for c, f in _ROLE_FIELD.items()}
    roles = {r: s.model_dump() for r, s in scenario.roles.items()}
    problems: list[str] = []
    for role in base.index:
        changed = {c: _cell(edited.at[role, c]) for c in ROLE_EDITABLE if not _same(base.at[role, c], edited.at[role, c])}
        if not changed:
            continue
        settings = dict(roles.get(role, {}))
        if "cost_per_wte_gbp" in changed:  # a cost typed in replaces a salary or band given in the file
            settings = {k: v for k, v in settings.items() if k not in ("salary_gbp", "afc_band", "afc_point")}
        for column, value in changed.items():
            if column == "include":
                value = True if value is None else value
            elif column == "in_post_wte" and value is None:
                value = 0.0
            settings[_ROLE_FIELD[column]] = value
        where = f"Roles table, row '{base.at[role, 'role_name']}'"
        try:
            validated = RoleSettings.model_validate(settings)
        except ValidationError as error:
            problems += _row_problems(error, RoleSettings, f"roles.{role}", where, ROLE_COLUMNS, field_to_column)
            continue
        if not validated.allowed and validated.in_post_wte > 0:
            problems.append(
                f"{where}, column '{ROLE_COLUMNS['include']}': roles.{role}: {validated.in_post_wte:g} WTE in post "
                "but allowed is false; allow the role or set in_post_wte to 0"
            )
            continue
        if validated == RoleSettings():
            roles.pop(role, None)
        else:
            roles[role] = validated.model_dump(exclude_defaults=True)
    if problems:
        raise ScenarioError(problems)
    return _replace(scenario, roles=roles)


def apply_demand(scenario: Scenario, base: pd.DataFrame, edited: pd.DataFrame) -> Scenario:
    """The scenario with the demand table's edits applied; raises ScenarioError naming row and column."""
    _check_rows(base, edited, "demand")
    demand = {d: s.model_dump() for d, s in scenario.demand.items()}
    problems: list[str] = []
    for category in base.index:
        changed = {c: _cell(edited.at[category, c]) for c in DEMAND_EDITABLE if not _same(base.at[category, c], edited.at[category, c])}
        if not changed:
            continue
        settings = {**demand.get(category, {}), **changed}
        where = f"Demand table, row '{base.at[category, 'category_name']}'"
        try:
            validated = DemandSettings.model_validate(settings)
        except ValidationError as error:
            problems += _row_problems(error, DemandSettings, f"demand.{category}", where, DEMAND_COLUMNS, {})
            continue
        if validated == DemandSettings():
            demand.pop(category, None)
        else:
            demand[category] = validated.model_dump(exclude_defaults=True)
    if problems:
        raise ScenarioError(problems)
    return _replace(scenario, demand=demand)


NO_LIMIT = "no limit"


def roles_for_editor(table: pd.DataFrame) -> pd.DataFrame:
    """The roles table as the editor shows it: an empty recruitment limit reads "no limit", not None."""
    shown = table.copy()
    shown["max_new_wte"] = [NO_LIMIT if pd.isna(v) else f"{v:g}" for v in table["max_new_wte"]]
    return shown


def roles_from_editor(shown: pd.DataFrame) -> pd.DataFrame:
    """Back from the editor: "no limit" (or an empty cell) is no limit; a number typed is that number."""
    table = shown.copy()
    table["max_new_wte"] = pd.Series([_limit(v) for v in shown["max_new_wte"]], index=shown.index, dtype=object)
    return table


def _limit(value: Any) -> Any:
    value = _cell(value)
    if value is None or (isinstance(value, str) and value.strip().lower() in (NO_LIMIT, "none", "no", "-")):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return value  # validation names the cell and says a number is needed


_FIELD_PATH = re.compile(r"\b(pcn|money|estate|roles|demand|policy)\.(?:(<\w+>|\w+)\.)?(\w+)(: true| is true)?")


def in_words(text: str) -> str:
    """A core sentence for the app: scenario-file paths (`roles.<role>.max_new_wte`) become the labels on screen."""

    def label(match: re.Match) -> str:
        section, _, name, switched_on = match.groups()
        words = FIELD_LABELS.get(f"{section}.{name}")
        if words is None:
            return match.group(0)
        where = {"roles": " in the Roles table", "demand": " in the Demand table"}.get(section, "")
        return f"“{words}”{where}" + (" switched on" if switched_on else "")

    return _FIELD_PATH.sub(label, text)


def lead_limits(result: Result, limits: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of limits_display that lead (Result.lead_limits, the rule the CLI and board report use) and the rest."""
    lead, rest = result.lead_limits()
    return limits.loc[lead.index], limits.loc[rest.index]


def apply_editor_state(base: pd.DataFrame, state: dict | None) -> pd.DataFrame:
    """A table with st.data_editor's recorded edits ({"edited_rows": {position: {column: value}}}) applied."""
    edited = base.copy()
    for position, changes in ((state or {}).get("edited_rows") or {}).items():
        row = edited.index[int(position)]
        for column, value in changes.items():
            if column in edited.columns:
                edited[column] = edited[column].astype(object) if value is None or isinstance(value, str) else edited[column]
                edited.at[row, column] = value
    return edited


def _replace(scenario: Scenario, **sections: Any) -> Scenario:
    data = scenario.model_dump()
    data.update(sections)
    return parse_scenario(data, "the app")


# ---------------------------------------------------------------- scenario ↔ form values


def derived_arrs_sum(scenario: Scenario) -> float:
    """The main ARRS sum the year's £ per weighted patient gives this PCN, £ a year."""
    funding = load_catalogue(scenario.year).funding
    return float(funding.at["arrs", "gbp_per_weighted_patient"]) * scenario.pcn.weighted_population


def form_values(scenario: Scenario) -> dict[str, Any]:
    """The value of every sidebar widget for a scenario, keyed by widget key."""
    values: dict[str, Any] = {}
    for key, (section, name) in FORM_FIELDS.items():
        value = getattr(getattr(scenario, section), name)
        if key not in _NOT_FLOAT and value is not None:
            value = float(value)  # widgets need one numeric type; a default of 0 is an int
        values[key] = value
    values["arrs_derive"] = scenario.money.arrs_sum_gbp is None
    values["arrs_sum_gbp"] = derived_arrs_sum(scenario) if values["arrs_derive"] else scenario.money.arrs_sum_gbp
    values["year"] = scenario.year
    values["lifted_caps"] = [r for r in cap_table(scenario).index if r in scenario.policy.remove_caps]
    return values


class FormError(ScenarioError):
    """Invalid form values; `by_field` maps each widget key to its sentences ("" for the scenario as a whole)."""

    def __init__(self, by_field: dict[str, list[str]]):
        self.by_field = by_field
        super().__init__([p for problems in by_field.values() for p in problems])


def apply_form(scenario: Scenario, values: dict[str, Any]) -> tuple[Scenario, list[str]]:
    """The scenario with the sidebar's values applied, and the roles dropped by a change of year.

    `values` holds any of the FORM_FIELDS keys, plus `arrs_derive`, `year` and `lifted_caps` (roles whose
    cap is lifted, among those with a cap this year). Invalid values raise FormError with the CLI's sentences.
    """
    data = scenario.model_dump()
    for key, (section, name) in FORM_FIELDS.items():
        if key in values:
            value = _cell(values[key]) if key != "pcn_name" else (values[key] or "")
            if not _same(value, data[section][name]):  # unchanged values keep their type, so files stay as written
                data[section][name] = value
    if values.get("arrs_derive"):
        data["money"]["arrs_sum_gbp"] = None
    if "lifted_caps" in values:
        toggled = set(cap_table(scenario).index)
        kept = [r for r in scenario.policy.remove_caps if r not in toggled]
        data["policy"]["remove_caps"] = sorted(set(kept) | set(values["lifted_caps"]))
    year = values.get("year", scenario.year)
    try:
        edited = Scenario.model_validate(data)
    except ValidationError as error:
        path_to_key = {".".join(path): key for key, path in FORM_FIELDS.items()}
        by_field: dict[str, list[str]] = {}
        for item, sentence in zip(error.errors(), describe_validation_error(error)):
            key = path_to_key.get(".".join(str(p) for p in item["loc"]), "")
            by_field.setdefault(key, []).append(sentence)
        raise FormError(by_field) from None
    if year == scenario.year:
        return edited, []
    try:
        return variants.another_year(edited, year), variants.dropped_by_year(edited, year)
    except ScenarioError as error:
        raise FormError({"year": list(error.problems)}) from None


def cap_table(scenario: Scenario) -> pd.DataFrame:
    """Roles with a cap for this year and list size: the cap in WTE, how sure it is, and whether it is lifted."""
    catalogue = load_catalogue(scenario.year)
    policy = scenario.policy
    rows = []
    for role in catalogue.capped_roles():
        cap = catalogue.cap_wte(role, scenario.pcn.list_size)
        if cap is None:
            continue
        rows.append(
            {
                "role": role,
                "role_name": catalogue.roles.at[role, "role_name"],
                "cap_wte": cap,
                "cap_status": catalogue.roles.at[role, "cap_status"],
                "lifted": policy.remove_all_caps or role in policy.remove_caps,
            }
        )
    return pd.DataFrame(rows, columns=["role", "role_name", "cap_wte", "cap_status", "lifted"]).set_index("role")


def has_unsaved_changes(current: Scenario, saved_json: str | None) -> bool:
    """Whether the scenario differs from the one last loaded or saved (0 and 0.0 are the same number)."""
    return saved_json is None or json.loads(current.canonical_json()) != json.loads(saved_json)


def scenario_from_canonical(text: str) -> Scenario:
    return parse_scenario(json.loads(text), "the app")


# ---------------------------------------------------------------- files


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME_LENGTH = 80
MAX_NAME_BYTES = 200
"""File systems allow 255 bytes a name; a letter outside ASCII takes two to four."""


def _name_character(c: str) -> str:
    return c if c in " _-" or (c.isalnum() and unicodedata.category(c)[0] in "LN") else "-"


def safe_filename(name: str) -> str:
    """A file name made only of letters (of any alphabet), digits, spaces, - and _, ending .yaml.

    No folders, no hidden files, no control characters: anything else becomes '-', so '../../etc/passwd'
    becomes 'etc-passwd.yaml' while 'Ünïcödé PCN' keeps its letters. A name with no letters or digits is refused.
    """
    stem = unicodedata.normalize("NFC", name or "").strip()
    for extension in (".yaml", ".yml"):
        if stem.lower().endswith(extension):
            stem = stem[: -len(extension)]
    stem = "".join(_name_character(c) for c in stem)
    stem = re.sub(r"-{2,}", "-", stem)
    stem = re.sub(r" {2,}", " ", stem).strip(" -_")[:MAX_NAME_LENGTH]
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.strip(" -_")
    if not any(c.isalnum() for c in stem):
        raise ScenarioError(["type a name with letters or digits (spaces, - and _ are allowed too)"], "file name")
    if stem.upper() in _RESERVED:
        stem += "-scenario"
    return stem + ".yaml"


def save_path(folder: str | Path, name: str) -> Path:
    """Where a scenario called `name` is saved in `folder`; never outside it."""
    folder = Path(folder).resolve()
    path = folder / safe_filename(name)
    if path.parent != folder:  # pragma: no cover - safe_filename allows no separators
        raise ScenarioError([f"{name!r} would be saved outside {folder}"], "file name")
    return path


def scenario_files(folders: list[Path]) -> dict[str, Path]:
    """Scenario files (.yaml, .yml, .json) in the folders, by a label that is the file name where unique."""
    found: dict[str, Path] = {}
    seen: set[Path] = set()
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
                continue
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            label = path.name if path.name not in found else f"{path.name} ({Path(folder).name}/)"
            found[label] = path
    return found


# ---------------------------------------------------------------- solving


@dataclass
class Outcome:
    """What one solve gave: a result, or the reason there is none, in words."""

    kind: Literal["ok", "infeasible", "invalid", "unproven"]
    result: Result | None = None
    message: str = ""
    conflicts: pd.DataFrame | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def solve_outcome(scenario: Scenario) -> Outcome:
    """optimise(scenario), with every failure turned into an Outcome carrying the core's own message."""
    start = time.perf_counter()
    try:
        result = optimise(scenario)
    except InfeasibleScenario as error:
        return Outcome("infeasible", message=str(error), conflicts=error.conflicts, seconds=time.perf_counter() - start)
    except SolverError as error:
        return Outcome("unproven", message=str(error), seconds=time.perf_counter() - start)
    except ScenarioError as error:
        return Outcome("invalid", message=str(error), problems=list(error.problems), seconds=time.perf_counter() - start)
    except OptimiserError as error:
        return Outcome("infeasible", message=str(error), seconds=time.perf_counter() - start)
    return Outcome("ok", result=result, seconds=time.perf_counter() - start)


# ---------------------------------------------------------------- tables to show


def role_label(name: str, status: str) -> str:
    return name if status == "published" else f"{name}{ESTIMATE_MARK}"


def mix_in_words(result: Result) -> str:
    """The mix as one sentence: what to recruit (largest first) and what stays in post."""
    mix = result.mix()
    new = mix[mix["new_wte"] > 0.005].sort_values("new_wte", ascending=False)
    kept = float((mix["total_wte"] - mix["new_wte"]).sum())
    if new.empty:
        recruit = "Recruit no new staff"
    else:
        parts = [f"{role_label(r['role_name'], r['max_reimbursable_status'])} {r['new_wte']:.1f}" for _, r in new.iterrows()]
        recruit = f"Recruit {new['new_wte'].sum():.1f} WTE: " + ", ".join(parts)
    reduced = float(mix["reduced_wte"].sum())
    tail = f"; reduce in-post staff by {reduced:.1f} WTE" if reduced > 0.005 else ""
    return f"{recruit}. Keep {kept:.1f} WTE in post{tail}."


def mix_display(result: Result) -> pd.DataFrame:
    """The staffing mix with labelled columns and units; caps shown as published and whether lifted."""
    mix = result.mix()
    cap = [
        "" if pd.isna(p) else (f"{p:g} (lifted)" if pd.isna(c) else f"{c:g}")
        for p, c in zip(mix["published_cap_wte"], mix["cap_wte"])
    ]
    table = pd.DataFrame(
        {
            "Role": [role_label(n, s) for n, s in zip(mix["role_name"], mix["max_reimbursable_status"])],
            "In post (WTE)": mix["in_post_wte"],
            "New (WTE)": mix["new_wte"],
            "Total (WTE)": mix["total_wte"],
            "Cap (WTE)": cap,
            "Cost (£ a year)": mix["cost_gbp_per_year"],
            "ARRS claimed (£ a year)": mix["arrs_claimed_gbp_per_year"],
            "Top-up (£ a year)": mix["top_up_gbp_per_year"],
            "Room sessions (sessions a week)": mix["room_sessions_per_week"],
            "Max reimbursable (£ per WTE a year)": mix["max_reimbursable_gbp_per_wte"],
            "Max reimbursable status": mix["max_reimbursable_status"],
        },
        index=mix.index,
    )
    money = [c for c in table.columns if "£" in c]
    table[money] = table[money].round(0)  # whole pounds on screen; the downloads keep every penny
    return table


def money_display(result: Result) -> pd.DataFrame:
    """The money table in whole pounds, as the metrics above it show them."""
    money = result.money().reset_index()
    money["gbp_per_year"] = money["gbp_per_year"].round(0) + 0.0
    return money.rename(columns={"item": "Item", "gbp_per_year": "£ a year", "note": "How"})


def care_display(result: Result) -> pd.DataFrame:
    care = result.care()
    return pd.DataFrame(
        {
            "Demand category": care["category_name"],
            "Needed (contacts a year)": care["demand_contacts_per_year"],
            "Served (contacts a year)": care["served_contacts_per_year"],
            "Unmet (contacts a year)": care["unmet_contacts_per_year"],
            "Served (%)": care["served_share"] * 100,
            "Priority weight": care["priority_weight"],
        },
        index=care.index,
    )


def limits_display(result: Result) -> pd.DataFrame:
    """Binding limits, most valuable first: the sentence, then the marginal value with its unit."""
    binding = result.binding_constraints()
    return pd.DataFrame(
        {
            "What limits you": binding["explanation"],
            "Marginal value": binding["marginal_value"],
            "Unit of the marginal value": binding["marginal_value_unit"],
        },
        index=binding.index,
    )


def conflicts_display(conflicts: pd.DataFrame | None) -> pd.DataFrame:
    if conflicts is None or conflicts.empty:
        return pd.DataFrame(columns=["What conflicts", "Limit", "Needed", "Unit"])
    return pd.DataFrame(
        {
            "What conflicts": conflicts["explanation"],
            "Limit": conflicts["limit"],
            "Needed": conflicts["needed"],
            "Unit": conflicts["unit"],
        },
        index=conflicts.index,
    )


# ---------------------------------------------------------------- chart data


def mix_chart_data(result: Result) -> pd.DataFrame:
    """WTE by role in long form (one row per role and part: in post, new), with each role's numbers in words."""
    mix = result.mix()
    rows = []
    for role, row in mix.iterrows():
        label = role_label(row["role_name"], row["max_reimbursable_status"])
        kept = row["total_wte"] - row["new_wte"]
        words = f"{row['total_wte']:.1f} WTE: {kept:.1f} in post + {row['new_wte']:.1f} new"
        if pd.notna(row["published_cap_wte"]):
            words += f"; cap {row['published_cap_wte']:g} WTE" + (" lifted" if pd.isna(row["cap_wte"]) else "")
        for part, wte, order in (("In post", kept, 0), ("New", row["new_wte"], 1)):
            rows.append({"role": role, "role_label": label, "part": part, "wte": float(wte), "order": order,
                         "total_wte": float(row["total_wte"]), "words": words})
    return pd.DataFrame(rows, columns=["role", "role_label", "part", "wte", "order", "total_wte", "words"])


def cap_marks(result: Result) -> pd.DataFrame:
    """Where each capped role's cap sits on the mix chart, and whether it is lifted."""
    mix = result.mix()
    capped = mix[mix["published_cap_wte"].notna()]
    return pd.DataFrame(
        {
            "role": capped.index,
            "role_label": [role_label(n, s) for n, s in zip(capped["role_name"], capped["max_reimbursable_status"])],
            "cap_wte": capped["published_cap_wte"].to_numpy(dtype=float),
            "lifted": capped["cap_wte"].isna().to_numpy(),
            "cap_label": [
                f"cap {p:g} WTE" + (" (lifted)" if pd.isna(c) else "") for p, c in zip(capped["published_cap_wte"], capped["cap_wte"])
            ],
        },
        columns=["role", "role_label", "cap_wte", "lifted", "cap_label"],
    )


def money_chart_data(result: Result) -> pd.DataFrame:
    """Each budget (ARRS sums, top-up) split into what is used and what is left, £ a year."""
    money = result.money()["gbp_per_year"]
    rows = []
    for pot, amount in result.inputs.arrs_sums_gbp.items():
        item = POT_NAMES.get(pot, pot)
        claimed = float(money[f"{item}: claimed"])
        words = f"{item}: £{claimed:,.0f} claimed of £{float(amount):,.0f}"
        rows += [(item, "Claimed", claimed, 0, words), (item, "Unspent", max(float(amount) - claimed, 0.0), 2, words)]
    staff = float(money["Top-up used: staff costs above reimbursement"])
    own = float(money["Top-up used: posts paid wholly by the PCN"])
    rent = float(money["Top-up used: rented room sessions"])
    words = f"Top-up budget: £{staff + own + rent:,.0f} used of £{float(money['Top-up budget']):,.0f}"
    rows += [
        ("Top-up budget", "Used: staff costs above reimbursement", staff, 0, words),
        ("Top-up budget", "Used: posts paid wholly by the PCN", own, 1, words),
        ("Top-up budget", "Used: rented room sessions", rent, 2, words),
        ("Top-up budget", "Unspent", max(float(money["Top-up unspent"]), 0.0), 3, words),
    ]
    return pd.DataFrame(rows, columns=["budget", "part", "gbp_per_year", "order", "words"])


def care_chart_data(result: Result) -> pd.DataFrame:
    """Contacts a year served and unmet per demand category, with the share served in words."""
    care = result.care()
    rows = []
    for _, row in care.iterrows():
        words = f"{row['served_share']:.0%} served"
        rows += [
            (row["category_name"], "Served", float(row["served_contacts_per_year"]), 0, words),
            (row["category_name"], "Unmet", float(row["unmet_contacts_per_year"]), 1, words),
        ]
    return pd.DataFrame(rows, columns=["category", "part", "contacts_per_year", "order", "words"])


# ---------------------------------------------------------------- comparison


def display_digits(name: str) -> int:
    """Decimals a measure is shown with: WTE to 0.01, sessions to 0.1, pounds and contacts to whole units."""
    name = str(name).lower()
    return 2 if "wte" in name else 1 if "sessions" in name else 0


def at_display_precision(frame: pd.DataFrame, first: str, second: str, change: str, digits: int | list[int]) -> pd.DataFrame:
    """Both values rounded as shown and the change recomputed from them: a change too small to show is 0, never -0."""
    frame = frame.copy()
    digits = list(digits) if isinstance(digits, list) else [digits] * len(frame)
    for column in (first, second):
        frame[column] = [round(float(v), d) + 0.0 for v, d in zip(frame[column], digits)]
    frame[change] = [round(b - a, d) + 0.0 for a, b, d in zip(frame[first], frame[second], digits)]
    return frame


def _direction(change: float) -> str:
    if abs(change) <= CHANGE_TOLERANCE:
        return "same"
    return "▲ up" if change > 0 else "▼ down"


def comparison_tables(a: Result, b: Result, names: tuple[str, str] = ("Baseline", "Current")) -> dict[str, pd.DataFrame]:
    """Headline, mix and care of two results side by side, each with the change and its direction in words.

    Values are rounded as they are shown (£1, 0.01 WTE, one contact) before the change is taken, so rounding
    noise between two solves is never flagged as a change.
    """
    first, second = names
    summary = compare_summary(a, b)
    summary = at_display_precision(summary, "baseline", "other", "change", [display_digits(k) for k in summary.index])
    summary.insert(0, "label", [MEASURES.get(k, k) for k in summary.index])
    mix = at_display_precision(compare_mix(a, b), "baseline_wte", "other_wte", "change_wte", 2)
    care = at_display_precision(compare_care(a, b), "baseline_served_contacts_per_year", "other_served_contacts_per_year",
                                "change_contacts_per_year", 0)
    tables = {
        "headline": _side_by_side(summary, ["label", "baseline", "other", "change"],
                                  ["Measure", first, second, "Change"]),
        "mix": _side_by_side(mix, ["role_name", "baseline_wte", "other_wte", "change_wte"],
                             ["Role", f"{first} (WTE)", f"{second} (WTE)", "Change (WTE)"]),
        "care": _side_by_side(care, ["category_name", "baseline_served_contacts_per_year", "other_served_contacts_per_year",
                                     "change_contacts_per_year"],
                              ["Demand category", f"{first} served (contacts a year)", f"{second} served (contacts a year)",
                               "Change (contacts a year)"]),
    }
    for table in tables.values():
        table["Direction"] = [_direction(v) for v in table[change_column(table)]]
    return tables


def _side_by_side(frame: pd.DataFrame, columns: list[str], titles: list[str]) -> pd.DataFrame:
    """The label, both values and the change, under the titles users read."""
    return frame[columns].set_axis(titles, axis=1)


def change_column(table: pd.DataFrame) -> str:
    return next(c for c in table.columns if str(c).startswith("Change"))


def changed_rows(table: pd.DataFrame) -> pd.Series:
    """True where the two results differ by more than rounding."""
    return table[change_column(table)].abs() > CHANGE_TOLERANCE


def highlight_changes(table: pd.DataFrame, number_format: str = "{:,.2f}"):
    """A pandas Styler: changed rows in bold on a pale Okabe-Ito yellow; the Direction column says it in words."""
    changed = changed_rows(table)
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]

    def rows(row: pd.Series) -> list[str]:
        style = "font-weight: bold; background-color: #FBF5B5" if changed[row.name] else ""
        return [style] * len(row)

    styler = table.style.apply(rows, axis=1).format({c: number_format for c in numeric})
    wte_rows = [i for i in table.index if str(i).endswith("_wte")]  # headline WTE rows keep their decimals
    if wte_rows and numeric:
        styler = styler.format("{:,.2f}", subset=pd.IndexSlice[wte_rows, numeric])
    return styler


# ---------------------------------------------------------------- check my plan

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
