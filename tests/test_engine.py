"""The batch engine's arrays are the PuLP model, row for row: structure (once per shape) + numbers = `build_model`.

Checked for every example scenario, every sample PCN and a sample of real England PCNs, each under several
policies; rows a scenario does not have are left out, so they can never show as binding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimiser import variants
from optimiser.batch import load_base, plan_batch, read_table
from optimiser.engine import Engine
from optimiser.england_batch import batch_table
from optimiser.layout import shape_key
from optimiser.inputs import prepare
from optimiser.model import build_model
from optimiser.pipeline import optimise
from optimiser.explain import InfeasibleScenario
from optimiser.scenario_io import load_scenario
from optimiser.solve import CompiledLP, compile_model

ROOT = Path(__file__).resolve().parents[1]


def _policy(scenario, **changes):
    return scenario.model_copy(update={"policy": scenario.policy.model_copy(update=changes)})


POLICIES = {
    "as-published": lambda s: s,
    "caps lifted": variants.lift_all_caps,
    "equal-share": lambda s: _policy(s, valuation="equal-share"),
    "contacts": lambda s: _policy(s, valuation="contacts"),
    "whole posts": variants.whole_posts,
    "reducing in post": variants.allow_reducing_in_post,
    "minimum post 0.5": lambda s: _policy(s, min_post_wte=0.5),
}


def _examples():
    return [(path.stem, load_scenario(path)) for path in sorted((ROOT / "scenarios").glob("*.yaml"))]


def _sample():
    plan = plan_batch(read_table(ROOT / "scenarios" / "national" / "sample-50.csv"),
                      load_base(ROOT / "scenarios" / "national" / "base-2026-27.yaml"), ["as-published"])
    return [(row.pcn_id, row.scenarios["as-published"]) for row in plan.rows]


def _england(count: int = 25):
    table = batch_table().sample(count, random_state=11)
    plan = plan_batch(table, load_base(ROOT / "scenarios" / "england" / "base-2026-27.yaml"), ["as-published"])
    return [(row.pcn_id, row.scenarios["as-published"]) for row in plan.rows]


def _rows(lp: CompiledLP) -> list[tuple]:
    """Each row's nonzero terms in column order, and its bounds: the row as HiGHS reads it."""
    rows = []
    for i in range(lp.num_rows):
        index, value = lp.row_index[lp.row_start[i]:lp.row_start[i + 1]], lp.row_value[lp.row_start[i]:lp.row_start[i + 1]]
        order = np.argsort(index[value != 0])
        rows.append((index[value != 0][order].tolist(), value[value != 0][order].tolist(), lp.row_lower[i], lp.row_upper[i]))
    return rows


def assert_same_programme(engine: Engine, scenario) -> None:
    inputs = prepare(scenario)
    model = build_model(inputs)
    expected = compile_model(model)
    arrays, got = engine.compile(prepare(scenario))
    assert got.column_names == expected.column_names
    for name in ("column_lower", "column_upper", "integer", "care", "cost", "own_money"):
        assert np.array_equal(getattr(got, name), getattr(expected, name)), name
    assert (got.lead is None) == (expected.lead is None) and (got.lead is None or np.array_equal(got.lead, expected.lead))
    assert _rows(got) == _rows(expected)
    assert [(r.family, r.label, r.unit) for r in arrays.registry] == [(r.family, r.label, r.unit) for r in model.registry]
    assert np.array_equal(arrays.limits, model.limits) and np.isfinite(arrays.limits).all()


@pytest.mark.parametrize("policy", list(POLICIES))
def test_structure_and_numbers_give_the_pulp_model_for_every_example_and_sample_pcn(policy):
    engine = Engine()
    cases = _examples() + _sample()
    for name, scenario in cases:
        assert_same_programme(engine, POLICIES[policy](scenario))
    assert len(engine._structures) <= 4, "the sample's PCNs share a handful of shapes"


@pytest.mark.parametrize("policy", ["as-published", "caps lifted", "reducing in post", "minimum post 0.5"])
def test_structure_and_numbers_give_the_pulp_model_for_real_england_pcns(policy):
    engine = Engine()
    for name, scenario in _england():
        assert_same_programme(engine, POLICIES[policy](scenario))


def test_scenarios_of_one_shape_share_one_structure():
    """Only numbers change between PCNs of one shape: one structure (rows, pattern) each, rows a PCN lacks left out."""
    engine, shapes = Engine(), set()
    for _, scenario in _sample():
        inputs = prepare(scenario)
        arrays, lp = engine.compile(inputs)
        shapes.add(shape_key(inputs))
        structure = engine._structures[shape_key(inputs)]
        assert arrays.layout is structure.shape and lp.column_names is structure.shape.column_names
        assert set(arrays.registry) <= set(structure.registry)
    assert len(shapes) == len(engine._structures) <= 2


def test_engine_answers_equal_the_pulp_answers():
    """Same summary, mix and binding limits either way, under caps lifted and a minimum post size too; the same
    conflict, in the same words, where no mix meets every rule."""
    engine, compared, infeasible = Engine(), 0, 0
    for _, scenario in _sample()[:12]:
        for variant in (POLICIES["as-published"], POLICIES["caps lifted"], POLICIES["minimum post 0.5"]):
            scenario_ = variant(scenario)
            try:
                expected = optimise(scenario_)
            except InfeasibleScenario as error:  # explained from the arrays, in the same words
                with pytest.raises(InfeasibleScenario) as got:
                    optimise(scenario_, engine=engine)
                assert got.value.conflicts.equals(error.conflicts) and str(got.value) == str(error)
                infeasible += 1
                continue
            got = optimise(scenario_, engine=engine)
            assert got.summary() == _approx_record(expected.summary())
            rows, expected_rows = got.role_rows(), expected.role_rows()
            assert [r["role"] for r in rows] == [r["role"] for r in expected_rows]
            for row, expected_row in zip(rows, expected_rows):
                assert row == _approx_record(expected_row)
            picked = got.role_rows(["total_wte", "role"])  # a batch worker asks for its columns, in its order
            assert [list(r.items()) for r in picked] == [[("total_wte", r["total_wte"]), ("role", r["role"])] for r in rows]
            assert got.binding_constraint_names() == expected.binding_constraint_names()
            compared += 1
    assert compared >= 20 and infeasible >= 1


def _approx_record(record: dict) -> dict:
    """A record to compare with ==: its numbers to within solver precision, its text exactly (pytest ≥ 9.2 refuses
    text inside approx)."""
    return {k: pytest.approx(v, rel=1e-9, abs=1e-7) if isinstance(v, float) else v for k, v in record.items()}


def _records(result) -> tuple:
    return result.summary(), result.role_rows(), result.binding_constraint_names()


def test_a_worker_kept_engine_and_highs_give_solve_answers_in_any_order():
    """A batch worker keeps one engine and one HiGHS instance for every PCN it solves, so each PCN starts where the
    last left that instance. Whatever the order (forwards, backwards), every answer is the one `solve` gives the PCN
    alone on a fresh instance, with the PuLP model: no state leaks from one PCN to the next."""
    from optimiser.solve import new_highs

    cases = [POLICIES[p](s) for _, s in _sample()[:10] for p in ("as-published", "minimum post 0.5", "equal-share")]
    expected = []
    for scenario in cases:
        try:
            expected.append(_records(optimise(scenario)))
        except InfeasibleScenario as error:
            expected.append(str(error))
    for order in (range(len(cases)), reversed(range(len(cases)))):
        engine, highs = Engine(), new_highs()
        for i in order:
            try:
                got = _records(optimise(cases[i], highs=highs, engine=engine))
            except InfeasibleScenario as error:
                assert str(error) == expected[i]
                continue
            summary, rows, binding = expected[i]
            assert got[0] == _approx_record(summary)
            assert [r["role"] for r in got[1]] == [r["role"] for r in rows]
            for row, expected_row in zip(got[1], rows):
                assert row == _approx_record(expected_row)
            assert got[2] == binding
    assert sum(isinstance(e, tuple) for e in expected) >= 20


def test_the_elastic_re_solve_of_a_minimum_post_size_gives_the_milps_relaxation(monkeypatch):
    """With a minimum post size, the elastic re-solve tries the LP without the yes/no choice first and keeps it only
    when setting each choice to whether its role recruits meets every row; that relaxation is then the MILP's optimum
    (the choices cost nothing): the same shortfalls as HiGHS's MILP gives, on synthetic PCNs with half their rooms."""
    from optimiser import constraints
    from optimiser.national import generate_national
    from optimiser.solve import compiled, elastic, new_highs, solve_compiled

    plan = plan_batch(generate_national(80, seed=7), load_base(ROOT / "scenarios" / "national" / "base-2026-27.yaml"), ["rooms-50%"])
    engine, highs, compared, milp_solve = Engine(), new_highs(), 0, elastic._elastic
    for row in plan.rows:
        arrays, lp = engine.compile(prepare(row.scenarios["rooms-50%"]))
        if solve_compiled(lp, highs=highs).status != "infeasible":
            continue
        assert lp.integer.any()
        relax = [i for i, info in enumerate(arrays.registry) if constraints.relaxable(info.family)]
        milp = elastic._elastic(lp, relax)
        with monkeypatch.context() as watch:
            solved = []
            watch.setattr(elastic, "_elastic", lambda lp_, rows, **o: solved.append(lp_.integer.any()) or milp_solve(lp_, rows, **o))
            got = elastic.elastic_relaxation(lp, relax)
        assert solved == [False], "the LP alone gave the answer"
        assert np.array_equal(got.limits, milp.limits)
        assert got.shortfalls == pytest.approx(milp.shortfalls, rel=1e-6, abs=1e-6)
        choices = np.isin(np.arange(len(lp.column_names)), np.flatnonzero(lp.integer))
        assert set(np.unique(got.column_values[choices])) <= {0.0, 1.0}
        activity = compiled.row_activity(lp, got.column_values)
        activity[relax] += np.where(np.isfinite(lp.row_upper[relax]), -1.0, 1.0) * got.shortfalls
        assert not compiled.violations(lp, activity).any()
        compared += 1
    assert compared >= 10
