"""What a salary costs its employer, and ARRS maxima built from pay and on-cost rules: pure arithmetic, no data.

One formula reproduces every published ARRS maximum reimbursable amount within £2 (tests/test_paycost_figures.py):
employer cost = salary × (1 + employer pension rate) + employer NI rate × max(salary − NI threshold, 0).
A London amount adds the high cost area supplement (a share of salary, between a floor and a ceiling)
with the same on-costs, since the supplement is always paid above the NI threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class OnCostRules:
    """Employer on-costs in force over a period: NHS pension, and class 1 NI above a secondary threshold."""

    pension_rate: float
    ni_rate: float
    ni_threshold_gbp: float
    from_date: date
    until_date: date | None = None
    status: str = "published"
    source: str = ""


@dataclass(frozen=True)
class LondonSupplement:
    """A high cost area supplement: rate × salary, at least min_gbp and at most max_gbp, £ a year."""

    rate: float
    min_gbp: float
    max_gbp: float


def employer_ni_gbp(salary_gbp: float, rules: OnCostRules) -> float:
    return rules.ni_rate * max(salary_gbp - rules.ni_threshold_gbp, 0.0)


def employer_cost_gbp(salary_gbp: float, rules: OnCostRules) -> float:
    """Salary plus employer pension and employer NI, £ a year: what ARRS reimburses up to its maximum."""
    return salary_gbp * (1 + rules.pension_rate) + employer_ni_gbp(salary_gbp, rules)


def salary_for_employer_cost_gbp(cost_gbp: float, rules: OnCostRules) -> float:
    """The salary whose employer cost is cost_gbp (the inverse above the NI threshold): how a published maximum is read back."""
    above = (cost_gbp + rules.ni_rate * rules.ni_threshold_gbp) / (1 + rules.pension_rate + rules.ni_rate)
    return above if above >= rules.ni_threshold_gbp else cost_gbp / (1 + rules.pension_rate)


def supplement_gbp(salary_gbp: float, supplement: LondonSupplement) -> float:
    return min(max(supplement.rate * salary_gbp, supplement.min_gbp), supplement.max_gbp)


def supplement_cost_gbp(salary_gbp: float, supplement: LondonSupplement, rules: OnCostRules) -> float:
    """The London supplement with employer pension and NI on it, £ a year."""
    return supplement_gbp(salary_gbp, supplement) * (1 + rules.pension_rate + rules.ni_rate)


def uplifted_gbp(amount_gbp: float, awards: list[float]) -> float:
    """An amount moved forward by successive pay awards (fractions, e.g. 0.036)."""
    for award in awards:
        amount_gbp *= 1 + award
    return amount_gbp


def cost_working(salary_gbp: float, rules: OnCostRules) -> list[str]:
    """The lines of working from a salary to its employer cost, as a PCN manager would write them."""
    pension = salary_gbp * rules.pension_rate
    ni = employer_ni_gbp(salary_gbp, rules)
    rows = [
        ("salary", salary_gbp),
        (f"+ employer pension {rules.pension_rate:.2%} × salary", pension),
        (f"+ employer NI {rules.ni_rate:.1%} × (salary − £{rules.ni_threshold_gbp:,.0f})", ni),
        ("= employer cost a year", salary_gbp + pension + ni),
    ]
    return [f"{label:<44}£{amount:>11,.2f}" for label, amount in rows]
