"""Real PCNs in England: the bundled national table (optimiser/data/england/pcns.csv, derived from NHS England's
public files under the Open Government Licence v3.0), where each of its columns comes from, and the mapping of
NHS England's census staff roles to ARRS roles.

What each column is and how it is derived is in `optimiser/data/england/README.md`; `england_derive.py` rebuilds
the table. The weighted population is an ESTIMATE (the ARRS sum's PCN Contractor Weighted Population is not
published per PCN).
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import available_years
from optimiser.errors import CatalogueError, OptimiserError
from optimiser.package_data import read_package_csv

LIST_SIZE_SOURCE = "NHS England, Patients Registered at a GP Practice, practices summed by PCN"
LIST_SIZE_DATE = "1 December 2025"
WEIGHTED_SOURCE = ("ESTIMATE: the PCN's 2022-23 weighted ÷ registered patients (NHS Payments to General Practice 2022-23) "
                   "× its December 2025 list size; replace it with your ICB's PCN Contractor Weighted Population")
WORKFORCE_SOURCE = "NHS England, Primary Care Network Workforce census, FTE mapped to ARRS roles"
WORKFORCE_DATE = "30 November 2025"
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0 (NHS England)."

NOT_ARRS = "not ARRS"
IN_POST = "in_post_wte."


class EnglandDataError(OptimiserError):
    """The real-PCN data or its role mapping cannot be used as it is."""


def read_mapping(path: str | Path | None = None, year: str | None = None) -> pd.DataFrame:
    """NHS England staff role → ARRS catalogue role id (or "not ARRS"), with its basis; every role id checked."""
    if path is None:
        rows = read_package_csv("england", "staff_role_mapping.csv")
        source = "optimiser/data/england/staff_role_mapping.csv"
    else:
        source = str(path)
        try:
            rows = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")
        except (OSError, ValueError) as error:
            raise EnglandDataError(f"{source}: cannot read the role mapping: {error}") from None
    mapping = pd.DataFrame(rows)
    missing = {"staff_group", "staff_role", "role_id", "basis"} - set(mapping.columns)
    if missing:
        raise EnglandDataError(f"{source}: the role mapping needs the columns {', '.join(sorted(missing))}")
    year = year or available_years()[-1]
    role_ids = list(load_catalogue(year).roles.index)
    problems = []
    for number, row in enumerate(mapping.to_dict("records"), start=2):
        role = row["role_id"].strip()
        if role != NOT_ARRS and role not in role_ids:
            close = difflib.get_close_matches(role, role_ids, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else f"use a role id from `catalogue --year {year}` or {NOT_ARRS!r}"
            problems.append(f"row {number} ({row['staff_role']}): role_id {role!r} is not an ARRS role in {year}; {hint}")
        if not row["basis"].strip():
            problems.append(f"row {number} ({row['staff_role']}): basis is empty; say why the role maps as it does")
    repeated = mapping[mapping.duplicated(["staff_group", "staff_role"], keep=False)]
    problems += [f"staff role {r!r} ({g}) is mapped more than once" for g, r in repeated[["staff_group", "staff_role"]].drop_duplicates().itertuples(index=False)]
    if problems:
        raise EnglandDataError(f"{source}: " + ("\n  ".join(problems) if len(problems) == 1 else
                                                f"{len(problems)} problems:\n  - " + "\n  - ".join(problems)))
    return mapping.assign(role_id=mapping["role_id"].str.strip())


@lru_cache(maxsize=1)
def load_pcns() -> pd.DataFrame:
    """The bundled national table (1,297 real PCNs), indexed by ODS code."""
    rows = read_package_csv("england", "pcns.csv")
    if not rows:
        raise CatalogueError("package data file england/pcns.csv is empty; reinstall the package")
    table = pd.DataFrame(rows).set_index("ods_code")
    text = ["name", "icb_code", "icb", "region_code", "region", "weighted_ratio_basis"]
    numbers = [c for c in table.columns if c not in text]
    table[numbers] = table[numbers].apply(pd.to_numeric, errors="coerce")
    return table


def in_post_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c.startswith(IN_POST)]


def latest_catalogue_year() -> str:
    """The latest financial year in the catalogue (a mid-year variant such as 2025/26-april is not a year)."""
    return max(y for y in available_years() if "-" not in y.split("/")[1])
