"""One PCN under one policy → a multi-year plan: its summary record (the first year) and a record per year and future.

Beside the one-year worker and like it, it never raises (except on Ctrl-C): a failure becomes the record's status.
"""

from __future__ import annotations

import time

import pyarrow as pa

from optimiser.batch.tasks import Task
from optimiser.batch.worker import blank_record, failure

YEAR_MEASURES = [
    "wte", "new_wte", "own_funded_wte", "arrs_sum_gbp", "arrs_claimed_gbp", "arrs_unspent_gbp", "own_money_gbp",
    "top_up_budget_gbp", "own_money_over_budget_gbp", "total_cost_gbp", "need_contacts", "served_contacts", "care_value",
]
"""Per PCN, year and future (£ a year, WTE at the year's end, contacts a year); summed in the roll-ups."""
YEAR_FIELDS: dict[str, pa.DataType] = {
    "ods_code": pa.string(), "icb": pa.string(), "policy": pa.string(), "future": pa.string(), "year": pa.string(),
    "probability": pa.float64(), **dict.fromkeys(YEAR_MEASURES, pa.float64()), "fingerprint": pa.string(),
}
FIRST_YEAR = {
    "total_wte": "wte", "new_wte": "new_wte", "own_funded_wte": "own_funded_wte", "arrs_sum_gbp_per_year": "arrs_sum_gbp",
    "arrs_claimed_gbp_per_year": "arrs_claimed_gbp", "arrs_unspent_gbp_per_year": "arrs_unspent_gbp",
    "top_up_used_gbp_per_year": "own_money_gbp", "total_cost_gbp_per_year": "total_cost_gbp",
    "demand_contacts_per_year": "need_contacts", "served_contacts_per_year": "served_contacts",
}
"""Summary field ← the plan's first year (the same in every future, since its decisions are made before any is known)."""


def run_plan_chunk(tasks: list[Task]) -> tuple[list[dict], list[dict], list[dict]]:
    """Plan a chunk of tasks in this process: (summary records, no role rows, year records)."""
    summary, years = [], []
    for task in tasks:
        record, year_rows = run_plan_task(task)
        summary.append(record)
        years += year_rows
    return summary, [], years


def run_plan_task(task: Task) -> tuple[dict, list[dict]]:
    from optimiser.plan import make_plan

    started = time.perf_counter()
    scenario = task.scenario
    record = blank_record(task)
    year_rows: list[dict] = []
    try:
        result = make_plan(scenario, compare=False)
    except Exception as error:  # a worker never raises: the failure becomes a row with its reason
        record.update(failure(error))
    else:
        years = result.years()
        first = years[years["year"] == years["year"].iloc[0]]
        weights = first["probability"]
        record.update({field: float((first[column] * weights).sum()) for field, column in FIRST_YEAR.items()})
        record.update(status="optimal", reason="", solver_seconds=result.solution.solver_seconds,
                      in_post_wte=float(result.inputs.base.role_data["in_post_wte"].sum()),
                      unmet_contacts_per_year=_first_year_unmet(result),
                      binding_constraints=_first_year_limits(result))
        keys = {"ods_code": task.pcn_id, "icb": task.icb, "policy": task.policy, "fingerprint": task.fingerprint}
        year_rows = [{**keys, "future": row["future"], "year": row["year"], "probability": float(row["probability"]),
                      **{m: float(row[m]) for m in YEAR_MEASURES}} for row in years.to_dict("records")]
    record["worker_seconds"] = time.perf_counter() - started
    return record, year_rows


def _first_year_unmet(result) -> float:
    """Contacts of need left unmet in the first year, category by category, expected over the futures."""
    care = result.care()
    first = care[care["year"] == result.inputs.years[0]]
    probability = first["future"].map(result.inputs.probabilities)
    return float(((first["need_contacts"] - first["served_contacts"]).clip(lower=0.0) * probability).sum())


def _first_year_limits(result) -> str:
    limits = result.limits()
    return "; ".join(dict.fromkeys(limits.loc[limits["year"] == result.inputs.years[0], "limit"]))
