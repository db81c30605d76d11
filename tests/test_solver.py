"""The solver layer: CBC agrees with HiGHS on every bundled example and sample PCN, on the model as built;
one status vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser.batch import load_base, plan_batch, read_table
from optimiser.inputs import prepare
from optimiser.model import build_model
from optimiser.scenario_io import load_scenario
from optimiser.solve import Status, solve

ROOT = Path(__file__).resolve().parents[1]


def _scenarios():
    found = [load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    plan = plan_batch(read_table(ROOT / "scenarios" / "national" / "sample-50.csv"),
                      load_base(ROOT / "scenarios" / "national" / "base-2026-27.yaml"), ["as-published"])
    return found + [row.scenarios["as-published"] for row in plan.rows]


def test_cbc_agrees_with_highs_on_every_example_and_sample_pcn():
    """Same status; where optimal, the same care (1e-6 relative) and cost (1e-4 relative: CBC's floor is looser)."""
    scenarios = _scenarios()
    assert len(scenarios) >= 50
    for scenario in scenarios:
        model = build_model(prepare(scenario))
        rows, objective = model.problem.numConstraints(), str(model.problem.objective)
        cbc = solve(model, solver="cbc")
        assert (model.problem.numConstraints(), str(model.problem.objective)) == (rows, objective)  # the model is as it was
        highs = solve(model)
        assert cbc.status == highs.status, scenario.pcn.name
        if highs.proven_optimal:
            assert cbc.proven_optimal and cbc.status is Status.OPTIMAL
            assert cbc.care == pytest.approx(highs.care, rel=1e-6), scenario.pcn.name
            assert cbc.total_cost_gbp == pytest.approx(highs.total_cost_gbp, rel=1e-4), scenario.pcn.name


def test_statuses_are_one_vocabulary_that_reads_as_text():
    assert Status("time_limit") is Status.TIME_LIMIT and f"{Status.INFEASIBLE}" == "infeasible" and Status.OPTIMAL == "optimal"
    model = build_model(prepare(load_scenario(ROOT / "scenarios" / "rural-2026-27.yaml")))
    assert isinstance(solve(model).status, Status)
