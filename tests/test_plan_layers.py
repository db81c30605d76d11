"""The plan's modules read top to bottom: each imports only earlier ones (imports inside functions count too), and
each stays near 300 lines with one job."""

from __future__ import annotations

import pytest

from tests.test_pipeline_layers import IMPORTS, PACKAGE

PLAN = ["plan_defaults", "plan_inputs", "plan_lp", "plan_rules", "plan_money", "plan_model", "plan_tables",
        "plan_verdict", "plan_results", "plan", "plan_report", "plan_charts"]
"""Defaults → every year in every future → the LP's arrays → its rules → the model → tables → verdict → the result
→ the pipeline that solves it → the report and charts."""


@pytest.mark.parametrize("module", PLAN)
def test_no_plan_module_imports_a_later_one(module):
    names = IMPORTS[PACKAGE / f"{module}.py"]
    later = {f"optimiser.{m}" for m in PLAN[PLAN.index(module) + 1:]}
    assert names & later == set(), f"{module} imports {sorted(names & later)}"


def test_the_check_sees_the_order():
    assert "optimiser.plan_model" in IMPORTS[PACKAGE / "plan.py"] and "optimiser.plan_rules" in IMPORTS[PACKAGE / "plan_model.py"]


@pytest.mark.parametrize("module", PLAN)
def test_each_plan_module_stays_short(module):
    assert len((PACKAGE / f"{module}.py").read_text(encoding="utf-8").splitlines()) <= 320
