"""The re-solve for an infeasible model: an elastic column on each relaxable row, minimising the total relative
relaxation, shows which limits must give and by how much."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from optimiser.model import SkillMixModel
from optimiser.solve.compiled import CompiledLP, compile_model
from optimiser.solve.highs import highspy, new_highs, pass_model, status_of
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
    A model built as arrays (a plan) is given compiled."""
    lp = model if isinstance(model, CompiledLP) else compile_model(model)
    highs = new_highs()
    pass_model(highs, lp)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.changeColsCost(len(lp.care), np.arange(len(lp.care), dtype=np.int32), np.zeros(len(lp.care)))
    limits = []
    for i in rows:
        upper = np.isfinite(lp.row_upper[i])
        limit = lp.row_upper[i] if upper else lp.row_lower[i]
        limits.append(limit)
        highs.addCol(1.0 / max(abs(limit), 1.0), 0.0, np.inf, 1, np.array([i], dtype=np.int32), np.array([-1.0 if upper else 1.0]))
    highs.run()
    if status_of(highs) != Status.OPTIMAL:
        return None
    values = np.asarray(highs.getSolution().col_value)
    return Relaxation(np.array(limits, dtype=float), values[len(lp.care):], values[: len(lp.care)],
                      {name: j for j, name in enumerate(lp.column_names)})
