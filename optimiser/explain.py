"""Why a scenario has no feasible mix: an elastic re-solve finds the smallest relaxation of the limits.

Staff in post and whole posts are facts; budgets, rooms, caps and recruitment limits are what could
change. The limits that must be relaxed, and by how much, are the conflict, reported in their units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.catalogue import POT_NAMES
from optimiser.errors import OptimiserError
from optimiser.model import SkillMixModel
from optimiser.solve import compile_model, new_highs, pass_model

RELAXABLE = {"arrs_budget", "top_up_budget", "clinical_rooms", "desk_space", "role_cap", "recruitment_limit", "supervision"}


class InfeasibleScenario(OptimiserError):
    """No mix meets every rule; `conflicts` says which limits fall short and by how much."""

    def __init__(self, conflicts: pd.DataFrame, pcn: str):
        self.conflicts = conflicts
        lines = [f"No staffing mix for {pcn} meets every rule. What conflicts:"]
        lines += [f"  - {sentence}" for sentence in conflicts["explanation"]]
        lines.append("Change one of these limits, or allow reducing in-post staff (policy.allow_reducing_in_post: true).")
        super().__init__("\n".join(lines))


def explain_infeasibility(model: SkillMixModel) -> pd.DataFrame:
    """Minimise the total relative relaxation of the relaxable limits; report each one relaxed."""
    import highspy

    lp = compile_model(model)
    highs = new_highs()
    pass_model(highs, lp)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.changeColsCost(len(lp.care), np.arange(len(lp.care), dtype=np.int32), np.zeros(len(lp.care)))
    slack_rows = [i for i, info in enumerate(model.registry) if info.family in RELAXABLE]
    for i in slack_rows:
        limit = lp.row_upper[i] if np.isfinite(lp.row_upper[i]) else lp.row_lower[i]
        direction = -1.0 if np.isfinite(lp.row_upper[i]) else 1.0
        highs.addCol(1.0 / max(abs(limit), 1.0), 0.0, np.inf, 1, np.array([i], dtype=np.int32), np.array([direction]))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise OptimiserError("the scenario is infeasible even with every budget, room and cap relaxed; check the in-post staff and whole-post settings")
    values = np.asarray(highs.getSolution().col_value)
    slack = values[len(lp.care):]
    rented = values[lp.column_names.index(model.rented_sessions.name)] if model.rented_sessions is not None else 0.0
    rows = []
    for i, amount in zip(slack_rows, slack):
        if amount <= 1e-6:
            continue
        info = model.registry[i]
        limit = float(lp.row_upper[i] if np.isfinite(lp.row_upper[i]) else lp.row_lower[i])
        rows.append({"constraint": info.name, "family": info.family, "label": info.label, "unit": info.unit,
                     "limit": limit, "needed": limit + amount, "shortfall": float(amount),
                     "explanation": _sentence(info.family, info.label, limit, amount, model, rented)})
    return pd.DataFrame(rows, columns=["constraint", "family", "label", "unit", "limit", "needed", "shortfall", "explanation"]).set_index("constraint")


def _sentence(family: str, label: str | None, limit: float, short: float, model: SkillMixModel, rented: float) -> str:
    roles = model.inputs.roles
    needed = limit + short
    if family == "arrs_budget":
        return f"staff already in post claim £{needed:,.0f} a year of ARRS but the {POT_NAMES.get(label, label)} is £{limit:,.0f}: £{short:,.0f} short"
    if family == "top_up_budget":
        return f"costs above reimbursement need £{needed:,.0f} a year of top-up but the top-up budget is £{limit:,.0f}: £{short:,.0f} short"
    if family == "clinical_rooms":
        rentable = model.inputs.rentable_sessions_per_week
        renting = f" and {rented:,.1f} of the {rentable:g} rentable are rented" if rentable else ""
        return (f"staff in post need {needed + rented:,.1f} clinical room sessions a week but {limit:,.1f} are free{renting}: "
                f"{short:,.1f} sessions short")
    if family == "desk_space":
        return f"staff in post need {needed:,.1f} desk sessions a week but {limit:,.1f} are available: {short:,.1f} short"
    if family == "role_cap":
        return f"{needed:g} WTE of {roles.at[label, 'role_name']} are in post but the cap is {limit:g} WTE: {short:g} WTE over; lift the cap (policy.remove_caps) or reduce in-post staff"
    if family == "recruitment_limit":
        return f"{roles.at[label, 'role_name']} needs {needed:g} WTE but in post plus the recruitment limit allow {limit:g}: {short:g} WTE short"
    if family == "supervision":
        from optimiser.assumptions import load_supervision

        name = load_supervision().supervisors["supervisor_name"].get(label, label)
        return (f"staff in post need {needed:,.1f} hours a week of {name} but {limit:,.1f} are available: {short:,.1f} hours "
                f"short; give more hours (supervision.available.{label}.hours_per_week) or a price to buy them (gbp_per_hour)")
    return f"{family} {label or ''}: {short:,.2f} short"
