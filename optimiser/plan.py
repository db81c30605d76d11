"""One multi-year plan: prepare every year in every future → build the LP → solve (solve.py) → results.

Beside the plan itself, two numbers say what the uncertainty costs:
- the value of knowing the future: the expected value if the first year's hiring could be chosen knowing
  which future will come ("wait and see": the same LP with the first year's hiring per future) minus the
  plan's own expected value ("here and now");
- the cost of planning on one forecast: the plan made for the most likely future alone, its first-year
  hiring then kept whatever comes, against the plan made for all futures.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimiser.errors import EXIT_INFEASIBLE, OptimiserError, SolverError
from optimiser.plan_inputs import PlanInputs, prepare_plan
from optimiser.plan_model import Mode, PlanModel, build_plan_model
from optimiser.plan_results import PlanResult
from optimiser.scenario import Scenario
from optimiser.solve import CompiledLP, Solution, new_highs, solve_compiled


PLAN_LP_OPTIONS = {"presolve": "off", "simplex_strategy": 4}
"""HiGHS options for a plan without integer choices: primal simplex without presolve takes about half the default's
time on plans (benchmarks/plan_benchmark.py), and stage 2, from stage 1's basis, is then a few iterations."""


def plan_highs(lp: CompiledLP, time_limit_seconds: float | None = None):
    """A HiGHS instance for one plan: the defaults for a MILP, PLAN_LP_OPTIONS for an LP."""
    highs = new_highs(time_limit_seconds)
    if not lp.integer.any():
        for option, value in PLAN_LP_OPTIONS.items():
            highs.setOptionValue(option, value)
    return highs


class InfeasiblePlan(OptimiserError):
    """No plan meets every rule in every future that can happen."""

    exit_code = EXIT_INFEASIBLE


@dataclass
class Comparisons:
    """What the uncertainty costs, in the plan's care unit (discounted, expected over the futures)."""

    here_and_now: float
    wait_and_see: float
    forecast: str  # the future the single-forecast plan assumes
    single_forecast: float | None  # None: its first-year hiring cannot be kept within the rules in every future
    single_forecast_by_future: dict[str, float]  # care value in each future when the forecast plan's hiring is kept
    plan_by_future: dict[str, float]  # the same for the plan made for all futures
    forecast_hiring: dict[str, float]  # role → new WTE in the first year under the single-forecast plan

    @property
    def value_of_knowing_the_future(self) -> float:
        return max(self.wait_and_see - self.here_and_now, 0.0)

    @property
    def cost_of_a_single_forecast(self) -> float | None:
        return None if self.single_forecast is None else max(self.here_and_now - self.single_forecast, 0.0)


def make_plan(
    scenario: Scenario, mode: Mode = "expected", compare: bool = True, time_limit_seconds: float | None = None,
) -> PlanResult:
    """The best plan for a scenario's futures; raises InfeasiblePlan or SolverError rather than show an unproven plan."""
    inputs = prepare_plan(scenario)
    model, solution = solve_plan(inputs, mode, time_limit_seconds=time_limit_seconds)
    result = PlanResult(model=model, solution=solution)
    if compare and len(inputs.futures) > 1:
        result.comparisons = _compare(scenario, inputs, result, mode, time_limit_seconds)
    return result


def solve_plan(
    inputs: PlanInputs, mode: Mode = "expected",
    fixed_first_year: dict[str, tuple[float, float]] | None = None, time_limit_seconds: float | None = None,
    shared_first_year: bool = True,
) -> tuple[PlanModel, Solution]:
    model = build_plan_model(inputs, mode, fixed_first_year, shared_first_year)
    lp = model.compiled()
    solution = model.complete(solve_compiled(lp, time_limit_seconds, highs=plan_highs(lp, time_limit_seconds)))
    name = inputs.scenario.pcn.name
    if solution.status == "infeasible":
        raise InfeasiblePlan(_infeasible_sentence(name, mode, fixed_first_year is not None))
    if not solution.proven_optimal:
        raise SolverError(f"{name}: the solver stopped ({solution.status}) before proving an optimal plan; "
                          "no plan is shown rather than an unproven one. Raise the time limit or use fractional WTE.")
    return model, solution


def _infeasible_sentence(name: str, mode: Mode, fixed: bool) -> str:
    if fixed:
        return f"{name}: the first-year hiring cannot be kept within the rules in every future."
    if mode == "robust":
        return (f"{name}: no plan keeps own money within the top-up budget in every future: staff in post already cost "
                "more than the ARRS sum and top-up budget allow in at least one future, even with no new posts. "
                "Plan for expected value, raise the top-up budget, or allow reducing staff in post.")
    return (f"{name}: no plan keeps own money within the top-up budget, on average over the futures, in every year: staff "
            "in post already cost more than the ARRS sum and top-up budget allow once pay rises, even with no new posts. "
            "Raise the top-up budget or allow reducing staff in post.")


def _single_future(scenario: Scenario, name: str) -> PlanInputs:
    future = scenario.futures[name].model_copy(update={"probability": 1.0})
    return prepare_plan(scenario, {name: future})


def _compare(scenario, inputs, result, mode, time_limit_seconds) -> Comparisons:
    """Wait-and-see (the first year's hiring chosen per future) and the single-forecast plan kept whatever comes."""
    _, knowing = solve_plan(inputs, mode, time_limit_seconds=time_limit_seconds, shared_first_year=False)
    possible = [s for s in inputs.futures if inputs.probabilities[s] > 0]
    forecast = max(possible, key=lambda s: inputs.probabilities[s])  # the first listed on ties
    model, solution = solve_plan(_single_future(scenario, forecast), mode, time_limit_seconds=time_limit_seconds)
    forecast_first_year = PlanResult(model=model, solution=solution).first_year_decisions()
    try:
        model, solution = solve_plan(inputs, mode, forecast_first_year, time_limit_seconds)
        kept = PlanResult(model=model, solution=solution)
        single, by_future = solution.care, kept.care_value_by_future()
    except InfeasiblePlan:
        single, by_future = None, {}
    return Comparisons(
        here_and_now=result.solution.care,
        wait_and_see=knowing.care,
        forecast=forecast,
        single_forecast=single,
        single_forecast_by_future=by_future,
        plan_by_future=result.care_value_by_future(),
        forecast_hiring={r: float(new) for r, (new, _) in forecast_first_year.items() if new > 1e-6},
    )

