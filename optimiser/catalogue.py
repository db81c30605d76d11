"""The ARRS rules of each year, and the role catalogue computed from them.

The package data (optimiser/data/catalogue) holds rules, not typed-in amounts: which pay scale and on-cost
rules each catalogue year uses (years.csv), employer on-costs by date (on-costs.csv), pay awards
(pay-awards.csv), the salary each ARRS maximum is built on (reference-salaries.csv), Agenda for Change
pay points (afc-pay-points.csv), London supplements (london.csv), the roles of each year with their
pay point, shares and caps (YYYY-YY.csv), co-funding tables (co-funding.csv), £ per weighted patient
(funding.csv) and the published amounts the rules must reproduce (published.csv). Every row has a
status, basis, source and source date. A maximum reimbursable amount is the published figure where
one exists, otherwise the rules' answer, marked derived or provisional.

Catalogue years: "YYYY/YY" is the financial year on one annual basis (the amounts in force after that
year's in-year pay award); "YYYY/YY-april" is the same year's amounts of 1 April, before that award.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from optimiser import paycost
from optimiser.errors import CatalogueError
from optimiser.paycost import LondonSupplement, OnCostRules

STATUSES: dict[str, str] = {
    "published": "quoted by a cited source (the DES, NHS England, or trade press, LMCs and ICBs quoting them)",
    "derived": "arithmetic on published figures and published rules; the basis shows the working",
    "provisional": "rests on a figure not yet confirmed for that year (e.g. a 2026/27 pay award not yet applied "
    "to ARRS maxima); correct it from your ICB's notice",
}
"""The one vocabulary for every figure's status, weakest last."""
Status = Literal["published", "derived", "provisional"]
POT_NAMES = {"arrs": "ARRS sum", "arrs_gp": "ARRS GP sum"}
"""How each funding pot is named to users."""
LONDON_ZONES = ("outer", "inner")
APRIL_SUFFIX = "-april"

CAP_THRESHOLD_LIST_SIZE = 100_000
"""Caps were set by PCN list size: under 100,000, or 100,000 and over."""


def weakest(*statuses: str) -> str:
    """The least certain of several statuses: a figure is only as firm as its weakest input."""
    order = list(STATUSES)
    return max(statuses, key=order.index)


class RoleEntry(BaseModel):
    """One role in one year: its pay point, shares, pot and cap; amounts are computed, not typed in."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    role_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    role_name: str
    afc_band: str
    pay_point: str = Field(min_length=1)
    status: Status
    basis: str = Field(min_length=1)
    source: str = Field(min_length=1)
    source_date: str = Field(min_length=7)
    arrs_share: float = Field(gt=0, le=1)
    co_funder: str = ""
    co_funder_share: float = Field(ge=0, lt=1)
    co_funding_basis: str = ""
    co_funding_source: str = ""
    funding_pot: str = Field(min_length=1)
    cap_wte_below_100k: float | None = Field(default=None, ge=0)
    cap_wte_from_100k: float | None = Field(default=None, ge=0)
    cap_status: Literal["none", "published", "unconfirmed"]
    cap_basis: str = ""
    cap_source: str = ""
    notes: str = ""

    @field_validator("cap_wte_below_100k", "cap_wte_from_100k", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value


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


@dataclass(frozen=True)
class Derivation:
    """An amount with its status and the lines of working that produce it."""

    amount_gbp: float
    status: str
    working: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """A year's roles (indexed by role), funding pots (indexed by pot) and co-funding tiers."""

    year: str
    roles: pd.DataFrame
    funding: pd.DataFrame
    co_funding: pd.DataFrame  # index (role, tier): arrs_share, co_funder, co_funder_share, status, basis, source

    def max_reimbursable(self, london_weighting: str = "none") -> pd.DataFrame:
        """Maximum reimbursable amount per WTE and its status, national or for a London zone."""
        if london_weighting == "none":
            amount, status = self.roles["max_reimbursable_gbp"], self.roles["max_reimbursable_status"]
        else:
            amount, status = self.roles[f"{london_weighting}_london_max_gbp"], self.roles[f"{london_weighting}_london_status"]
        return pd.DataFrame({"max_reimbursable_gbp": amount, "max_reimbursable_status": status})

    def caps_wte(self, list_size: int) -> pd.Series:
        """Each role's cap for a PCN of this list size; NaN where the role is not capped."""
        column = "cap_wte_from_100k" if list_size >= CAP_THRESHOLD_LIST_SIZE else "cap_wte_below_100k"
        return self.roles[column].rename("cap_wte")

    def cap_wte(self, role: str, list_size: int) -> float | None:
        value = self.caps_wte(list_size)[role]
        return None if pd.isna(value) else float(value)

    def capped_roles(self) -> list[str]:
        capped = self.roles[["cap_wte_below_100k", "cap_wte_from_100k"]].notna().any(axis=1)
        return list(self.roles.index[capped])

    def agreement_tier(self, role: str) -> dict | None:
        """Shares for posts after the first where a written co-funding agreement is in place, if the year has such a tier."""
        key = (role, "subsequent_with_agreement")
        return self.co_funding.loc[key].to_dict() if key in self.co_funding.index else None


# ---------------------------------------------------------------- reading the data


def _data_file(*parts: str):
    return resources.files("optimiser").joinpath("data", *parts)


def read_package_csv(*parts: str) -> list[dict[str, str]]:
    """Rows of a CSV shipped in optimiser/data, as dictionaries of text."""
    resource = _data_file(*parts)
    if not resource.is_file():
        raise CatalogueError(f"package data file {'/'.join(parts)} is missing; reinstall the package")
    with resource.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


RULE_FILES = (
    "years.csv", "on-costs.csv", "pay-awards.csv", "reference-salaries.csv", "afc-pay-points.csv",
    "london.csv", "co-funding.csv", "funding.csv", "published.csv",
)
"""Every rules table; each row carries status (except published.csv, all published), basis, source, source_date."""


@lru_cache(maxsize=None)
def _table(name: str) -> tuple[dict[str, str], ...]:
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


def _year_start(year: str) -> int:
    return int(year[:4])


def _financial_year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


@lru_cache(maxsize=None)
def available_years() -> tuple[str, ...]:
    """Catalogue years with rules, oldest first (each '-april' variant before its year)."""
    return tuple(row["year"] for row in _table("years.csv"))


def financial_year_of(day: date) -> str:
    """The NHS financial year (1 April – 31 March) containing a day, e.g. 2026/27."""
    return _financial_year(day.year if day.month >= 4 else day.year - 1)


def current_year(today: date | None = None) -> str:
    """The default catalogue year: the financial year containing today, or the latest with rules if that has none."""
    wanted = financial_year_of(today or date.today())
    years = [y for y in available_years() if not y.endswith(APRIL_SUFFIX)]
    return wanted if wanted in years else years[-1]


def on_cost_rules(when: str | date) -> OnCostRules:
    """Employer on-cost rules in force on a day, or for a year (a catalogue year's own date; any other
    'YYYY/YY' from 6 April, the start of the tax year), so later years use the latest rules."""
    if isinstance(when, str):
        known = {row["year"]: row["on_cost_date"] for row in _table("years.csv")}
        when = date.fromisoformat(known[when]) if when in known else date(_year_start(when), 4, 6)
    for row in _table("on-costs.csv"):
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
    rows = {row["year"]: row for row in _table("years.csv")}
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
    table = pd.DataFrame(_table("pay-awards.csv"))
    table["award"] = table["award"].astype(float)
    return table.set_index(["staff_group", "pay_year"])


def _award_path(staff_group: str, from_year: str, to_year: str) -> list[tuple[str, float, str]]:
    """(pay year, signed award, status) steps from one pay year to another; backwards steps divide."""
    awards = pay_awards()
    start, end = _year_start(from_year), _year_start(to_year)
    step = 1 if end >= start else -1
    years = range(start + 1, end + 1) if step == 1 else range(start, end, -1)
    path = []
    for first in years:
        key = (staff_group, _financial_year(first))
        if key not in awards.index:
            raise CatalogueError(f"no {staff_group} pay award for {key[1]} in pay-awards.csv")
        path.append((key[1], step * float(awards.at[key, "award"]), awards.at[key, "status"]))
    return path


def _moved(amount: float, path: list[tuple[str, float, str]]) -> float:
    for _, award, _ in path:
        amount = amount * (1 + award) if award >= 0 else amount / (1 - award)
    return amount


def reference_salary(pay_point: str, pay_year: str) -> Derivation:
    """The salary an ARRS maximum is built on, moved from its anchor year by the pay awards."""
    rows = {row["pay_point"]: row for row in _table("reference-salaries.csv")}
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
    return {row["pay_point"]: row["staff_group"] for row in _table("reference-salaries.csv")}[pay_point]


def role_salary_gbp(role: str, year: str) -> float:
    """The salary a role's ARRS maximum is built on in a catalogue year (for uplifting by a pay award path)."""
    row = load_catalogue(year).roles.loc[role]
    return float(row["salary_gbp"])


def employer_cost_gbp(salary_gbp: float, year: str) -> float:
    """Employer cost of a salary (pension + NI) under the on-cost rules of a year: catalogue or any later 'YYYY/YY'."""
    return paycost.employer_cost_gbp(salary_gbp, on_cost_rules(year))


def afc_pay_point_gbp(band: str, point: str, year: str) -> Derivation:
    """An Agenda for Change pay point ('entry', 'middle', 'top') in a catalogue year's pay scale."""
    rows = {(row["band"], row["point"]): row for row in _table("afc-pay-points.csv")}
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
    return sorted({row["band"] for row in _table("afc-pay-points.csv")}, key=lambda b: (len(b), b))


def _supplement(staff_group: str, zone: str, pay_year: str) -> tuple[LondonSupplement, str]:
    for row in _table("london.csv"):
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


def _published(year: str) -> dict[tuple[str, str], dict[str, str]]:
    return {(row["role_id"], row["zone"]): row for row in _table("published.csv") if row["year"] == year}


def _year_file(financial_year: str) -> str:
    return financial_year.replace("/", "-") + ".csv"


@lru_cache(maxsize=None)
def load_catalogue(year: str) -> Catalogue:
    """One year's roles with amounts computed from the rules (published figures where they exist); cached."""
    if year not in available_years():
        raise CatalogueError(f"no ARRS rules for {year!r}; available: {', '.join(available_years())}")
    rules = year_rules(year)
    try:
        roles = [RoleEntry.model_validate(row) for row in read_package_csv("catalogue", _year_file(rules.financial_year))]
    except ValidationError as error:
        raise CatalogueError(f"role catalogue {rules.financial_year} is invalid: {error}") from None
    published = _published(year)
    records = []
    for role in roles:
        record = role.model_dump()
        national = derive_max(role.pay_point, year)
        record["salary_gbp"] = reference_salary(role.pay_point, rules.pay_year(staff_group_of(role.pay_point))).amount_gbp
        record |= _amount(published.get((role.role_id, "national")), national, "max_reimbursable")
        record["max_reimbursable_source"] = record.pop("max_reimbursable_source") or role.source
        for zone in LONDON_ZONES:
            shown = record["max_reimbursable_gbp"]
            london = derive_max(role.pay_point, year, zone)
            on_national = Derivation(shown + london.amount_gbp - national.amount_gbp, london.status, london.working)
            fields = _amount(published.get((role.role_id, zone)), on_national, f"{zone}_london")
            record |= {f"{zone}_london_max_gbp": fields[f"{zone}_london_gbp"], f"{zone}_london_status": fields[f"{zone}_london_status"]}
        record["london_source"] = "; ".join(
            sorted({published[(role.role_id, z)]["source"] for z in LONDON_ZONES if (role.role_id, z) in published})
        ) or "derived: national amount + London supplement with on-costs (london.csv)"
        records.append(record)
    role_table = pd.DataFrame(records).set_index("role_id")
    role_table.index.name = "role"
    if role_table.index.duplicated().any():
        raise CatalogueError(f"role catalogue {year} lists a role twice: {list(role_table.index[role_table.index.duplicated()])}")
    numeric = ["cap_wte_below_100k", "cap_wte_from_100k", "outer_london_max_gbp", "inner_london_max_gbp"]
    role_table[numeric] = role_table[numeric].astype(float)
    pots = [row for row in _table("funding.csv") if row["year"] == rules.financial_year]
    funding = pd.DataFrame(pots).set_index("funding_pot")
    funding["gbp_per_weighted_patient"] = funding["gbp_per_weighted_patient"].astype(float)
    missing = set(role_table["funding_pot"]) - set(funding.index)
    if missing:
        raise CatalogueError(f"role catalogue {year} names funding pots with no £ per weighted patient: {sorted(missing)}")
    tiers = pd.DataFrame([row for row in _table("co-funding.csv") if row["year"] == rules.financial_year],
                         columns=["year", "role_id", "tier", "arrs_share", "co_funder", "co_funder_share", "status", "basis", "source", "source_date"])
    tiers[["arrs_share", "co_funder_share"]] = tiers[["arrs_share", "co_funder_share"]].astype(float)
    return Catalogue(year=year, roles=role_table, funding=funding,
                     co_funding=tiers.rename(columns={"role_id": "role"}).set_index(["role", "tier"]).drop(columns="year"))


def _amount(published: dict[str, str] | None, computed: Derivation, prefix: str) -> dict[str, object]:
    """The amount shown: the published figure where there is one (the rules reproduce it within £2), else the rules' answer."""
    if published is not None:
        return {
            f"{prefix}_gbp": float(published["amount_gbp"]),
            f"{prefix}_status": "published",
            f"{prefix}_basis": f"{published['basis']} The rules give £{computed.amount_gbp:,.0f}.",
            f"{prefix}_source": published["source"],
            f"{prefix}_source_date": published["source_date"],
        }
    return {
        f"{prefix}_gbp": float(round(computed.amount_gbp)),
        f"{prefix}_status": computed.status,
        f"{prefix}_basis": "; ".join(line.strip() for line in computed.working),
        f"{prefix}_source": "",
        f"{prefix}_source_date": "",
    }


def derive_working(pay_point_or_band: str, year: str, zone: str = "national") -> list[str]:
    """The lines of working for one amount: a reference pay point (e.g. arrs_band_6) or a band ('6', '7-8a')."""
    point = band_pay_point(pay_point_or_band) or pay_point_or_band
    result = derive_max(point, year, zone)
    published = [
        f"published for {role}: £{float(row['amount_gbp']):,.0f}"
        for (role, z), row in _published(year).items()
        if z == zone and load_catalogue(year).roles.at[role, "pay_point"] == point
    ] if year in available_years() else []
    return [f"{year}, {zone}: maximum reimbursable amount ({result.status})", *result.working, *published]


def financial_year_of_year(year: str) -> str:
    """The financial year a catalogue year belongs to ('2025/26-april' → '2025/26')."""
    return year.removesuffix(APRIL_SUFFIX)


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


def band_pay_point(band: str) -> str | None:
    """The ARRS reference pay point of a band ('5', 'band 7-8a', 'up to 5'), or None if ARRS has none."""
    key = band.lower().removeprefix("band ").removeprefix("up to ").strip().replace("-", "_")
    point = f"arrs_band_{key}"
    return point if point in {row["pay_point"] for row in _table("reference-salaries.csv")} else None
