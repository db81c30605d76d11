"""The skill-mix linear programme in PuLP, the modelling language of a single scenario; no I/O, no solving.

The rules are in `formulation.py` (one function per constraint family, as arrays); this module writes them as
PuLP variables and constraints. Every constraint is registered with its family, label and unit, so results and
explanations are built from the registry, never by parsing constraint names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pulp

from optimiser.formulation import formulate
from optimiser.layout import RowInfo, Shape
from optimiser.inputs import ModelInputs


@dataclass(frozen=True)
class ConstraintInfo(RowInfo):
    """What a constraint means, in the user's words and units, and the PuLP constraint itself."""

    constraint: pulp.LpConstraint = field(default=None, repr=False, compare=False)


@dataclass
class SkillMixModel:
    inputs: ModelInputs
    layout: Shape  # where each column is: results read the solution by these positions
    problem: pulp.LpProblem
    variables: list[pulp.LpVariable]  # in column order
    care: pulp.LpAffineExpression
    total_cost: pulp.LpAffineExpression
    own_money: pulp.LpAffineExpression  # £ a year of the top-up budget spent
    registry: list[ConstraintInfo] = field(default_factory=list)

    def _group(self, group: str) -> dict:
        return dict(zip(self.layout.labels[group], (self.variables[j] for j in self.layout.columns(group))))

    def _one(self, group: str) -> pulp.LpVariable | None:
        j = self.layout.column(group)
        return None if j is None else self.variables[j]

    @cached_property
    def wte(self) -> dict[str, pulp.LpVariable]:
        return self._group("wte")

    @cached_property
    def own_funded(self) -> dict[str, pulp.LpVariable]:
        """WTE paid wholly from the PCN's own money (part of wte, outside ARRS)."""
        return self._group("own_funded")

    @cached_property
    def assigned(self) -> dict[tuple[str, str], pulp.LpVariable]:
        return self._group("assigned")

    @cached_property
    def posts(self) -> dict[str, pulp.LpVariable]:
        return self._group("posts")

    @cached_property
    def need_met(self) -> dict[tuple[str, int], pulp.LpVariable]:
        """Contacts valued in each segment of f."""
        return self._group("need_met")

    @cached_property
    def new_post(self) -> dict[str, pulp.LpVariable]:
        """1 if the role gets new WTE (minimum post size)."""
        return self._group("new_post")

    @cached_property
    def bought_supervision(self) -> dict[str, pulp.LpVariable]:
        """Hours a week bought per profession."""
        return self._group("bought_supervision")

    @cached_property
    def first_post(self) -> dict[str, pulp.LpVariable]:
        """WTE claimed at a co-funding table's first-post share."""
        return self._group("first_post")

    @cached_property
    def rented_sessions(self) -> pulp.LpVariable | None:
        return self._one("rented_sessions")

    @cached_property
    def lowest_share(self) -> pulp.LpVariable | None:
        """Equal-share: maximised before the care value."""
        return self._one("lowest_share")

    @property
    def limits(self) -> np.ndarray:
        """Each constraint's right-hand side; + 0.0 because a limit of 0 negated is -0, which reads "-0 WTE"."""
        return np.array([-info.constraint.constant for info in self.registry], dtype=float) + 0.0


def build_model(inputs: ModelInputs) -> SkillMixModel:
    """Maximise the value of care delivered (see optimiser/valuation.py), within money, rooms, caps and staffing."""
    f = formulate(inputs)
    s = f.shape
    problem = pulp.LpProblem("arrs_skill_mix", pulp.LpMaximize)
    variables = [
        problem.add_variable(name, lowBound=None if lower == -np.inf else lower, upBound=None if upper == np.inf else upper,
                             cat=pulp.LpInteger if integer else pulp.LpContinuous)
        for name, lower, upper, integer in zip(s.column_names, f.column_lower.tolist(), f.column_upper.tolist(), s.integer)
    ]

    def expression(vector: np.ndarray) -> pulp.LpAffineExpression:
        return pulp.LpAffineExpression([(variables[j], float(vector[j])) for j in np.flatnonzero(vector)])

    model = SkillMixModel(inputs, s, problem, variables, expression(f.care), expression(f.cost), expression(f.own_money))
    for b in f.blocks:
        order = np.argsort(b.term_row, kind="stable")
        rows, columns, values = b.term_row[order], b.term_column[order].tolist(), b.term_value[order].tolist()
        bounds = np.searchsorted(rows, np.arange(len(b.rows) + 1)).tolist()
        for i in np.flatnonzero(b.active):
            row = slice(bounds[i], bounds[i + 1])
            terms = [(variables[j], v) for j, v in zip(columns[row], values[row]) if v != 0]
            lower, upper = float(b.lower[i]), float(b.upper[i])
            sense, rhs = ((pulp.LpConstraintEQ, lower) if lower == upper else (pulp.LpConstraintLE, upper) if upper != np.inf
                          else (pulp.LpConstraintGE, lower))
            info = b.rows[i]
            constraint = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, rhs=rhs)
            model.registry.append(ConstraintInfo(info.family, info.label, info.unit, constraint))
            problem.addConstraint(constraint, name=info.name.replace("[", "(").replace("]", ")"))
    problem.setObjective(model.care)
    return model
