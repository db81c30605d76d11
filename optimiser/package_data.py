"""Reading the CSV files shipped in optimiser/data (the catalogue's rules, the assumptions, the planning defaults)."""

from __future__ import annotations

import csv
from importlib import resources

from optimiser.errors import CatalogueError


def _data_file(*parts: str):
    return resources.files("optimiser").joinpath("data", *parts)


def read_package_csv(*parts: str) -> list[dict[str, str]]:
    """Rows of a CSV shipped in optimiser/data, as dictionaries of text."""
    resource = _data_file(*parts)
    if not resource.is_file():
        raise CatalogueError(f"package data file {'/'.join(parts)} is missing; reinstall the package")
    with resource.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
