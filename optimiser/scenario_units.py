"""The unit of each bounded scenario field, and the bounds of the numbers checked by hand rather than by a field's own
constraints: what the sentence for a value out of range, or a word where a number belongs, says is allowed."""

from __future__ import annotations

UNITS: dict[str, str] = {
    "list_size": "patients",
    "weighted_population": "weighted patients",
    "arrs_sum_gbp": "£ a year",
    "top_up_budget_gbp": "£ a year",
    "room_sessions_per_week": "sessions a week",
    "rentable_sessions_per_week": "sessions a week",
    "rent_gbp_per_session": "£ a session",
    "desk_sessions_per_week": "sessions a week",
    "in_post_wte": "WTE",
    "max_new_wte": "WTE",
    "cost_per_wte_gbp": "£ a year per WTE",
    "salary_gbp": "£ a year per WTE",
    "max_reimbursable_gbp": "£ a year per WTE",
    "room_sessions_per_wte_per_week": "sessions a week per WTE",
    "contacts_per_year": "contacts a year",
    "post_size_wte": "WTE",
    "min_post_wte": "WTE",
    "horizon": "years",
    "list_growth_percent": "% a year",
    "pay_award_afc_percent": "% a year",
    "pay_award_gp_percent": "% a year",
    "arrs_pot_growth_percent": "% a year",
    "top_up_growth_percent": "% a year",
    "demand_growth_percent": "% a year",
    "leaving_rate_percent": "% of WTE a year",
    "discount_rate_percent": "% a year",
    "recruitment_lead_time_months": "months",
    "hours_per_week": "hours a week",
    "gbp_per_hour": "£ an hour",
    "hours_per_week_per_wte": "hours a week per WTE",
    "extra_room_sessions_per_week": "sessions a week",
    "productivity": "contacts per WTE-year",
    "plan": "WTE",
}
"""The unit of each bounded scenario field, by field name, for the sentence a value out of range gets. Shares,
weights and probabilities (0 to 1) have none (tests/test_scenario_ranges.py checks every bounded field is here or is one); growth rates, checked by hand, too."""

CHECKED_BOUNDS: dict[str, dict[str, float]] = {
    "productivity": {"ge": 0, "le": 100_000},
    "plan": {"ge": 0, "le": 500},
    "leaving_rate_percent": {"ge": 0, "le": 100},
    **{field: {"ge": -100, "le": 100} for field in ("pay_award_afc_percent", "pay_award_gp_percent", "arrs_pot_growth_percent",
                                                   "top_up_growth_percent", "demand_growth_percent")},
    "extra_room_sessions_per_week": {"ge": 0},
    "top_up_budget_gbp": {"ge": 0},
    "max_reimbursable_gbp": {"gt": 0, "le": 1_000_000},
}
"""The bounds of numbers checked by hand, by field name: each number in a mapping (one per role, category or year;
scenario.py, scenario_names.py, plan_defaults.py) and a custom role's amount (a number or a word). The sentence a
word given there gets names them."""

UNITLESS = frozenset({"arrs_share", "remote_share", "priority_weight", "probability"})
"""Bounded fields that are plain numbers: shares and probabilities from 0 to 1, and priority weights."""
