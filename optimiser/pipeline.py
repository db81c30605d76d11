"""The whole flow for one scenario: prepare → build → solve → results, or an explanation of why not."""

from __future__ import annotations

from optimiser.engine import Engine
from optimiser.errors import SolverError
from optimiser.explain import InfeasibleScenario, conflict_rows
from optimiser.inputs import prepare
from optimiser.model import build_model
from optimiser.results import Result
from optimiser.scenario import Scenario
from optimiser.solve import solve, solve_compiled
from optimiser.variants import lift_all_caps


def optimise(scenario: Scenario, solver: str = "highs", time_limit_seconds: float | None = None, highs=None,
             engine: Engine | None = None) -> Result:
    """The best mix for a scenario; raises InfeasibleScenario with the conflict, or SolverError if unproven.

    With an `engine` (a batch worker keeps one, with `highs`) the model goes to HiGHS as arrays, without PuLP.
    """
    inputs = prepare(scenario)
    if engine is not None and solver == "highs":
        model, lp = engine.compile(inputs)
        solution = solve_compiled(lp, time_limit_seconds, highs=highs)
    else:
        model, lp = build_model(inputs), None
        solution = solve(model, solver=solver, time_limit_seconds=time_limit_seconds, highs=highs)
    return proven_result(scenario, model, lp, solution)


def proven_result(scenario: Scenario, model, lp, solution) -> Result:
    """A solve's answer, or why there is none: InfeasibleScenario with the conflict, SolverError if unproven."""
    if solution.status == "infeasible":
        raise InfeasibleScenario(conflict_rows(model, lp), scenario.pcn.name)
    if not solution.proven_optimal:
        raise SolverError(
            f"{scenario.pcn.name}: the solver stopped ({solution.status}) before proving an optimal mix; "
            "no answer is shown rather than an unproven one. Raise the time limit or use fractional WTE."
        )
    return Result(model=model, solution=solution)


with_caps_lifted = lift_all_caps
"""The same scenario with every cap removed: the 'what if' beside each answer (see optimiser.variants)."""
