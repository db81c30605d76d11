"""One real PCN: find it by ODS code or name, list it in a picker, and start a scenario from its row of the bundled
table, each value commented with its source and date.
"""

from __future__ import annotations

import difflib
import textwrap

import pandas as pd

from optimiser.catalogue import load_catalogue
from optimiser.england_table import (
    IN_POST, LICENCE, LIST_SIZE_DATE, LIST_SIZE_SOURCE, NOT_ARRS, WEIGHTED_SOURCE, WORKFORCE_DATE, WORKFORCE_SOURCE,
    EnglandDataError, latest_catalogue_year, load_pcns, read_mapping,
)

ROOM_HEADROOM_SHARE = 0.10
ROOM_SESSIONS_PER_1000_PATIENTS = 0.2
ROOM_BASIS = (f"ASSUMPTION (no national data on PCN estates): the clinical room sessions the staff in post need, plus "
              f"{ROOM_HEADROOM_SHARE:.0%}, plus {ROOM_SESSIONS_PER_1000_PATIENTS:g} a week per 1,000 patients; put in what you have")


def find_pcn(code: str, table: pd.DataFrame | None = None) -> pd.Series:
    """One PCN's row by ODS code (any case); an unknown code is an error naming the closest codes and names."""
    table = load_pcns() if table is None else table
    wanted = str(code).strip().upper()
    if wanted in table.index:
        row = table.loc[wanted]
        if not (pd.notna(row["list_size"]) and float(row["list_size"]) > 0):
            raise EnglandDataError(f"PCN {wanted} ({row['name']}) has no list size in the table; "
                                   "enter its registered patients in the scenario by hand")
        return row
    by_code = difflib.get_close_matches(wanted, list(table.index), n=3, cutoff=0.6)
    names = {str(n).upper(): c for c, n in table["name"].items()}
    by_name = [names[n] for n in difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)]
    by_name += [c for n, c in names.items() if len(wanted) >= 4 and wanted in n][:3]
    close = list(dict.fromkeys(by_code + by_name))[:5]
    hint = ("closest: " + "; ".join(f"{c} {table.at[c, 'name']}" for c in close)) if close else (
        "PCN ODS codes look like U12345; the app's PCN picker searches by name")
    raise EnglandDataError(f"ODS code {wanted!r} is not one of the {len(table):,} PCNs in England's December 2025 lists; {hint}")


def assumed_room_sessions(in_post: dict[str, float], list_size: float) -> float:
    """Clinical room sessions a week free for ARRS staff, as assumed for a real PCN (see ROOM_BASIS)."""
    from optimiser.assumptions import load_assumptions

    roles = load_assumptions().roles
    need = sum(wte * float(roles.at[r, "room_sessions_per_wte_per_week"]) * (1 - float(roles.at[r, "remote_share"]))
               for r, wte in in_post.items() if roles.at[r, "room_need"] == "clinical_room")
    return round(need * (1 + ROOM_HEADROOM_SHARE) + ROOM_SESSIONS_PER_1000_PATIENTS * list_size / 1000, 1)


def pcn_in_post(row: pd.Series, year: str) -> dict[str, float]:
    """Staff in post per role with some FTE, for roles the year's catalogue has."""
    roles = set(load_catalogue(year).roles.index)
    values = {c.removeprefix(IN_POST): float(row[c]) for c in row.index if c.startswith(IN_POST)}
    return {r: wte for r, wte in values.items() if wte > 0 and r in roles}


def scenario_text(code: str, year: str | None = None, table: pd.DataFrame | None = None) -> str:
    """A scenario (YAML) for one real PCN, each value commented with its source and date, ready to edit."""
    from optimiser.scenario_io import scenario_from_text

    row = find_pcn(code, table)
    year = year or latest_catalogue_year()
    ods = row.name
    in_post = pcn_in_post(row, year)
    mapping = read_mapping()
    census_names = mapping[mapping["role_id"] != NOT_ARRS].groupby("role_id")["staff_role"].agg(
        lambda names: "; ".join(names.head(3)) + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
    weighted_basis = ("its 2022-23 weighted ÷ registered ratio" if row["weighted_ratio_basis"] == "PCN 2022-23"
                      else "the national 2022-23 ratio (no 2022-23 figure for this PCN)")
    lines = [
        f"# {row['name']} ({ods}), {row['icb']}, {row['region']}.",
        "# Started from NHS England's public data (contains public sector information licensed under the Open",
        "# Government Licence v3.0). Check every value against your own figures and edit; an ESTIMATE or",
        "# ASSUMPTION is marked as one.",
        "pcn:",
        f"  name: {_yaml(row['name'])}",
        f"  ods_code: {ods}",
        f"  icb: {_yaml(row['icb'])}",
        f"  list_size: {int(row['list_size'])}  # registered patients, {LIST_SIZE_DATE} ({LIST_SIZE_SOURCE})",
        f"  # ESTIMATE, not the published figure: {weighted_basis} ({row['weighted_ratio']:.4f}) × the list size.",
        "  # Replace it with the PCN Contractor Weighted Population at 1 January from your ICB: the ARRS sum is based on it.",
        f"  weighted_population: {float(row['weighted_population_estimate']):.1f}",
        f'year: "{year}"',
        "estate:",
        f"  # {ROOM_BASIS}",
        f"  room_sessions_per_week: {assumed_room_sessions(in_post, row['list_size']):g}",
        *_london_hint(row["region"]),
    ]
    if in_post:
        lines += ["roles:", f"  # Staff in post: FTE at {WORKFORCE_DATE} ({WORKFORCE_SOURCE};",
                  "  # the census roles counted for each are named; see optimiser/data/england/staff_role_mapping.csv)"]
        for role, wte in sorted(in_post.items(), key=lambda item: -item[1]):
            lines += [f"  {role}:", f"    in_post_wte: {wte:g}  # {census_names.get(role, '')}"]
    text = "\n".join(lines) + "\n"
    scenario_from_text(text, f"scenario for {ods}")  # what is written must load as it is
    return text


LONDON_ADVICE = ("This PCN is in London: set policy.london_weighting to inner or outer (your practices' zone) so the "
                 "maximum reimbursable amounts include the London supplement.")
"""A London PCN's staff earn a London supplement the national amounts leave out, and which zone is not in the data: said
in the comment above london_weighting of the scenario `new --pcn` writes, and in the app beside the result."""


def _in_london(region: str) -> bool:
    return "london" in str(region).lower()


def _london_hint(region: str) -> list[str]:
    if not _in_london(region):
        return []
    return ["policy:", *(f"  # {line}" for line in textwrap.wrap(LONDON_ADVICE, 110)), "  london_weighting: none"]


def london_advice(code: str | None, table: pd.DataFrame | None = None) -> str | None:
    """LONDON_ADVICE when `code` is the ODS code of a PCN in London in England's table; None for any other code."""
    table = load_pcns() if table is None else table
    wanted = str(code).strip().upper() if code else ""
    return LONDON_ADVICE if wanted in table.index and _in_london(table.at[wanted, "region"]) else None


def _yaml(text: str) -> str:
    import yaml

    return yaml.safe_dump(str(text), default_style=None, width=1000).strip().removesuffix("\n...").strip()


def search(query: str, table: pd.DataFrame | None = None, limit: int = 20) -> pd.DataFrame:
    """PCNs whose ODS code or name contains the query (any case), for pickers and `new --pcn`."""
    table = load_pcns() if table is None else table
    wanted = str(query).strip().upper()
    hits = table[table.index.str.contains(wanted, regex=False) | table["name"].str.upper().str.contains(wanted, regex=False)]
    return hits[["name", "icb", "region", "list_size"]].head(limit)


def picker_labels(table: pd.DataFrame | None = None) -> dict[str, str]:
    """'NAME (U12345), ICB' → ODS code, sorted by name: the options of a searchable picker."""
    table = load_pcns() if table is None else table
    short = table["icb"].str.replace(" Integrated Care Board", " ICB", regex=False)
    labels = table["name"] + " (" + table.index + "), " + short
    return dict(sorted(zip(labels, table.index)))


APP_SOURCE_SUFFIX = " (from NHS England data)"
"""How the app names a scenario started from a real PCN."""


def sources_note(code: str) -> str:
    """Where each filled-in value comes from, in the words the scenario file's comments use."""
    row = find_pcn(code)
    return (f"{row['name']} ({row.name}), {row['icb']}. List size: {LIST_SIZE_DATE} ({LIST_SIZE_SOURCE}). "
            f"Weighted population: {WEIGHTED_SOURCE}. Staff in post: {WORKFORCE_DATE} ({WORKFORCE_SOURCE}). "
            f"Clinical room sessions: {ROOM_BASIS}. {LICENCE}")
