"""The role catalogue of a year: each role's pay point, shares, pot and cap, with its maximum reimbursable amount
(national and London) shown as the published figure where one exists, otherwise the rules' answer, marked
derived or provisional.

The package data (optimiser/data/catalogue) holds rules, not typed-in amounts: which pay scale and on-cost
rules each catalogue year uses (years.csv), employer on-costs by date (on-costs.csv), pay awards
(pay-awards.csv), the salary each ARRS maximum is built on (reference-salaries.csv), Agenda for Change
pay points (afc-pay-points.csv), London supplements (london.csv), the roles of each year with their
pay point, shares and caps (YYYY-YY.csv), co-funding tables (co-funding.csv), £ per weighted patient
(funding.csv) and the published amounts the rules must reproduce (published.csv). The rules tables are read
in `catalogue_rules.py`; amounts are derived from them in `derived_amounts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from optimiser.catalogue_rules import Status, available_years, rules_table, year_rules
from optimiser.derived_amounts import Derivation, band_pay_point, derive_max, reference_salary, staff_group_of
from optimiser.errors import CatalogueError
from optimiser.package_data import read_package_csv

POT_NAMES = {"arrs": "ARRS sum", "arrs_gp": "ARRS GP sum"}
"""How each funding pot is named to users."""
LONDON_ZONES = ("outer", "inner")

CAP_THRESHOLD_LIST_SIZE = 100_000
"""Caps were set by PCN list size: under 100,000, or 100,000 and over."""


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


def _published(year: str) -> dict[tuple[str, str], dict[str, str]]:
    return {(row["role_id"], row["zone"]): row for row in rules_table("published.csv") if row["year"] == year}


def _year_file(financial_year: str) -> str:
    return financial_year.replace("/", "-") + ".csv"


@lru_cache(maxsize=None)
def role_ids(year: str) -> tuple[str, ...]:
    """The year's role ids in catalogue order, read once: every scenario a batch validates checks its names against them."""
    return tuple(load_catalogue(year).roles.index)


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
    pots = [row for row in rules_table("funding.csv") if row["year"] == rules.financial_year]
    funding = pd.DataFrame(pots).set_index("funding_pot")
    funding["gbp_per_weighted_patient"] = funding["gbp_per_weighted_patient"].astype(float)
    missing = set(role_table["funding_pot"]) - set(funding.index)
    if missing:
        raise CatalogueError(f"role catalogue {year} names funding pots with no £ per weighted patient: {sorted(missing)}")
    tiers = pd.DataFrame([row for row in rules_table("co-funding.csv") if row["year"] == rules.financial_year],
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


def role_salary_gbp(role: str, year: str) -> float:
    """The salary a role's ARRS maximum is built on in a catalogue year (for uplifting by a pay award path)."""
    row = load_catalogue(year).roles.loc[role]
    return float(row["salary_gbp"])
