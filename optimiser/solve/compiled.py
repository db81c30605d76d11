"""The skill-mix model as arrays, compiled once from PuLP: what every solver path reads, by column and row position."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pulp

from optimiser.model import SkillMixModel


@dataclass(frozen=True)
class CompiledLP:
    """The model as arrays: row order is the registry's, column order the model's."""

    column_names: list[str]
    column_lower: np.ndarray
    column_upper: np.ndarray
    integer: np.ndarray
    care: np.ndarray
    cost: np.ndarray
    own_money: np.ndarray  # £ a year of the PCN's top-up spent: counted again in stage 2, so ARRS is spent first
    lead: np.ndarray | None  # equal-share: the lowest share of need met, maximised before the care
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray
    row_index: np.ndarray
    row_value: np.ndarray
    tie_break: np.ndarray | None = None  # minimised last, among the mixes equal in care and cost (multi-year plans)
    pattern: object | None = field(default=None, compare=False)
    """LPs given one `pattern` (the batch engine's) share their columns, rows and matrix pattern; only numbers differ,
    so what a solver works out from the pattern alone is kept with it."""

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    @cached_property
    def choices(self) -> np.ndarray:
        """The yes/no columns of a minimum post size (whether a role recruits), by their name `new_post(...)`."""
        return np.array([name.startswith("new_post(") for name in self.column_names], dtype=bool)

    @property
    def spend(self) -> np.ndarray:
        """Stage 2's objective: the cost, and the PCN's own money once more, because unspent ARRS is lost while
        unspent top-up is kept."""
        return self.cost + self.own_money


def compile_model(model: SkillMixModel) -> CompiledLP:
    variables = model.variables
    position = {v.name: j for j, v in enumerate(variables)}
    starts, indexes, coefficients, lower, upper = [0], [], [], [], []
    for info in model.registry:
        constraint = info.constraint
        for variable, coefficient in constraint.items():
            if coefficient != 0:
                indexes.append(position[variable.name])
                coefficients.append(coefficient)
        starts.append(len(indexes))
        rhs = -constraint.constant
        lower.append(rhs if constraint.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -np.inf)
        upper.append(rhs if constraint.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else np.inf)

    def coefficients_of(expression: pulp.LpAffineExpression) -> np.ndarray:
        vector = np.zeros(len(variables))
        for variable, coefficient in expression.items():
            vector[position[variable.name]] += coefficient
        return vector

    return CompiledLP(
        column_names=[v.name for v in variables],
        column_lower=np.array([-np.inf if v.lowBound is None else v.lowBound for v in variables], dtype=float),
        column_upper=np.array([np.inf if v.upBound is None else v.upBound for v in variables], dtype=float),
        integer=np.array([v.cat == pulp.LpInteger for v in variables], dtype=bool),
        care=coefficients_of(model.care),
        cost=coefficients_of(model.total_cost),
        own_money=coefficients_of(model.own_money),
        lead=None if model.lowest_share is None else coefficients_of(pulp.LpAffineExpression([(model.lowest_share, 1.0)])),
        row_lower=np.array(lower, dtype=float),
        row_upper=np.array(upper, dtype=float),
        row_start=np.array(starts, dtype=np.int32),
        row_index=np.array(indexes, dtype=np.int32),
        row_value=np.array(coefficients, dtype=float),
    )


RECRUITS_ABOVE = 1e-7
"""A yes/no column (whether a role recruits) above this in an LP that leaves it fractional: the role recruits."""


def row_activity(lp: CompiledLP, values: np.ndarray) -> np.ndarray:
    """Each row's left-hand side at the given column values."""
    rows = np.repeat(np.arange(lp.num_rows), np.diff(lp.row_start))
    return np.bincount(rows, weights=lp.row_value * values[lp.row_index], minlength=lp.num_rows)


def violations(lp: CompiledLP, activity: np.ndarray) -> np.ndarray:
    """How far each row's activity is outside its limits, beyond 1e-6 relative to the limit (0 when within)."""
    slack = 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(lp.row_upper), lp.row_upper, lp.row_lower)))
    return np.maximum(0.0, np.maximum(activity - lp.row_upper, lp.row_lower - activity) - slack)
