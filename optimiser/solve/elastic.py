"""The re-solve for an infeasible model: an elastic column on each relaxable row, minimising the total relative
relaxation, shows which limits must give and by how much."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pulp

from optimiser.model import SkillMixModel
from optimiser.solve.compiled import RECRUITS_ABOVE, CompiledLP, compile_model, row_activity, violations
from optimiser.solve.highs import column_values, highspy, new_highs, pass_model, set_costs, status_of
from optimiser.solve.solution import Status


@dataclass
class Relaxation:
    """The smallest relaxation that makes an infeasible model feasible: each relaxed row's limit and shortfall."""

    limits: np.ndarray
    shortfalls: np.ndarray
    column_values: np.ndarray
    columns: dict[str, int]

    def value(self, variable: pulp.LpVariable | None) -> float:
        return 0.0 if variable is None else float(self.column_values[self.columns[variable.name]])


def elastic_relaxation(model: SkillMixModel | CompiledLP, rows: list[int]) -> Relaxation | None:
    """Re-solve with an elastic column on each of `rows`, minimising the total relative relaxation; None if even that fails.
    A model built as arrays (a plan) is given compiled.

    When the only whole-number columns are yes/no (whether a role recruits), the LP without them is solved first:
    they cost nothing here, so if setting each to whether its role recruits still meets every row, that is the
    MILP's answer, and HiGHS's MILP (ten times slower on these models) is needed only otherwise.
    """
    lp = model if isinstance(model, CompiledLP) else compile_model(model)
    yes_no = lp.integer & (lp.column_lower == 0) & (lp.column_upper == 1)
    if lp.integer.any() and not (lp.integer & ~yes_no).any():
        relaxed = _elastic(dataclasses.replace(lp, integer=np.zeros_like(lp.integer)), rows, presolve="off")
        if relaxed is not None:
            values = relaxed.column_values.copy()
            values[yes_no] = (values[yes_no] > RECRUITS_ABOVE).astype(float)
            activity = row_activity(lp, values)
            activity[rows] += np.where(np.isfinite(lp.row_upper[rows]), -1.0, 1.0) * relaxed.shortfalls
            if not violations(lp, activity).any():
                return dataclasses.replace(relaxed, column_values=values)
    return _elastic(lp, rows)


def _elastic(lp: CompiledLP, rows: list[int], **options) -> Relaxation | None:
    highs = new_highs()
    for name, value in options.items():
        highs.setOptionValue(name, value)
    pass_model(highs, lp)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    set_costs(highs, np.zeros(len(lp.care)))
    rows = np.asarray(rows, dtype=np.int32)
    upper = np.isfinite(lp.row_upper[rows])
    limits = np.where(upper, lp.row_upper[rows], lp.row_lower[rows])
    count = len(rows)
    highs.addCols(count, 1.0 / np.maximum(np.abs(limits), 1.0), np.zeros(count), np.full(count, np.inf),
                  count, np.arange(count, dtype=np.int32), rows, np.where(upper, -1.0, 1.0))
    highs.run()
    if status_of(highs) != Status.OPTIMAL:
        return None
    values = column_values(highs)
    return Relaxation(limits.astype(float), values[len(lp.care):], values[: len(lp.care)],
                      {name: j for j, name in enumerate(lp.column_names)})
