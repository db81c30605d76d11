"""The ARRS rules tables of each year (optimiser/data/catalogue), read and checked: which years have rules, each
year's pay scales and on-cost rules, pay awards, and the one vocabulary for how firm a figure is.

Catalogue years: "YYYY/YY" is the financial year on one annual basis (the amounts in force after that
year's in-year pay award); "YYYY/YY-april" is the same year's amounts of 1 April, before that award.
Every row of every rules table has a status, basis, source and source date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

import pandas as pd

from optimiser.errors import CatalogueError
from optimiser.package_data import read_package_csv
from optimiser.paycost import OnCostRules

STATUSES: dict[str, str] = {
    "published": "quoted by a cited source (the DES, NHS England, or trade press, LMCs and ICBs quoting them)",
    "derived": "arithmetic on published figures and published rules; the basis shows the working",
    "provisional": "rests on a figure not yet confirmed for that year (e.g. a 2026/27 pay award not yet applied "
    "to ARRS maxima); correct it from your ICB's notice",
}
"""The one vocabulary for every figure's status, weakest last."""
Status = Literal["published", "derived", "provisional"]
APRIL_SUFFIX = "-april"
ESTIMATE_STATUSES = ("derived", "provisional")


def is_estimate(status: str) -> bool:
    """True for a national amount worked out or not yet confirmed; false for a published one or one the scenario gives."""
    return status in ESTIMATE_STATUSES


def weakest(*statuses: str) -> str:
    """The least certain of several statuses: a figure is only as firm as its weakest input."""
    order = list(STATUSES)
    return max(statuses, key=order.index)


@dataclass(frozen=True)
class YearRules:
    """Which pay scales and on-cost rules a catalogue year's amounts use."""

    year: str
    financial_year: str
    afc_pay_year: str
    gp_pay_year: str
    on_costs: OnCostRules
    status: str
    basis: str
    source: str

    def pay_year(self, staff_group: str) -> str:
        return self.gp_pay_year if staff_group == "gp" else self.afc_pay_year


RULE_FILES = (
    "years.csv", "on-costs.csv", "pay-awards.csv", "reference-salaries.csv", "afc-pay-points.csv",
    "london.csv", "co-funding.csv", "funding.csv", "published.csv",
)
"""Every rules table; each row carries status (except published.csv, all published), basis, source, source_date."""


@lru_cache(maxsize=None)
def rules_table(name: str) -> tuple[dict[str, str], ...]:
    """A rules table's rows, each checked to say its status, basis, source and source date; read once."""
    rows = read_package_csv("catalogue", name)
    for number, row in enumerate(rows, start=2):
        status = row.get("status", "published")
        missing = [c for c in ("basis", "source", "source_date") if not (row.get(c) or "").strip()]
        if status not in STATUSES or missing:
            raise CatalogueError(
                f"catalogue/{name} row {number}: status {status!r} must be one of {', '.join(STATUSES)}"
                + (f"; {', '.join(missing)} missing" if missing else "")
            )
    return tuple(rows)


def year_start(year: str) -> int:
    return int(year[:4])


def financial_year_starting(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


@lru_cache(maxsize=None)
def available_years() -> tuple[str, ...]:
    """Catalogue years with rules, oldest first (each '-april' variant before its year)."""
    return tuple(row["year"] for row in rules_table("years.csv"))


def financial_year_of(day: date) -> str:
    """The NHS financial year (1 April – 31 March) containing a day, e.g. 2026/27."""
    return financial_year_starting(day.year if day.month >= 4 else day.year - 1)


def later_financial_year(year: str, today: date | None = None) -> str | None:
    """The financial year containing today if `year` ended before it, else None: a past year is fine to model
    (audits, comparisons) but a reader should be told the figures are not this year's."""
    now = financial_year_of(today or date.today())
    return now if year_start(year) < year_start(now) else None


def past_year_note(year: str, lead: str, today: date | None = None) -> str | None:
    """One line when `year` is already over, e.g. "Note: the plan starts in 2025/26, a past financial year; the
    current one is 2026/27.", so a reader does not take that year's figures for today's; `lead` says what is in it."""
    current = later_financial_year(year, today)
    return f"Note: {lead} {year}, a past financial year; the current one is {current}." if current else None


def current_year(today: date | None = None) -> str:
    """The default catalogue year: the financial year containing today, or the latest with rules if that has none."""
    wanted = financial_year_of(today or date.today())
    years = [y for y in available_years() if not y.endswith(APRIL_SUFFIX)]
    return wanted if wanted in years else years[-1]


def on_cost_rules(when: str | date) -> OnCostRules:
    """Employer on-cost rules in force on a day, or for a year (a catalogue year's own date; any other
    'YYYY/YY' from 6 April, the start of the tax year), so later years use the latest rules."""
    if isinstance(when, str):
        known = {row["year"]: row["on_cost_date"] for row in rules_table("years.csv")}
        when = date.fromisoformat(known[when]) if when in known else date(year_start(when), 4, 6)
    for row in rules_table("on-costs.csv"):
        start = date.fromisoformat(row["from_date"])
        until = date.fromisoformat(row["until_date"]) if row["until_date"] else None
        if start <= when and (until is None or when <= until):
            return OnCostRules(
                pension_rate=float(row["pension_rate"]), ni_rate=float(row["ni_rate"]),
                ni_threshold_gbp=float(row["ni_threshold_gbp"]), from_date=start, until_date=until,
                status=row["status"], source=row["source"],
            )
    raise CatalogueError(f"no employer on-cost rules for {when.isoformat()}; on-costs.csv starts later")


def year_rules(year: str) -> YearRules:
    rows = {row["year"]: row for row in rules_table("years.csv")}
    if year not in rows:
        raise CatalogueError(f"no ARRS rules for {year!r}; available: {', '.join(available_years())}")
    row = rows[year]
    return YearRules(
        year=year, financial_year=row["financial_year"], afc_pay_year=row["afc_pay_year"],
        gp_pay_year=row["gp_pay_year"], on_costs=on_cost_rules(year), status=row["status"],
        basis=row["basis"], source=row["source"],
    )


def pay_awards() -> pd.DataFrame:
    """Pay awards by staff group ('afc', 'gp') and pay year, with status and source: the published path."""
    table = pd.DataFrame(rules_table("pay-awards.csv"))
    table["award"] = table["award"].astype(float)
    return table.set_index(["staff_group", "pay_year"])


@lru_cache(maxsize=None)
def pay_award(staff_group: str, pay_year: str) -> tuple[float, str] | None:
    """One pay award and its status, or None if none is recorded: a lookup that every derived catalogue amount makes
    several times (building `pay_awards()` for each took a tenth of a second per catalogue)."""
    for row in rules_table("pay-awards.csv"):
        if (row["staff_group"], row["pay_year"]) == (staff_group, pay_year):
            return float(row["award"]), row["status"]
    return None


def financial_year_of_year(year: str) -> str:
    """The financial year a catalogue year belongs to ('2025/26-april' → '2025/26')."""
    return year.removesuffix(APRIL_SUFFIX)
