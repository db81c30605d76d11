"""Where the skill-mix programme's columns and rows are: the shape shared by scenarios, and blocks of rows as arrays.

A `Shape` says which columns exist and where (the same for every scenario with one `shape_key`); a `Block` holds
rows of a constraint family as arrays: per term its row, column and coefficient, per row its bounds and whether the
scenario has it. The rules that fill them are in `formulation.py`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from optimiser.inputs import ModelInputs

COLUMN_GROUPS = ("wte", "assigned", "posts", "rented_sessions", "need_met", "lowest_share", "own_funded", "new_post",
                 "bought_supervision", "first_post")
"""Columns in this order, each group in the order of its labels."""
_ILLEGAL = re.compile(r"[-+\[\] >/]")  # characters a solver's name may not have (PuLP's rule), written as _


@dataclass(frozen=True)
class RowInfo:
    """What a row means, in the user's words and units."""

    family: str
    label: str | None
    unit: str

    @property
    def name(self) -> str:
        return self.family if self.label is None else f"{self.family}[{self.label}]"


@dataclass
class Block:
    """Rows of one family (or two, interleaved): per row its bounds and whether the scenario has it; per term its
    row (within the block), column and coefficient. The pattern (rows, columns) is only read when a structure is
    built, so it is joined from the terms on demand."""

    family: str
    labels: list
    unit: str
    terms: list[tuple]  # (row positions, columns, coefficients); a scalar stands for as many as the term has
    lower: np.ndarray
    upper: np.ndarray
    active: np.ndarray
    pair: tuple[Block, Block] | None = None

    @cached_property
    def rows(self) -> list[RowInfo]:
        if self.pair:
            return [info for both in zip(self.pair[0].rows, self.pair[1].rows) for info in both]
        return [RowInfo(self.family, label, self.unit) for label in self.labels]

    def _joined(self, part: int, dtype) -> np.ndarray:
        joined = []
        for term in self.terms:
            x = term[part]
            if np.ndim(x):
                joined.append(x)
            else:
                joined.append(np.full(next((np.size(y) for y in term if np.ndim(y)), 1), x, dtype))
        return np.concatenate(joined).astype(dtype, copy=False) if joined else np.zeros(0, dtype)

    @cached_property
    def term_row(self) -> np.ndarray:
        return self._joined(0, np.int64)

    @cached_property
    def term_column(self) -> np.ndarray:
        return self._joined(1, np.int64)

    @cached_property
    def term_value(self) -> np.ndarray:
        return self._joined(2, float)


def block(family: str, labels: list, unit: str, terms: list[tuple], lower=-np.inf, upper=np.inf, active=True) -> Block:
    """Rows `labels` of a family; each term is (row positions, columns, coefficients), scalars repeated to one length."""
    count = len(labels)
    return Block(family, labels, unit, terms, _repeat(lower, count, float), _repeat(upper, count, float), _repeat(active, count, bool))


def _repeat(value, count: int, dtype) -> np.ndarray:
    if isinstance(value, (np.ndarray, list)):
        return np.asarray(value, dtype=dtype)
    return _constant(dtype(value), count)


@functools.lru_cache(maxsize=1024, typed=True)
def _constant(value, count: int) -> np.ndarray:
    """`count` copies of a number, read-only and shared: most rows' bounds are 0, ±infinity or "active"."""
    constant = np.full(count, value)
    constant.flags.writeable = False
    return constant


def interleave(first: Block, second: Block) -> Block:
    """Two blocks of equal length as one: row i of each, in turn (the order the rows are read in)."""
    count = len(first.lower)
    terms = [(2 * np.asarray(r), c, v) for r, c, v in first.terms] + [(2 * np.asarray(r) + 1, c, v) for r, c, v in second.terms]
    return Block(first.family, [], first.unit, terms,
                 *(np.column_stack([getattr(first, a), getattr(second, a)]).reshape(2 * count) for a in ("lower", "upper", "active")),
                 pair=(first, second))


class Shape:
    """Which columns exist and where: the same for every scenario with the same `key` (see `shape_key`)."""

    def __init__(self, inputs: ModelInputs):
        policy = inputs.scenario.policy
        self.roles: list[str] = inputs.allowed_ids
        self.pairs: list[tuple[str, str]] = list(inputs.contacts_by_pair)
        self.categories: list[str] = list(inputs.category_keys)
        role_at = {r: i for i, r in enumerate(self.roles)}
        category_at = {d: i for i, d in enumerate(self.categories)}
        self.pair_role = np.array([role_at[r] for r, _ in self.pairs], dtype=np.int64)
        self.pair_category = np.array([category_at[d] for _, d in self.pairs], dtype=np.int64)
        served = np.zeros(len(self.categories), dtype=bool)
        served[self.pair_category] = True
        self.served = served  # categories some allowed role can serve
        self.valued = np.flatnonzero(served & (inputs.category_data["demand_contacts_per_year"] > 0)) \
            if policy.valuation != "contacts" else np.zeros(0, np.int64)
        self.segments = len(inputs.value_curve.widths)
        self.bought_professions = [p for p, (_, price) in inputs.supervision_available.items() if price is not None]
        self.professions = list(inputs.supervision_available)  # each gives supervision hours: one row each
        self.supervisor_row = np.array([self.professions.index(who) if who in self.professions else -1
                                        for who, _ in (inputs.supervision_needs[r] for r in self.roles)], dtype=np.int64)
        pot_of = inputs.allowed_data["funding_pot"]
        self.pots = [pot for pot in inputs.arrs_limits_gbp if (pot_of == pot).any()]  # pots some allowed role claims from
        self.pot_row = np.array([self.pots.index(p) if p in self.pots else -1 for p in pot_of], dtype=np.int64)
        self.first_post_roles = np.flatnonzero(inputs.allowed_data["first_post_claim_change_gbp"] != 0)
        n = len(self.roles)
        labels = {
            "wte": self.roles, "assigned": self.pairs, "posts": self.roles if policy.whole_posts else [],
            "rented_sessions": [None] if inputs.rentable_sessions_per_week > 0 else [],
            "need_met": [(self.categories[d], k) for d in self.valued for k in range(self.segments)],
            "lowest_share": [None] if policy.valuation == "equal-share" else [],
            "own_funded": self.roles if inputs.top_up_budget_gbp > 0 else [],
            "new_post": self.roles if policy.min_post_wte > 0 and not policy.whole_posts else [],
            "bought_supervision": self.bought_professions,
            "first_post": [self.roles[i] for i in self.first_post_roles],
        }
        self.labels = labels
        self.start, self._columns, position = {}, {}, 0
        for group in COLUMN_GROUPS:
            self.start[group] = position
            self._columns[group] = np.arange(position, position + len(labels[group]))
            self._columns[group].flags.writeable = False
            position += len(labels[group])
        self.num_columns = position
        self.wte = np.arange(n)
        self.assigned = self.start["assigned"] + np.arange(len(self.pairs))
        self.need_met = self.start["need_met"] + np.arange(len(self.valued) * self.segments).reshape(len(self.valued), self.segments)

    def columns(self, group: str) -> np.ndarray:
        """The group's columns (read-only: worked out once per shape, shared by every scenario of it)."""
        return self._columns[group]

    def column(self, group: str) -> int | None:
        """The one column of a single-column group (rented sessions, lowest share), or None."""
        return self.start[group] if self.labels[group] else None

    @cached_property
    def own(self) -> np.ndarray | None:
        return self.columns("own_funded") if self.labels["own_funded"] else None

    @cached_property
    def column_names(self) -> list[str]:
        def text(label) -> str:
            return ",".join(str(x) for x in label) if isinstance(label, tuple) else str(label)

        return [_ILLEGAL.sub("_", group if label is None else f"{group}({text(label)})")
                for group in COLUMN_GROUPS for label in self.labels[group]]

    @cached_property
    def integer(self) -> np.ndarray:
        flags = np.zeros(self.num_columns, dtype=bool)
        flags[self.columns("posts")] = flags[self.columns("new_post")] = True
        return flags


def shape_key(inputs: ModelInputs) -> tuple:
    """What decides the columns and rows (not their numbers): scenarios with one key share one `Shape` and pattern."""
    policy = inputs.scenario.policy
    data = inputs.allowed_data
    return (
        tuple(inputs.allowed_ids), tuple(inputs.contacts_by_pair), inputs.category_keys, policy.valuation,
        policy.whole_posts, policy.allow_reducing_in_post, policy.min_post_wte > 0, len(inputs.value_curve.widths),
        (inputs.category_data["demand_contacts_per_year"] > 0).tobytes(), inputs.rentable_sessions_per_week > 0,
        inputs.top_up_budget_gbp > 0, inputs.desk_sessions_per_week is None, tuple(inputs.arrs_limits_gbp),
        tuple(data["funding_pot"].tolist()), (data["first_post_claim_change_gbp"] != 0).tobytes(),
        tuple((p, price is None) for p, (_, price) in inputs.supervision_available.items()),
        tuple(inputs.supervision_needs[r][0] for r in inputs.allowed_ids),
    )
