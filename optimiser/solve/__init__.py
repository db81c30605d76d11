"""Solve a skill-mix model with HiGHS in-process, in two stages, and check that the answer is proven.

Stage 1 finds the most care; stage 2 finds the cheapest mix that still delivers it (within a tiny tolerance).
Marginal values come from stage 1's duals, so they are in care per unit of each limit. Under the equal-share
valuation a stage 0 first maximises the lowest share of need met, which stage 1 then keeps.

This package and `model.py` are the only places that import PuLP or highspy. Where each job is:
`compiled.py` the model as arrays; `solution.py` what a solve returns, the stages' tolerances and the care floor;
`highs.py` one HiGHS instance; `two_stage.py` the stages on HiGHS's LP and MILP; `branch_and_bound.py` and
`minimum_post_size.py` the minimum-post-size MILP by branch and bound; `cheapest.py` stage 2 (the cheapest mix giving
the most care), which both of those call, and the tie-break stage a plan adds after it; `cbc.py` the CBC fallback;
`elastic.py` the re-solve that explains an infeasible model.
"""

from __future__ import annotations

from optimiser.errors import SolverError
from optimiser.model import SkillMixModel
from optimiser.solve.cbc import solve_cbc
from optimiser.solve.compiled import CompiledLP, compile_model
from optimiser.solve.elastic import Relaxation, elastic_relaxation
from optimiser.solve.highs import highspy, new_highs
from optimiser.solve.minimum_post_size import branch_and_bound_stages
from optimiser.solve.solution import STAGE_2_FALLBACK_TOLERANCE, Solution, Status
from optimiser.solve.two_stage import lp_answer_if_integral, two_stage

__all__ = [
    "MILP_METHOD", "STAGE_2_FALLBACK_TOLERANCE", "CompiledLP", "Relaxation", "Solution", "Status", "compile_model",
    "elastic_relaxation", "new_highs", "solve", "solve_compiled",
]

MILP_METHOD = "branching"
"""How a minimum-post-size MILP is solved: "branching", a depth-first branch and bound over the LP on one HiGHS
instance (each node only changes the bounds of yes/no columns, so HiGHS warm-starts it), or "highs", HiGHS's own
MILP (kept to compare). Both prove the optimum to the same relative gap; on these small models branching skips
the MILP machinery's start-up (cuts, heuristics, a new instance for the marginal values), which dominates."""


def solve(model: SkillMixModel, solver: str = "highs", time_limit_seconds: float | None = None, highs=None) -> Solution:
    """Solve both stages; a result is only called optimal when the solver proved it.

    `highs` may be a HiGHS instance to reuse (a batch worker keeps one), saving its start-up per PCN.
    """
    if solver == "cbc" or highspy is None:
        return solve_cbc(model, time_limit_seconds)
    if solver != "highs":
        raise SolverError(f"unknown solver {solver!r}; use 'highs' or 'cbc'")
    return solve_compiled(compile_model(model), time_limit_seconds, highs=highs)


def solve_compiled(lp: CompiledLP, time_limit_seconds: float | None = None, highs=None, milp_method: str | None = None) -> Solution:
    """Two-stage solve of a compiled model; `highs` may be a reused instance (its model is replaced).

    With a minimum post size (yes/no columns `new_post(...)` only), the MILP is solved by branch and bound over
    the LP (see MILP_METHOD); its root is the LP without the yes/no choice, so when that LP proposes no new post
    below the minimum the answer comes from the root alone. Whole posts (general integers) use HiGHS's MILP.
    """
    milp_method = milp_method or MILP_METHOD
    if milp_method not in ("branching", "highs"):
        raise SolverError(f"unknown MILP method {milp_method!r}; use 'branching' or 'highs'")
    choices = lp.choices
    if choices.any() and not (lp.integer & ~choices).any():
        shortcut = branch_and_bound_stages if milp_method == "branching" else lp_answer_if_integral
        if (solution := shortcut(lp, choices, time_limit_seconds, highs)) is not None:
            return solution
    return two_stage(lp, time_limit_seconds, highs)
