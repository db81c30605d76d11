"""Why a scenario has no feasible mix: an elastic re-solve finds the smallest relaxation of the limits.

Staff in post and whole posts are facts; the families the constraint registry marks relaxable (budgets,
rooms, caps, recruitment limits, supervision) are what could change. The limits that must be relaxed, and by how much, are the conflict, reported in their units.
"""

from __future__ import annotations

import pandas as pd

from optimiser import constraints
from optimiser.errors import EXIT_INFEASIBLE, OptimiserError
from optimiser.engine import ArrayModel
from optimiser.model import SkillMixModel
from optimiser.solve import CompiledLP, elastic_relaxation


class InfeasibleScenario(OptimiserError):
    """No mix meets every rule; `conflicts` says which limits fall short and by how much."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, conflicts: pd.DataFrame, pcn: str):
        self.conflicts = conflicts
        lines = [f"No staffing mix for {pcn} meets every rule. What conflicts:"]
        lines += [f"  - {sentence}" for sentence in conflicts["explanation"]]
        lines.append("Change one of these limits, or allow reducing in-post staff (policy.allow_reducing_in_post: true).")
        super().__init__("\n".join(lines))


def explain_infeasibility(model: SkillMixModel | ArrayModel, lp: CompiledLP | None = None) -> pd.DataFrame:
    """Minimise the total relative relaxation of the relaxable limits; report each one relaxed, in its words.

    `lp` is the model as arrays, where the caller has it (a batch worker's model has no PuLP form)."""
    rows_to_relax = [i for i, info in enumerate(model.registry) if constraints.relaxable(info.family)]
    relaxation = elastic_relaxation(model if lp is None else lp, rows_to_relax)
    rented = model.layout.column("rented_sessions")
    if relaxation is None:
        raise OptimiserError("the scenario is infeasible even with every budget, room and cap relaxed; check the in-post staff and whole-post settings")
    rows = []
    for i, limit, amount in zip(rows_to_relax, relaxation.limits, relaxation.shortfalls):
        if amount <= 1e-6:
            continue
        info = model.registry[i]
        words = constraints.Words(
            name=constraints.label_name(info.family, info.label, model.inputs), label=info.label, limit=float(limit),
            gain=float(amount), more="", money="", amount=str, rented=0.0 if rented is None else float(relaxation.column_values[rented]),
            rentable=model.inputs.rentable_sessions_per_week, has_top_up=model.inputs.top_up_budget_gbp > 0,
        )
        rows.append({"constraint": info.name, "family": info.family, "label": info.label, "unit": info.unit,
                     "limit": float(limit), "needed": float(limit + amount), "shortfall": float(amount),
                     "explanation": constraints.conflict_sentence(info.family, words)})
    return pd.DataFrame(rows, columns=["constraint", "family", "label", "unit", "limit", "needed", "shortfall", "explanation"]).set_index("constraint")
