"""The Check my plan tab's table ↔ the scenario's plan (the total WTE the PCN intends per role), and the checked
plan's money, rooms and supervision in words with units, as the app and the CLI show them."""

from __future__ import annotations

import pandas as pd

from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.words import sessions

TOTAL_COST_LABEL = "Total cost: staff, rent and supervision bought (£ a year)"
"""The figure the check's headline compares (PlanCheck.headline): employment cost plus rent and bought supervision."""

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


def plan_money(summary: dict[str, float]) -> pd.DataFrame:
    """The checked plan's money and rooms (PlanCheck.summary), one labelled row each: the measure with its unit, the value."""
    balance = summary["arrs_balance_gbp_per_year"]
    rows = [
        ("ARRS sum (£ a year)", f"{summary['arrs_sum_gbp_per_year']:,.0f}"),
        ("ARRS claimable (£ a year)", f"{summary['arrs_claimable_gbp_per_year']:,.0f}"),
        ("ARRS balance (£ a year)", f"{balance:,.0f}" + (" left unspent" if balance > 0.5 else " over the sum" if balance < -0.5 else "")),
        ("Staff in post beyond the ARRS sum, paid outside ARRS (£ a year)", f"{summary['in_post_beyond_arrs_gbp_per_year']:,.0f}"),
        ("Posts paid wholly by the PCN (WTE; £ a year)", f"{summary['own_funded_wte']:,.2f} WTE; £{summary['own_funded_gbp_per_year']:,.0f}"),
        ("Top-up needed (£ a year)", f"{summary['top_up_needed_gbp_per_year']:,.0f} of a budget of {summary['top_up_budget_gbp_per_year']:,.0f}"),
        ("Clinical room sessions (sessions a week)", f"{sessions(summary['room_sessions_needed_per_week'])} needed, "
                                                     f"{sessions(summary['room_sessions_free_per_week'])} free, "
                                                     f"{sessions(summary['rented_sessions_per_week'])} rented"),
        ("Total employment cost (£ a year)", f"{summary['employment_cost_gbp_per_year']:,.0f}"),
        (TOTAL_COST_LABEL, f"{summary['total_cost_gbp_per_year']:,.0f} (best mix {summary['best_total_cost_gbp_per_year']:,.0f})"),
        ("Care score (out of 100)", f"{summary['care_score']:.1f} (best mix {summary['best_care_score']:.1f})"),
    ]
    return pd.DataFrame(rows, columns=["Measure", "Value"])


SUPERVISION_COLUMNS: dict[str, str] = {
    "supervisor_name": "Supervising profession", "needed_hours_per_week": "Needed (hours a week)",
    "available_hours_per_week": "Available (hours a week)", "bought_hours_per_week": "Bought (hours a week)",
    "bought_gbp_per_year": "Bought (£ a year)",
}


NO_LIMIT_SET = "no limit set"


def supervision_in_words(supervision: pd.DataFrame) -> pd.DataFrame:
    """A result's supervision (Result.supervision()) with its columns in words and units, for the app and the terminal.
    Where the scenario gives no hours available, the cell says so: a blank would read as none."""
    shown = supervision[list(SUPERVISION_COLUMNS)].rename(columns=SUPERVISION_COLUMNS).reset_index(drop=True)
    name = SUPERVISION_COLUMNS["supervisor_name"]
    shown[name] = [f"{text[:1].upper()}{text[1:]}" for text in shown[name]]  # a row label, as roles and needs are
    available = SUPERVISION_COLUMNS["available_hours_per_week"]
    shown[available] = [NO_LIMIT_SET if pd.isna(hours) else f"{hours:.1f}" for hours in shown[available]]
    return shown


STAFF_COLUMNS: dict[str, str] = {"role_name": "Role", "plan_wte": "Plan (WTE)", "best_wte": "Best (WTE)",
                                 "change_wte": "Best − plan (WTE)"}
NEED_COLUMNS: dict[str, str] = {"category_name": "Demand category", "demand_contacts_per_year": "Needed (contacts a year)",
                                "plan_served_share": "Plan: need met (%)", "best_served_share": "Best: need met (%)"}


def staff_compared(comparison: pd.DataFrame) -> pd.DataFrame:
    """The plan's staff beside the best mix's (PlanCheck.comparison()), with its columns in words and units."""
    return comparison[list(STAFF_COLUMNS)].rename(columns=STAFF_COLUMNS).reset_index(drop=True)


def need_met_compared(care: pd.DataFrame) -> pd.DataFrame:
    """Each need's share met by the plan and by the best mix (PlanCheck.care()), as percentages."""
    shown = care[list(NEED_COLUMNS)].rename(columns=NEED_COLUMNS).reset_index(drop=True)
    for share in ("plan_served_share", "best_served_share"):
        shown[NEED_COLUMNS[share]] *= 100
    return shown
