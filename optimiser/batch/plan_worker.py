"""One PCN under one policy → a multi-year plan: its summary record (the first year, the verdict and the care over
the plan), the first year's role rows, and records per year and future, and per role, year and future.

Beside the one-year worker and like it, it never raises (except on Ctrl-C): a failure becomes the record's status.
"""

from __future__ import annotations

import time

import pyarrow as pa

from optimiser.batch.tasks import Task
from optimiser.batch.worker import blank_record, failure

MODES = ("expected", "robust")
"""How a plan keeps own money within the top-up budget: on average over the futures, or in every future."""
PLAN_SUMMARY_FIELDS: dict[str, pa.DataType] = {
    "plan_mode": pa.string(), "horizon_years": pa.int64(), "verdict": pa.string(),
    "care_score_points_over_plan_discounted": pa.float64(),
}
"""Columns a plan batch adds to `pcn_summary`: the plan's mode and years, the one-line verdict for a board, and each
year's care score (on the first year's scale) summed over the plan, discounted and expected over the futures."""
YEAR_MEASURES = [
    "total_wte", "new_wte", "own_funded_wte", "arrs_sum_gbp_per_year", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year",
    "in_post_beyond_arrs_gbp_per_year", "own_money_gbp_per_year", "top_up_budget_gbp_per_year", "own_money_over_budget_gbp_per_year",
    "total_cost_gbp_per_year", "demand_contacts_per_year", "served_contacts_per_year", "care_value_per_year",
]
"""Per PCN, year and future (£ a year, WTE at the year's end, contacts a year, care in the valuation's unit a year),
under the names `plan` and the single-year tables use; summed in the roll-ups."""
YEAR_FIELDS: dict[str, pa.DataType] = {
    "ods_code": pa.string(), "icb": pa.string(), "policy": pa.string(), "future": pa.string(), "year": pa.string(),
    "probability": pa.float64(), **dict.fromkeys(YEAR_MEASURES, pa.float64()), "fingerprint": pa.string(),
}
ROLE_YEAR_MEASURES = [
    "in_post_wte", "new_wte", "reduced_wte", "total_wte", "worked_wte_years", "own_funded_wte",
    "cost_gbp_per_year", "arrs_claimed_gbp_per_year", "own_money_gbp_per_year",
]
"""Per PCN, role, year and future: WTE carried in after leavers, new, reduced and at the year's end, WTE-years worked
(first-year posts from their start month), and £ that year; summed per role in the roll-ups."""
ROLE_YEAR_FIELDS: dict[str, pa.DataType] = {
    "ods_code": pa.string(), "icb": pa.string(), "policy": pa.string(), "future": pa.string(), "year": pa.string(),
    "probability": pa.float64(), "role": pa.string(), "role_name": pa.string(),
    **dict.fromkeys(ROLE_YEAR_MEASURES, pa.float64()), "fingerprint": pa.string(),
}
FIRST_YEAR = {
    **{name: name for name in ("total_wte", "new_wte", "own_funded_wte", "arrs_sum_gbp_per_year", "arrs_claimed_gbp_per_year",
                               "arrs_unspent_gbp_per_year", "in_post_beyond_arrs_gbp_per_year", "total_cost_gbp_per_year",
                               "demand_contacts_per_year", "served_contacts_per_year")},
    "top_up_used_gbp_per_year": "own_money_gbp_per_year",
}
"""Summary field ← the plan's first year (the same in every future, since its decisions are made before any is known):
the same names, but for own money, which is the top-up used in a single year."""
FIRST_YEAR_ROLE = {
    **{name: name for name in ("in_post_wte", "new_wte", "reduced_wte", "total_wte", "own_funded_wte", "cost_gbp_per_year",
                               "arrs_claimed_gbp_per_year", "room_sessions_per_week")},
    "top_up_gbp_per_year": "own_money_gbp_per_year",
}
"""`pcn_roles` field ← the plan's first year per role, expected over the futures."""


def run_plan_chunk(tasks: list[Task], mode: str = "expected") -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Plan a chunk of tasks in this process: (summary records, first-year role rows, year records, role-year records)."""
    summary, roles, years, role_years = [], [], [], []
    for task in tasks:
        record, *rows = run_plan_task(task, mode)
        summary.append(record)
        roles += rows[0]
        years += rows[1]
        role_years += rows[2]
    return summary, roles, years, role_years


def run_plan_task(task: Task, mode: str = "expected") -> tuple[dict, list[dict], list[dict], list[dict]]:
    from optimiser.plan import make_plan

    started = time.perf_counter()
    record = blank_record(task)
    record.update(plan_mode=mode, horizon_years=task.scenario.horizon)
    rows: tuple[list[dict], list[dict], list[dict]] = ([], [], [])
    try:
        result = make_plan(task.scenario, mode=mode, compare=False)
    except Exception as error:  # a worker never raises: the failure becomes a row with its reason
        record.update(failure(error))
    else:
        record.update(plan_summary(result))
        record.update(status="optimal", reason="", solver_seconds=result.solution.solver_seconds)
        keys = {"ods_code": task.pcn_id, "icb": task.icb, "policy": task.policy, "fingerprint": task.fingerprint}
        rows = plan_rows(result, keys)
    record["worker_seconds"] = time.perf_counter() - started
    return record, *rows


def plan_summary(result) -> dict:
    """A PCN's summary fields from its plan: the first year as `solve` words it (expected over the futures), the
    verdict, and the care over the plan."""
    years = result.years()
    first = years[years["year"] == result.inputs.years[0]]
    weights = first["probability"]
    care = result.care()
    served = care[care["year"] == result.inputs.years[0]].assign(weight=lambda c: c["future"].map(result.inputs.probabilities))
    served = served.assign(served=served["served_contacts_per_year"] * served["weight"]).groupby("category")["served"].sum()
    discount = years["year"].map({p.year: p.discount_factor for p in result.inputs.periods.values()})
    return {
        **{field: float((first[column] * weights).sum()) for field, column in FIRST_YEAR.items()},
        **first_year_care(result.inputs.base, served.to_dict()),
        "in_post_wte": float(sum(result.inputs.base.role_columns["in_post_wte"].values())),
        "unmet_contacts_per_year": _first_year_unmet(result, care),
        "binding_constraints": _first_year_limits(result),
        "verdict": result.verdict(),
        "care_score_points_over_plan_discounted": (float((years["care_value_per_year"] * years["probability"] * discount).sum())
                                                   if result.inputs.scenario.policy.valuation != "contacts" else None),
    }


def first_year_care(inputs, served: dict[str, float]) -> dict:
    """The first year's care score (of 100), priority-weighted contacts and need met in clinical time, as `solve` gives them."""
    from optimiser.valuation import care_score

    categories = inputs.categories
    demand = categories["demand_contacts_per_year"].to_dict()
    weights, reference = categories["priority_weight"].to_dict(), categories["reference_contacts_per_wte_year"].to_dict()
    served = {d: served.get(d, 0.0) for d in demand}
    return {
        "care_score": care_score(inputs.value_curve, served, demand, weights, reference),
        "priority_weighted_contacts_per_year": sum(served[d] * weights[d] for d in demand),
        "need_met_wte_years": sum(served[d] / reference[d] for d in demand if reference[d] == reference[d] and reference[d] > 0),
    }


def plan_rows(result, keys: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(first-year role rows for `pcn_roles`, year records, role-year records), each carrying the task's keys."""
    years = result.years()
    year_rows = [{**keys, "future": row["future"], "year": row["year"], "probability": float(row["probability"]),
                  **{m: float(row[m]) for m in YEAR_MEASURES}} for row in years.to_dict("records")]
    role_years = result.role_years()
    role_year_rows = [{**keys, **{c: row[c] for c in ROLE_YEAR_FIELDS if c in row}} for row in role_years.to_dict("records")]
    first = role_years[role_years["year"] == result.inputs.years[0]]
    weighted = first[list(FIRST_YEAR_ROLE.values())].mul(first["probability"], axis=0).assign(role=first["role"])
    expected = weighted.groupby("role", sort=False).sum()
    names = first.drop_duplicates("role").set_index("role")["role_name"]
    role_rows = [{**keys, "role": r, "role_name": names[r], **{f: float(expected.at[r, c]) for f, c in FIRST_YEAR_ROLE.items()}}
                 for r in expected.index]
    role_rows = [row for row in role_rows if row["total_wte"] > 1e-6 or row["in_post_wte"] > 0]
    return role_rows, year_rows, role_year_rows


def _first_year_unmet(result, care) -> float:
    """Contacts of need left unmet in the first year, category by category, expected over the futures."""
    first = care[care["year"] == result.inputs.years[0]]
    probability = first["future"].map(result.inputs.probabilities)
    return float(((first["demand_contacts_per_year"] - first["served_contacts_per_year"]).clip(lower=0.0) * probability).sum())


def _first_year_limits(result) -> str:
    limits = result.limits()
    return "; ".join(dict.fromkeys(limits.loc[limits["year"] == result.inputs.years[0], "limit"]))
