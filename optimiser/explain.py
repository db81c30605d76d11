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
    """No mix meets every rule; `conflicts` says which limits fall short and by how much (`sentences`: each in words)."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, conflicts: pd.DataFrame | list[dict], pcn: str):
        self._conflicts = conflicts
        self.sentences = [row["explanation"] for row in conflicts] if isinstance(conflicts, list) else list(conflicts["explanation"])
        lines = [f"No staffing mix for {pcn} meets every rule. What conflicts:"]
        lines += [f"  - {sentence}" for sentence in self.sentences]
        lines.append("Change one of these limits, or allow reducing in-post staff (policy.allow_reducing_in_post: true).")
        super().__init__("\n".join(lines))

    @property
    def conflicts(self) -> pd.DataFrame:
        """One row per limit that falls short, indexed by constraint (a table only when asked for: a batch needs the words)."""
        if isinstance(self._conflicts, list):
            self._conflicts = conflicts_table(self._conflicts)
        return self._conflicts


def conflicts_table(rows: list[dict]) -> pd.DataFrame:
    """`conflict_rows` as a table, indexed by constraint."""
    return pd.DataFrame(rows, columns=["constraint", "family", "label", "unit", "limit", "needed", "shortfall", "explanation"]).set_index("constraint")


def conflict_rows(model: SkillMixModel | ArrayModel, lp: CompiledLP | None = None) -> list[dict]:
    """Minimise the total relative relaxation of the relaxable limits; report each one relaxed, in its words.

    `lp` is the model as arrays, where the caller has it (a batch worker's model has no PuLP form)."""
    relaxable = {family: constraints.relaxable(family) for family in {info.family for info in model.registry}}
    rows_to_relax = [i for i, info in enumerate(model.registry) if relaxable[info.family]]
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
    return rows
