"""How care is valued: the share of each category's need met, sized in clinical time, weighted by priority.

Pure arithmetic (no solver), shared by the model, the results, the plan checker and multi-year plans.

For a category d with need N_d contacts a year, its size in clinical time is W_d = N_d / R_d WTE-years,
where R_d is the median contacts per WTE-year of the roles able to serve d (all roles in the scenario's
productivity table, allowed or not, so disallowing a role does not change what a need is worth). The value
of serving s_d = served_d / N_d of it is priority_d × W_d × f(s_d), with f piecewise linear, concave,
f(0) = 0 and f(1) = 1. Splitting a category into contacts half as long doubles N_d and every R_d, so W_d,
s_d and the value are unchanged: a contact's length no longer decides what gets served.

The care score is that value as points out of 100, where 100 means every need fully met:
score = 100 × Σ_d p_d W_d f(s_d) / Σ_d p_d W_d.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

VALUATIONS = ("share", "equal-share", "contacts")
"""share: value of the share of need met (default); equal-share: first raise the lowest share of need met, then
the same value; contacts: priority-weighted contacts, whatever their length (the original objective)."""
DEFAULT_VALUATION = "share"
FULL_SCORE = 100.0

Pair = tuple[str, str]


@dataclass(frozen=True)
class ValueCurve:
    """f: segment k covers shares (breakpoints[k-1], breakpoints[k]] and adds slopes[k] per unit of share."""

    breakpoints: tuple[float, ...]  # upper end of each segment; increasing; the last is 1
    slopes: tuple[float, ...]  # never rising; normalised so that f(1) = 1

    @property
    def widths(self) -> tuple[float, ...]:
        return tuple(b - a for a, b in zip((0.0, *self.breakpoints[:-1]), self.breakpoints))

    def value(self, share: float) -> float:
        """f(share): the value of meeting this share of a category's need, 0 at none and 1 at all of it."""
        share = min(max(share, 0.0), 1.0)
        total, start = 0.0, 0.0
        for end, slope in zip(self.breakpoints, self.slopes):
            total += slope * (min(share, end) - start) if share > start else 0.0
            start = end
        return total


def curve_problems(breakpoints: Sequence[float], slopes: Sequence[float]) -> list[str]:
    """What is wrong with a value curve, in words; empty if it is a valid concave curve."""
    problems = []
    if len(breakpoints) == 0 or len(breakpoints) != len(slopes):
        problems.append(f"breakpoints ({len(breakpoints)}) and slopes ({len(slopes)}) must be lists of the same, non-zero length")
        return problems
    ends = list(breakpoints)
    if any(not 0 < b <= 1 for b in ends) or any(b <= a for a, b in zip(ends, ends[1:])) or ends[-1] != 1:
        problems.append(f"breakpoints {ends} must rise from above 0 to exactly 1 (shares of need met)")
    if any(s <= 0 for s in slopes):
        problems.append(f"slopes {list(slopes)} must all be above 0 (meeting more need is never worth nothing)")
    if any(b > a for a, b in zip(slopes, slopes[1:])):
        problems.append(f"slopes {list(slopes)} must be decreasing (or equal): the first part of a need is worth at least as much as the last")
    return problems


def make_curve(breakpoints: Sequence[float], slopes: Sequence[float]) -> ValueCurve:
    """A valid curve scaled so that meeting all of a need is worth exactly 1; raises ValueError if invalid."""
    problems = curve_problems(breakpoints, slopes)
    if problems:
        raise ValueError("; ".join(problems))
    widths = [b - a for a, b in zip((0.0, *breakpoints[:-1]), breakpoints)]
    total = sum(w * s for w, s in zip(widths, slopes))
    return ValueCurve(tuple(float(b) for b in breakpoints), tuple(float(s) / total for s in slopes))


@cache
def default_curve() -> ValueCurve:
    """The curve in the assumptions data (value_curve.csv), with its stated basis."""
    from optimiser.errors import CatalogueError
    from optimiser.package_data import read_package_csv

    rows = read_package_csv("assumptions", "value_curve.csv")
    try:
        return make_curve([float(r["share_to"]) for r in rows], [float(r["relative_value"]) for r in rows])
    except ValueError as error:
        raise CatalogueError(f"assumptions table value_curve.csv: {error}") from None


def reference_contacts_per_wte(contacts: Mapping[Pair, float]) -> dict[str, float]:
    """R_d: the median contacts per WTE-year over every role able to serve each category (rates above 0)."""
    by_category: dict[str, list[float]] = {}
    for (_, category), rate in contacts.items():
        if rate > 0:
            by_category.setdefault(category, []).append(rate)
    return {category: float(statistics.median(rates)) for category, rates in by_category.items()}


def clinical_size_wte(demand: Mapping[str, float], reference: Mapping[str, float]) -> dict[str, float]:
    """W_d = need ÷ reference rate: WTE-years of a typical clinician for the category (0 if no role can serve it)."""
    return {d: (need / reference[d] if d in reference else 0.0) for d, need in demand.items()}


def points_per_wte_year(weights: Mapping[str, float], sizes: Mapping[str, float]) -> float:
    """Score points for one priority-weighted WTE-year of need: 100 ÷ Σ p_d W_d (0 when there is no need)."""
    total = sum(weights[d] * size for d, size in sizes.items())
    return FULL_SCORE / total if total > 0 else 0.0


def segment_points_per_contact(
    curve: ValueCurve, weight: float, reference: float, scale: float
) -> list[float]:
    """Score points per contact served in each segment of one category: scale × p_d × slope_k ÷ R_d.

    Independent of the need itself: a bigger need has wider segments, not more valuable contacts.
    """
    return [scale * weight * slope / reference for slope in curve.slopes]


def category_points(
    curve: ValueCurve, served: Mapping[str, float], demand: Mapping[str, float],
    weights: Mapping[str, float], reference: Mapping[str, float],
) -> dict[str, float]:
    """Each category's part of the care score for contacts served (what `care_score` adds up)."""
    sizes = clinical_size_wte(demand, reference)
    scale = points_per_wte_year(weights, sizes)
    return {
        d: scale * weights[d] * sizes[d] * curve.value(served.get(d, 0.0) / need) if need > 0 else 0.0
        for d, need in demand.items()
    }


def care_score(
    curve: ValueCurve, served: Mapping[str, float], demand: Mapping[str, float],
    weights: Mapping[str, float], reference: Mapping[str, float],
) -> float:
    """Care score out of 100 (100 = every need fully met) for contacts served per category."""
    return sum(category_points(curve, served, demand, weights, reference).values())


@dataclass(frozen=True)
class CareUnit:
    """How a valuation's care and marginal values are worded: the unit, the money step and the precision."""

    name: str  # e.g. "points of care score"
    money_step_gbp: float  # marginal values of money are per this many £ a year
    digits: int

    def amount(self, value: float) -> str:
        return f"{value:,.{self.digits}f} {self.name}"


def care_unit(valuation: str) -> CareUnit:
    if valuation == "contacts":
        return CareUnit("weighted contacts a year", 1_000, 0)
    return CareUnit("points of care score", 10_000, 1)
