"""The app's "Plan ahead" tab as pure functions: futures table ↔ scenario, and one plan per scenario and mode.

Kept out of app.py so the conversions are unit-tested; the page only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pandas.io.formats.style import Styler

from optimiser.errors import OptimiserError, ScenarioError
from optimiser.plan_defaults import DEFAULT_HORIZON_YEARS, plan_years
from optimiser.plan_results import PlanResult
from optimiser.plan_tables import YEAR_COLUMNS, YEAR_FORMATS
from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.scenario_sections import Future, Growth

FUTURE_COLUMNS = {
    "future": "Future",
    "probability": "Chance (0–1)",
    "description": "What differs",
    "pot_follows_pay_award": "ARRS sum follows pay awards",
    "arrs_frozen_from": "ARRS sum frozen from",
    "arrs_ends_from": "No ARRS sum from",
    "extra_room_sessions_per_week": "Extra room sessions a week",
    "extra_rooms_from": "Extra rooms from",
}
"""Editable columns of the futures table, by scenario field, with their full words (and unit): the table's column names."""
FUTURE_HEADERS = {
    "future": "Future",
    "probability": "Chance",
    "description": "What differs",
    "pot_follows_pay_award": "Follows pay",
    "arrs_frozen_from": "Frozen",
    "arrs_ends_from": "Ends",
    "extra_room_sessions_per_week": "Extra rooms",
    "extra_rooms_from": "Rooms from",
}
"""The futures editor's short headers, so its eight columns fit a 1366-pixel laptop; `future_help` gives the full words."""
_FUTURE_HELP = {
    "future": "a name for this future",
    "description": "in words, for the reader",
    "pot_follows_pay_award": Growth.model_fields["pot_follows_pay_award"].description,
    "extra_room_sessions_per_week": "room sessions a week added from the year in “Rooms from” on (an estate project)",
    "extra_rooms_from": "the year the extra room sessions start, e.g. 2027/28",
}


def future_help(field: str) -> str:
    """A futures column's full words (`FUTURE_COLUMNS`, with the unit), then what it means: the scenario field's own
    description where it has one."""
    known = Future.model_fields.get(field)
    why = _FUTURE_HELP.get(field) or (known.description if known is not None else "")
    return f"{FUTURE_COLUMNS[field]}: {why}" if why else FUTURE_COLUMNS[field]


def futures_table(scenario: Scenario) -> pd.DataFrame:
    """One row per future (or one 'forecast' row when the scenario names none), in the app's words."""
    rows = []
    for name, future in (scenario.futures or {}).items():
        rooms = sorted(future.extra_room_sessions_per_week.items())
        rows.append({
            "future": name, "probability": future.probability, "description": future.description,
            "pot_follows_pay_award": bool(future.growth.pot_follows_pay_award),
            "arrs_frozen_from": future.arrs_frozen_from or "", "arrs_ends_from": future.arrs_ends_from or "",
            "extra_room_sessions_per_week": rooms[0][1] if rooms else 0.0, "extra_rooms_from": rooms[0][0] if rooms else "",
        })
    if not rows:
        rows.append({"future": "forecast", "probability": 1.0, "description": "the planning defaults", "pot_follows_pay_award": False,
                     "arrs_frozen_from": "", "arrs_ends_from": "", "extra_room_sessions_per_week": 0.0, "extra_rooms_from": ""})
    return pd.DataFrame(rows, columns=list(FUTURE_COLUMNS)).rename(columns=FUTURE_COLUMNS)


def apply_futures(scenario: Scenario, table: pd.DataFrame, horizon: int) -> Scenario:
    """The scenario with the edited futures and horizon; a bad row is a ScenarioError naming the row and field.

    A row named as one of the scenario's futures keeps what the table does not show (its own growth rates, top-up
    budgets, later estate projects); what the table shows is as edited.
    """
    table = table.rename(columns={v: k for k, v in FUTURE_COLUMNS.items()})
    futures, problems = {}, []
    for i, row in enumerate(table.to_dict("records"), start=1):
        name = str(row.get("future") or "").strip()
        if not name:
            problems.append(f"futures row {i}: give the future a name")
            continue
        known = scenario.futures.get(name)
        future = known.model_dump(mode="json", exclude_defaults=True) if known is not None else {}
        future |= {"probability": row.get("probability"), "description": str(row.get("description") or "")}
        growth = {k: v for k, v in future.pop("growth", {}).items() if k != "pot_follows_pay_award"}
        if row.get("pot_follows_pay_award"):
            growth["pot_follows_pay_award"] = True
        if growth:
            future["growth"] = growth
        for field in ("arrs_frozen_from", "arrs_ends_from"):
            future.pop(field, None)
            if str(row.get(field) or "").strip():
                future[field] = str(row[field]).strip()
        rooms = sorted(future.pop("extra_room_sessions_per_week", {}).items())
        sessions = row.get("extra_room_sessions_per_week") or 0
        if sessions:
            shown = {str(row.get("extra_rooms_from") or "").strip(): sessions}
            future["extra_room_sessions_per_week"] = dict(rooms[1:]) | shown  # the table shows the first project
        futures[name] = future
    if problems:
        raise ScenarioError(problems, "Plan ahead")
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    return parse_scenario({**data, "horizon": horizon, "futures": futures}, "Plan ahead")


def horizon_of(scenario: Scenario) -> int:
    return scenario.horizon or DEFAULT_HORIZON_YEARS


def year_choices(scenario: Scenario, horizon: int) -> list[str]:
    return plan_years(scenario.model_copy(update={"horizon": horizon}))


YEAR_GROUPS = {
    "Staff": ["future", "year", "probability", "total_wte", "new_wte", "own_funded_wte"],
    "Money (£ a year)": ["future", "year", "arrs_sum_gbp_per_year", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year",
                         "in_post_beyond_arrs_gbp_per_year", "own_money_gbp_per_year", "top_up_budget_gbp_per_year",
                         "own_money_over_budget_gbp_per_year", "total_cost_gbp_per_year"],
    "Need met": ["future", "year", "demand_contacts_per_year", "served_contacts_per_year", "need_met_share", "care_value_per_year"],
}
"""The years table as the page shows it, in three tables that each fit a 1366-pixel laptop (as one it was three
times as wide); together they hold every column of `years()`."""
YEAR_HEADERS = {
    "arrs_sum_gbp_per_year": "ARRS sum",
    "arrs_claimed_gbp_per_year": "Claimed",
    "arrs_unspent_gbp_per_year": "Unspent",
    "in_post_beyond_arrs_gbp_per_year": "Beyond sum",
    "own_money_gbp_per_year": "Own money",
    "top_up_budget_gbp_per_year": "Top-up budget",
    "own_money_over_budget_gbp_per_year": "Over budget",
    "total_cost_gbp_per_year": "Total cost",
}
"""Short headers for the money columns, under a heading that gives their unit; each column's full heading is its help."""


def years_shown(plan: PlanResult) -> dict[str, Styler]:
    """The years tables by `YEAR_GROUPS`: headings in words (`years_in_words`), £ whole with commas, shares as %."""
    table = plan.years_in_words()
    heading = dict(zip(YEAR_COLUMNS, table.columns))
    return {group: table[[heading[c] for c in columns]].style.format(
                {heading[c]: YEAR_FORMATS[c] for c in columns if c in YEAR_FORMATS})
            for group, columns in YEAR_GROUPS.items()}


def short_year_headers() -> dict[str, str]:
    """Full heading → short header, for the columns shown under a short one."""
    return {YEAR_COLUMNS[c][0]: short for c, short in YEAR_HEADERS.items()}


@dataclass
class PlanOutcome:
    result: PlanResult | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None


def plan_outcome(scenario: Scenario, mode: str) -> PlanOutcome:
    """A plan, or the sentence that says why there is none; never a traceback."""
    from optimiser.plan import make_plan

    try:
        return PlanOutcome(result=make_plan(scenario, mode=mode))
    except OptimiserError as error:
        return PlanOutcome(message=str(error))
