"""One multi-year plan: prepare every year in every future → build the LP → solve (solve/) → results.

Beside the plan itself, two numbers say what the uncertainty costs:
- the value of knowing the future: the expected value if the first year's hiring could be chosen knowing
  which future will come ("wait and see": the same LP with the first year's hiring per future) minus the
  plan's own expected value ("here and now");
- the cost of planning on one forecast: the plan made for the most likely future alone, its first-year
  hiring then kept whatever comes, against the plan made for all futures.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from optimiser import constraints
from optimiser.errors import EXIT_INFEASIBLE, OptimiserError, SolverError
from optimiser.plan_inputs import PlanInputs, prepare_plan
from optimiser.plan_lp import ABSENT
from optimiser.plan_model import Mode, PlanModel, build_plan_model
from optimiser.plan_results import Comparisons, PlanResult
from optimiser.scenario import Scenario
from optimiser.solve import CompiledLP, Solution, elastic_relaxation, new_highs, solve_compiled


PLAN_LP_OPTIONS = {"presolve": "off", "simplex_strategy": 4}
"""HiGHS options for a plan without integer choices: primal simplex without presolve takes about half the default's
time on plans (benchmarks/plan_benchmark.py), and stage 2, from stage 1's basis, is then a few iterations."""


TIE_BREAK_WORDS = "then, of equally good plans, the least own money beyond the top-up budget over the years and futures"
"""How an expected-value plan chooses between plans equal in care and cost (`plan_model`), for the method sentence."""


def plan_highs(lp: CompiledLP, time_limit_seconds: float | None = None):
    """A HiGHS instance for one plan: the defaults for a MILP, PLAN_LP_OPTIONS for an LP."""
    highs = new_highs(time_limit_seconds)
    if not lp.integer.any():
        for option, value in PLAN_LP_OPTIONS.items():
            highs.setOptionValue(option, value)
    return highs


class InfeasiblePlan(OptimiserError):
    """No plan meets every rule in every future that can happen; `conflicts` (when known) says which limits fall
    short, in which year and future, and by how much."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, message: str, conflicts: pd.DataFrame | None = None):
        self.conflicts = conflicts
        super().__init__(message)


def make_plan(
    scenario: Scenario, mode: Mode = "expected", compare: bool = True, time_limit_seconds: float | None = None,
) -> PlanResult:
    """The best plan for a scenario's futures; raises InfeasiblePlan or SolverError rather than show an unproven plan."""
    inputs = prepare_plan(scenario)
    model, solution = solve_plan(inputs, mode, time_limit_seconds)
    result = PlanResult(model=model, solution=solution)
    if compare and len(inputs.futures) > 1:
        result.comparisons = _compare(scenario, inputs, result, mode, time_limit_seconds)
    return result


def solve_plan(inputs: PlanInputs, mode: Mode = "expected", time_limit_seconds: float | None = None,
               shared_first_year: bool = True) -> tuple[PlanModel, Solution]:
    model = build_plan_model(inputs, mode, shared_first_year)
    return model, _solved(model, model.compiled(), time_limit_seconds)


def _solved(model: PlanModel, lp: CompiledLP, time_limit_seconds: float | None, held: bool = False) -> Solution:
    """The plan's LP solved (`held`: its first year's hiring held at a plan made elsewhere); raises rather than
    return an infeasible or unproven plan."""
    solution = model.complete(solve_compiled(lp, time_limit_seconds, highs=plan_highs(lp, time_limit_seconds)))
    name = model.inputs.scenario.pcn.name
    if solution.status == "infeasible":
        raise _infeasible(model, held)
    if not solution.proven_optimal:
        raise SolverError(f"{name}: the solver stopped ({solution.status}) before proving an optimal plan; "
                          "no plan is shown rather than an unproven one. Raise the time limit or use fractional WTE.")
    if lp.tie_break is not None:
        solution = dataclasses.replace(solution, method=f"{solution.method}; {TIE_BREAK_WORDS}")
    return solution


def holding_first_year(model: PlanModel, held: dict[str, tuple[float, float]]) -> CompiledLP:
    """The plan's LP with the first year's hiring held at `held` (role → new, reduced WTE), to value a plan made
    elsewhere: only the first year's column bounds change, so the model is not written again. A role held recruits
    or not as `held` says, so its yes/no column is no choice: left free between 0 and 1, its rows then only say the
    new WTE is at most what the role could use (`plan_rules.add_minimum_post_size`), which a plan of the same
    scenario meets."""
    if not model.shared_first_year:
        raise ValueError("a plan whose futures each hire their own first year has no one first year to hold")
    lp = model.compiled()
    lower, upper, integer = lp.column_lower.copy(), lp.column_upper.copy(), lp.integer.copy()
    h = model.slots.index((0, ""))
    for k, r in enumerate(model.roles):
        if r not in held:
            continue
        for column, wte in ((model.new_col[k, h], held[r][0]),
                            (ABSENT if model.reduced_col is None else model.reduced_col[k, h], held[r][1])):
            if column >= 0:
                lower[column] = upper[column] = wte
            elif wte != 0:
                raise ValueError(f"{r}: {wte} WTE cannot be held in the first year of a plan that leaves the role out")
        if model.new_post_col is not None and model.new_post_col[k, h] >= 0:
            integer[model.new_post_col[k, h]] = False
    return dataclasses.replace(lp, column_lower=lower, column_upper=upper, integer=integer)


def _infeasible(model: PlanModel, fixed: bool) -> InfeasiblePlan:
    name = model.inputs.scenario.pcn.name
    if fixed:
        return InfeasiblePlan(f"{name}: the first-year hiring cannot be kept within the rules in every future.")
    conflicts = explain_plan_infeasibility(model)
    mode = {"robust": "own money within the top-up budget in every future",
            "expected": "own money within the top-up budget on average over the futures"}[model.mode]
    lines = [f"{name}: no plan meets every rule in every year and future that can happen ({mode}). What conflicts:"]
    lines += [f"  - {sentence}" for sentence in conflicts["explanation"]]
    lines.append("Change one of these limits, or allow reducing in-post staff (policy.allow_reducing_in_post: true)"
                 + (", or plan for expected value (--mode expected)." if model.mode == "robust" else "."))
    return InfeasiblePlan("\n".join(lines), conflicts)


def explain_plan_infeasibility(model: PlanModel) -> pd.DataFrame:
    """The smallest relaxation of the relaxable limits (as `explain` does for one year), one row per limit, future
    and run of years, in words: "2026/27 to 2027/28, if a room is lost (chance 50%): staff in post need …"."""
    inputs = model.inputs
    rows_to_relax = [i for i, info in enumerate(model.registry) if constraints.relaxable(info.family)]
    relaxation = elastic_relaxation(model.compiled(), rows_to_relax)
    if relaxation is None:
        raise InfeasiblePlan(f"{inputs.scenario.pcn.name}: no plan meets the rules even with every budget, room and cap "
                             "relaxed; check the in-post staff and whole-post settings.")
    found: dict[tuple[str, str | None, str | None], list] = {}
    for i, limit, amount in zip(rows_to_relax, relaxation.limits, relaxation.shortfalls):
        if amount > 1e-6 * max(1.0, abs(limit)):
            info, (t, s) = model.registry[i], model.row_period[i]
            found.setdefault((info.family, info.label, s), []).append((t, info, float(limit) + 0.0, float(amount)))
    rows = []
    for (family, label, future), years in found.items():
        t, info, limit, amount = years[0]
        words = constraints.Words(
            name=constraints.label_name(family, label, inputs.base), label=label, limit=limit, gain=amount, more="",
            money="", amount=str, rented=relaxation.value(model.rented.get((t, future))),
            rentable=inputs.base.rentable_sessions_per_week, has_top_up=inputs.base.top_up_budget_gbp > 0)
        first, last = inputs.years[t], inputs.years[years[-1][0]]
        when = first if len(years) == 1 else f"from {first} to {last}"
        rows.append({"family": family, "label": label, "future": future or "", "first_year": first, "last_year": last,
                     "unit": info.unit, "limit": limit, "needed": limit + amount, "shortfall": amount,
                     "most_shortfall": max(a for *_, a in years),
                     "explanation": f"{_when_and_where(inputs, when, future)}: {constraints.conflict_sentence(family, words)}"})
    return pd.DataFrame(rows, columns=["family", "label", "future", "first_year", "last_year", "unit", "limit", "needed",
                                       "shortfall", "most_shortfall", "explanation"])


def _when_and_where(inputs: PlanInputs, when: str, future: str | None) -> str:
    """'From 2026/27 to 2027/28, if a room is lost (chance 50%)'; a row of every future, or of the only one, names none."""
    when = when[:1].upper() + when[1:]
    if future is None:
        return when + (", on average over the futures" if len(inputs.futures) > 1 else "")
    if len(inputs.futures) <= 1:
        return when
    return f"{when}, {inputs.if_future(future)}"


def _single_future(scenario: Scenario, name: str) -> PlanInputs:
    future = scenario.futures[name].model_copy(update={"probability": 1.0})
    return prepare_plan(scenario, {name: future})


def _compare(scenario, inputs, result, mode, time_limit_seconds) -> Comparisons:
    """Wait-and-see (the first year's hiring chosen per future) and the single-forecast plan kept whatever comes."""
    _, knowing = solve_plan(inputs, mode, time_limit_seconds, shared_first_year=False)
    forecast = inputs.most_likely
    model, solution = solve_plan(_single_future(scenario, forecast), mode, time_limit_seconds)
    forecast_first_year = PlanResult(model=model, solution=solution).first_year_decisions()
    try:
        lp = holding_first_year(result.model, forecast_first_year)
        solution = _solved(result.model, lp, time_limit_seconds, held=True)
        kept = PlanResult(model=result.model, solution=solution)
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

