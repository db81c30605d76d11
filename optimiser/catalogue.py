"""The ARRS role catalogue of each financial year, read from the package's sourced CSV files.

Every figure keeps its status (published, derived or estimate) and source beside it, so the app and
reports can say which numbers are national rules and which are this tool's estimates.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from optimiser.errors import CatalogueError

Status = Literal["published", "derived", "estimate"]
POT_NAMES = {"arrs": "ARRS sum", "arrs_gp": "ARRS GP sum"}
"""How each funding pot is named to users."""

CAP_THRESHOLD_LIST_SIZE = 100_000
"""Caps were set by PCN list size: under 100,000, or 100,000 and over."""


class RoleEntry(BaseModel):
    """One role in one year's catalogue; money is £ per WTE per year including employer on-costs."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    role_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    role_name: str
    afc_band: str
    max_reimbursable_gbp: float = Field(gt=0)
    max_reimbursable_status: Status
    max_reimbursable_basis: str = Field(min_length=1)
    max_reimbursable_source: str = Field(min_length=1)
    max_reimbursable_source_date: str = ""
    outer_london_max_gbp: float | None = Field(default=None, gt=0)
    inner_london_max_gbp: float | None = Field(default=None, gt=0)
    london_source: str = ""
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

    @field_validator("outer_london_max_gbp", "inner_london_max_gbp", "cap_wte_below_100k", "cap_wte_from_100k", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value


class FundingPot(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    year: str
    funding_pot: str
    gbp_per_weighted_patient: float = Field(gt=0)
    status: Status
    basis: str = Field(min_length=1)
    source: str = Field(min_length=1)
    source_date: str = ""


@dataclass(frozen=True)
class Catalogue:
    """A year's roles (indexed by role) and funding pots (indexed by pot)."""

    year: str
    roles: pd.DataFrame
    funding: pd.DataFrame

    def max_reimbursable(self, london_weighting: str = "none") -> pd.DataFrame:
        """Maximum reimbursable amount per WTE and its status, using a London amount only where one is published."""
        table = self.roles[["max_reimbursable_gbp", "max_reimbursable_status"]].copy()
        if london_weighting != "none":
            london = self.roles[f"{london_weighting}_london_max_gbp"]
            table["max_reimbursable_status"] = table["max_reimbursable_status"].where(
                london.notna(), "national amount: London amount unpublished"
            )
            table["max_reimbursable_gbp"] = london.fillna(table["max_reimbursable_gbp"])
        return table

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


def _data_file(*parts: str):
    return resources.files("optimiser").joinpath("data", *parts)


def read_package_csv(*parts: str) -> list[dict[str, str]]:
    """Rows of a CSV shipped in optimiser/data, as dictionaries of text."""
    resource = _data_file(*parts)
    if not resource.is_file():
        raise CatalogueError(f"package data file {'/'.join(parts)} is missing; reinstall the package")
    with resource.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _year_file(year: str) -> str:
    return year.replace("/", "-") + ".csv"


@lru_cache(maxsize=None)
def available_years() -> tuple[str, ...]:
    years = {row["year"] for row in read_package_csv("catalogue", "funding.csv")}
    return tuple(sorted(y for y in years if _data_file("catalogue", _year_file(y)).is_file()))


@lru_cache(maxsize=None)
def load_catalogue(year: str) -> Catalogue:
    """Read and validate one year's catalogue; cached, since the files never change while running."""
    if year not in available_years():
        raise CatalogueError(f"no role catalogue for {year!r}; available: {', '.join(available_years())}")
    try:
        roles = [RoleEntry.model_validate(row) for row in read_package_csv("catalogue", _year_file(year))]
        pots = [FundingPot.model_validate(row) for row in read_package_csv("catalogue", "funding.csv") if row["year"] == year]
    except ValidationError as error:
        raise CatalogueError(f"role catalogue {year} is invalid: {error}") from None
    role_table = pd.DataFrame([r.model_dump() for r in roles]).set_index("role_id")
    role_table.index.name = "role"
    caps = ["cap_wte_below_100k", "cap_wte_from_100k", "outer_london_max_gbp", "inner_london_max_gbp"]
    role_table[caps] = role_table[caps].astype(float)
    if role_table.index.duplicated().any():
        raise CatalogueError(f"role catalogue {year} lists a role twice: {list(role_table.index[role_table.index.duplicated()])}")
    funding = pd.DataFrame([p.model_dump() for p in pots]).set_index("funding_pot")
    missing = set(role_table["funding_pot"]) - set(funding.index)
    if missing:
        raise CatalogueError(f"role catalogue {year} names funding pots with no £ per weighted patient: {sorted(missing)}")
    return Catalogue(year=year, roles=role_table, funding=funding)
