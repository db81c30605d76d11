"""Default assumptions (demand, productivity, rooms): not national rules, each row with its stated basis."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from optimiser.errors import CatalogueError
from optimiser.package_data import read_package_csv


@dataclass(frozen=True)
class Assumptions:
    categories: pd.DataFrame  # index category: category_name, contacts_per_1000_patients_per_year, priority_weight, basis, source
    productivity: pd.DataFrame  # index (role, category): contacts_per_wte_year, from_year, until_year, basis, source
    roles: pd.DataFrame  # index role: room_need, room_sessions_per_wte_per_week, remote_share, basis, source

    def productivity_in(self, financial_year: str) -> pd.DataFrame:
        """The capability rows in force in a financial year: a row applies from from_year to until_year, both
        inclusive, empty meaning always (e.g. physician associates stop serving undifferentiated demand after 2024/25)."""
        start = int(financial_year[:4])
        rows = self.productivity
        begins = rows["from_year"].map(lambda y: int(y[:4]) if y else -1)
        ends = rows["until_year"].map(lambda y: int(y[:4]) if y else 10_000)
        return rows[(begins <= start) & (start <= ends)]


def _table(name: str, index: list[str], numeric: list[str]) -> pd.DataFrame:
    table = pd.DataFrame(read_package_csv("assumptions", name))
    renamed = table.rename(columns={"role_id": "role", "category_id": "category"})
    for column in numeric:
        renamed[column] = pd.to_numeric(renamed[column], errors="raise")
        if not renamed[column].between(0, 1e7).all():
            raise CatalogueError(f"assumptions table {name}: column {column} has a value out of range")
    result = renamed.set_index(index)
    if result.index.duplicated().any():
        raise CatalogueError(f"assumptions table {name} lists {list(result.index[result.index.duplicated()])} twice")
    return result


@lru_cache(maxsize=None)
def load_assumptions() -> Assumptions:
    return Assumptions(
        categories=_table("categories.csv", ["category"], ["contacts_per_1000_patients_per_year", "priority_weight"]),
        productivity=_table("productivity.csv", ["role", "category"], ["contacts_per_wte_year"]).fillna({"from_year": "", "until_year": ""}),
        roles=_table("roles.csv", ["role"], ["room_sessions_per_wte_per_week", "remote_share"]),
    )


@lru_cache(maxsize=None)
def category_ids() -> tuple[str, ...]:
    """The demand categories' ids in table order, read once (checked in every scenario a batch validates)."""
    return tuple(load_assumptions().categories.index)


@dataclass(frozen=True)
class SupervisionDefaults:
    needs: pd.DataFrame  # index role: supervisor_id, hours_per_week_per_wte, status, basis, source
    supervisors: pd.DataFrame  # index supervisor: supervisor_name, who


@lru_cache(maxsize=None)
def load_supervision() -> SupervisionDefaults:
    """Supervision each role needs a week per WTE, and from whom: mostly estimates (see the basis of each row)."""
    needs = _table("supervision.csv", ["role"], ["hours_per_week_per_wte"])
    supervisors = pd.DataFrame(read_package_csv("assumptions", "supervisors.csv")).set_index("supervisor_id")
    supervisors.index.name = "supervisor"
    unknown = set(needs["supervisor_id"]) - set(supervisors.index)
    if unknown:
        raise CatalogueError(f"assumptions table supervision.csv names unknown supervisors {sorted(unknown)}")
    return SupervisionDefaults(needs=needs, supervisors=supervisors)


@lru_cache(maxsize=None)
def supervisor_ids() -> tuple[str, ...]:
    """The supervising professions' ids, read once."""
    return tuple(load_supervision().supervisors.index)
