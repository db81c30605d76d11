"""What PCNs of one base and policy share (`CommonInputs`), worked out from one PCN, gives every other PCN exactly
the inputs `prepare` gives it alone: every sample PCN and a sample of real England PCNs, under several policies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from optimiser.batch import load_base, plan_batch, read_table
from optimiser.batch.table import column_targets
from optimiser.england_batch import batch_table
from optimiser.inputs import CommonInputs, ModelInputs, prepare
from optimiser.inputs.common import only_pcn_numbers

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ["as-published", "no-caps", "rooms+10%,top-up-50%", "whole-posts", "reduce-in-post", "year:2024/25",
            "uncap:clinical_pharmacist"]


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.all((a == b) | ((a != a) & (b != b))))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if hasattr(a, "equals"):
        return a.equals(b)
    return a == b


def assert_same_inputs(got: ModelInputs, expected: ModelInputs) -> None:
    for field in dataclasses.fields(ModelInputs):
        assert _same(getattr(got, field.name), getattr(expected, field.name)), field.name


@pytest.mark.parametrize("table, base", [
    ("sample", "scenarios/national/base-2026-27.yaml"),
    ("england", "scenarios/england/base-2026-27.yaml"),
])
def test_common_inputs_of_the_first_pcn_give_every_pcn_its_own_inputs(table, base):
    rows = read_table(ROOT / "scenarios" / "national" / "sample-50.csv") if table == "sample" else batch_table().sample(60, random_state=3)
    plan = plan_batch(rows, load_base(ROOT / base), POLICIES)
    checked = 0
    for policy in POLICIES:
        scenarios = [row.scenarios[policy] for row in plan.rows if policy in row.scenarios]
        common = CommonInputs(scenarios[0])
        for scenario in scenarios:
            assert_same_inputs(common.prepare(scenario), prepare(scenario))
            checked += 1
    assert checked >= 6 * len(plan.rows)  # a year policy may refuse the rows with staff in a role that year lacks


def test_the_shared_arrays_cannot_be_changed_by_one_pcn():
    """A PCN's inputs share the common arrays with the chunk's others: writing into one would change them all."""
    plan = plan_batch(read_table(ROOT / "scenarios" / "national" / "sample-50.csv").head(2),
                      load_base(ROOT / "scenarios" / "national" / "base-2026-27.yaml"), ["as-published"])
    first, second = (row.scenarios["as-published"] for row in plan.rows)
    common = CommonInputs(first)
    inputs = common.prepare(second)
    with pytest.raises(ValueError):
        inputs.role_data["cost_per_wte_gbp"][0] = 1.0
    assert common.prepare(first).role_data["in_post_wte"] is not inputs.role_data["in_post_wte"]


def test_which_table_columns_let_rows_share_common_inputs():
    """A PCN's size, money, rooms, demand and staff in post are its own; a recruitment limit or cost column is not."""
    base = load_base(ROOT / "scenarios" / "national" / "base-2026-27.yaml")
    own = ["ods_code", "name", "icb", "list_size", "weighted_population", "room_sessions_per_week", "arrs_sum_gbp",
           "top_up_budget_gbp", "rentable_sessions_per_week", "rent_gbp_per_session", "desk_sessions_per_week",
           "in_post_wte.paramedic", "demand_contacts_per_year.msk", "demand_per_1000_patients.minor_illness"]
    assert only_pcn_numbers(column_targets(own, base).values())
    for column in ("max_new_wte.paramedic", "cost_per_wte_gbp.paramedic"):
        assert not only_pcn_numbers(column_targets([*own, column], base).values())
