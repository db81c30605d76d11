"""Amounts derived from the year's rules, each with its status and the working that produces it: reference
salaries and Agenda for Change pay points moved by the pay awards, employer on-costs, London supplements,
and the maximum reimbursable amount they give for a pay point or a band.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

from optimiser import paycost
from optimiser.catalogue_rules import (
    financial_year_starting, on_cost_rules, pay_award, rules_table, weakest, year_rules, year_start,
)
from optimiser.errors import CatalogueError
from optimiser.paycost import LondonSupplement


@dataclass(frozen=True)
class Derivation:
    """An amount with its status and the lines of working that produce it."""

    amount_gbp: float
    status: str
    working: tuple[str, ...]


def _award_path(staff_group: str, from_year: str, to_year: str) -> list[tuple[str, float, str]]:
    """(pay year, signed award, status) steps from one pay year to another; backwards steps divide."""
    start, end = year_start(from_year), year_start(to_year)
    step = 1 if end >= start else -1
    years = range(start + 1, end + 1) if step == 1 else range(start, end, -1)
    path = []
    for first in years:
        pay_year = financial_year_starting(first)
        if (award := pay_award(staff_group, pay_year)) is None:
            raise CatalogueError(f"no {staff_group} pay award for {pay_year} in pay-awards.csv")
        path.append((pay_year, step * award[0], award[1]))
    return path


def _moved(amount: float, path: list[tuple[str, float, str]]) -> float:
    for _, award, _ in path:
        amount = amount * (1 + award) if award >= 0 else amount / (1 - award)
    return amount


def reference_salary(pay_point: str, pay_year: str) -> Derivation:
    """The salary an ARRS maximum is built on, moved from its anchor year by the pay awards."""
    rows = {row["pay_point"]: row for row in rules_table("reference-salaries.csv")}
    if pay_point not in rows:
        raise CatalogueError(f"no reference salary {pay_point!r}; known: {', '.join(rows)}")
    row = rows[pay_point]
    path = _award_path(row["staff_group"], row["pay_year"], pay_year)
    salary = _moved(float(row["salary_gbp"]), path)
    steps = " ".join(f"{'×' if a >= 0 else '÷'} {1 + abs(a):.3f} ({y})" for y, a, _ in path)
    line = f"{row['name']} salary £{float(row['salary_gbp']):,.2f} ({row['pay_year']} scale, {row['status']})"
    working = (f"{line} {steps} = £{salary:,.2f}" if path else f"{line}",)
    return Derivation(salary, weakest(row["status"], *(s for _, _, s in path)), working)


def staff_group_of(pay_point: str) -> str:
    return {row["pay_point"]: row["staff_group"] for row in rules_table("reference-salaries.csv")}[pay_point]


def employer_cost_gbp(salary_gbp: float, year: str) -> float:
    """Employer cost of a salary (pension + NI) under the on-cost rules of a year: catalogue or any later 'YYYY/YY'."""
    return paycost.employer_cost_gbp(salary_gbp, on_cost_rules(year))


def afc_pay_point_gbp(band: str, point: str, year: str) -> Derivation:
    """An Agenda for Change pay point ('entry', 'middle', 'top') in a catalogue year's pay scale."""
    rows = {(row["band"], row["point"]): row for row in rules_table("afc-pay-points.csv")}
    band = band.removeprefix("band ").removeprefix("Band ")
    if (band, point) not in rows:
        points = sorted({p for b, p in rows if b == band})
        allowed = f"points of band {band}: {', '.join(points)}" if points else f"bands: {', '.join(sorted({b for b, _ in rows}))}"
        raise CatalogueError(f"no Agenda for Change pay point {point!r} for band {band!r}; {allowed}")
    row = rows[(band, point)]
    path = _award_path("afc", row["pay_year"], year_rules(year).afc_pay_year)
    salary = _moved(float(row["salary_gbp"]), path)
    return Derivation(salary, weakest(row["status"], *(s for _, _, s in path)),
                      (f"Agenda for Change band {band} {point}: £{salary:,.2f} ({year_rules(year).afc_pay_year} scale)",))


def afc_bands() -> list[str]:
    return sorted({row["band"] for row in rules_table("afc-pay-points.csv")}, key=lambda b: (len(b), b))


def _supplement(staff_group: str, zone: str, pay_year: str) -> tuple[LondonSupplement, str]:
    for row in rules_table("london.csv"):
        if (row["staff_group"], row["zone"]) == (staff_group, zone):
            path = _award_path(staff_group, row["pay_year"], pay_year) if row["moves_with_award"] == "true" else []
            supplement = LondonSupplement(
                rate=float(row["rate"]), min_gbp=_moved(float(row["min_gbp"]), path), max_gbp=_moved(float(row["max_gbp"]), path)
            )
            return supplement, weakest(row["status"], *(s for _, _, s in path))
    raise CatalogueError(f"no {zone} London supplement for {staff_group} in london.csv")


def derive_max(pay_point: str, year: str, zone: str = "national") -> Derivation:
    """The rules' maximum reimbursable amount for a pay point in a year, national or London, with the working."""
    rules = year_rules(year)
    group = staff_group_of(pay_point)
    salary = reference_salary(pay_point, rules.pay_year(group))
    on_costs = rules.on_costs
    national = paycost.employer_cost_gbp(salary.amount_gbp, on_costs)
    working = [*salary.working, *paycost.cost_working(salary.amount_gbp, on_costs)]
    status = weakest("derived", salary.status, on_costs.status, rules.status)
    if zone == "national":
        return Derivation(national, status, tuple(working))
    supplement, supplement_status = _supplement(group, zone, rules.pay_year(group))
    extra = paycost.supplement_cost_gbp(salary.amount_gbp, supplement, on_costs)
    working += [
        f"+ {zone} London supplement £{paycost.supplement_gbp(salary.amount_gbp, supplement):,.2f} "
        f"({supplement.rate:.0%} of salary, £{supplement.min_gbp:,.0f}–£{supplement.max_gbp:,.0f}) "
        f"× (1 + {on_costs.pension_rate:.2%} + {on_costs.ni_rate:.1%}) = £{extra:,.2f}",
        f"= {zone} London maximum £{national + extra:,.2f}",
    ]
    return Derivation(national + extra, weakest(status, supplement_status), tuple(working))


def band_maximum(band: str, year: str, zone: str = "none") -> Derivation:
    """A maximum derived from a band alone (a custom role's 'derive from band'): the band's ARRS reference salary
    where ARRS has one, else the band's top Agenda for Change pay point, plus the year's on-costs."""
    zone = "national" if zone == "none" else zone
    point = band_pay_point(band)
    if point is not None:
        return derive_max(point, year, zone)
    top = afc_pay_point_gbp(band, "top", year)
    rules = on_cost_rules(year)
    amount = paycost.employer_cost_gbp(top.amount_gbp, rules)
    working = [*top.working, *paycost.cost_working(top.amount_gbp, rules)]
    if zone != "national":
        supplement, supplement_status = _supplement("afc", zone, year_rules(year).afc_pay_year)
        amount += paycost.supplement_cost_gbp(top.amount_gbp, supplement, rules)
        top = Derivation(top.amount_gbp, weakest(top.status, supplement_status), top.working)
    return Derivation(amount, weakest("derived", top.status, rules.status, year_rules(year).status), tuple(working))


def band_name(text: str) -> str:
    """A band as written ('7', 'band 7', 'Band_7', 'band-7-8a') by its name in the pay tables ('7', '7-8a')."""
    return re.sub(r"^band[\s_-]*", "", text.strip().lower())


def band_pay_point(band: str) -> str | None:
    """The ARRS reference pay point of a band ('5', 'band 7-8a', 'up to 5'), or None if ARRS has none."""
    key = band.lower().removeprefix("band ").removeprefix("up to ").strip().replace("-", "_")
    point = f"arrs_band_{key}"
    return point if point in {row["pay_point"] for row in rules_table("reference-salaries.csv")} else None
