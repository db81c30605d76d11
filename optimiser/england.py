"""Real PCNs in England: the bundled national table, derived from NHS England's public files (Open Government Licence v3.0).

`derive(folder)` rebuilds `optimiser/data/england/pcns.csv` from the files described in
`../shared/data/pcn/README.md`; the package ships the result, so nothing here needs that folder at run time:

    python -m optimiser.england ../shared/data/pcn

What each column is and how it is derived is in `optimiser/data/england/README.md`. The weighted
population is an ESTIMATE (the ARRS sum's PCN Contractor Weighted Population is not published per PCN).
"""

from __future__ import annotations

import difflib
import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd

from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import available_years
from optimiser.package_data import read_package_csv
from optimiser.errors import CatalogueError, OptimiserError

PRACTICE_MAP = "gp-reg-pat-prac-map_2025-12.csv"
PRACTICE_LISTS = "gp-reg-pat-prac-all_2025-12.csv"
WORKFORCE = "pcn_workforce_fte_by_role_2025-11.csv"
PAYMENTS = "pcn_weighted_pop_and_arrs_payments_2022-23.csv"

LIST_SIZE_SOURCE = "NHS England, Patients Registered at a GP Practice, practices summed by PCN"
LIST_SIZE_DATE = "1 December 2025"
WEIGHTED_SOURCE = ("ESTIMATE: the PCN's 2022-23 weighted ÷ registered patients (NHS Payments to General Practice 2022-23) "
                   "× its December 2025 list size; replace it with your ICB's PCN Contractor Weighted Population")
WORKFORCE_SOURCE = "NHS England, Primary Care Network Workforce census, FTE mapped to ARRS roles"
WORKFORCE_DATE = "30 November 2025"
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0 (NHS England)."

NOT_ARRS = "not ARRS"
IN_POST = "in_post_wte."
NO_UNALLOCATED = "U"
"""`PCN_CODE` U gathers practices that belong to no PCN; it is not a PCN."""


class EnglandDataError(OptimiserError):
    """The real-PCN data or its role mapping cannot be used as it is."""


# ================================================================ the role mapping


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


# ================================================================ the derivation


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise EnglandDataError(f"{path}: missing; derive() needs the files listed in ../shared/data/pcn/README.md")
    return pd.read_csv(path, dtype={"PCN_CODE": str, "PCN Code": str})


def derive(folder: str | Path, mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """The national table of real PCNs, one row per PCN in the December 2025 lists, from NHS England's files in `folder`."""
    folder = Path(folder)
    mapping = read_mapping() if mapping is None else mapping
    practices = _read(folder, PRACTICE_MAP).merge(
        _read(folder, PRACTICE_LISTS)[["CODE", "NUMBER_OF_PATIENTS"]], left_on="PRACTICE_CODE", right_on="CODE", how="left")
    if practices["NUMBER_OF_PATIENTS"].isna().any():
        unlisted = practices.loc[practices["NUMBER_OF_PATIENTS"].isna(), "PRACTICE_CODE"].tolist()
        raise EnglandDataError(f"{PRACTICE_LISTS}: no list size for practices {unlisted[:5]}")
    practices = practices[practices["PCN_CODE"] != NO_UNALLOCATED]
    pcns = _pcns(practices)
    pcns = pcns.join(_weighted_estimate(_read(folder, PAYMENTS), pcns["list_size"]))
    pcns = pcns.join(_in_post(_read(folder, WORKFORCE), mapping, pcns.index))
    return pcns.reset_index()


def _pcns(practices: pd.DataFrame) -> pd.DataFrame:
    """List size per PCN; its ICB and region are those holding most of its patients (a few PCNs span two ICBs)."""
    by_icb = practices.groupby(["PCN_CODE", "ICB_CODE"], as_index=False).agg(
        patients=("NUMBER_OF_PATIENTS", "sum"), name=("PCN_NAME", "first"), 
        icb=("ICB_NAME", "first"), region_code=("COMM_REGION_CODE", "first"), region=("COMM_REGION_NAME", "first"))
    main = by_icb.rename(columns={"ICB_CODE": "icb_code"}).sort_values(["PCN_CODE", "patients", "icb_code"], ascending=[True, False, True])
    main = main.drop_duplicates("PCN_CODE").set_index("PCN_CODE")
    totals = practices.groupby("PCN_CODE").agg(practices=("PRACTICE_CODE", "nunique"), list_size=("NUMBER_OF_PATIENTS", "sum"))
    table = main[["name", "icb_code", "icb", "region_code", "region"]].join(totals)
    table.index.name = "ods_code"
    return table


def _weighted_estimate(payments: pd.DataFrame, list_size: pd.Series) -> pd.DataFrame:
    """Each PCN's 2022-23 weighted ÷ registered ratio × its December 2025 list size; the national ratio where it has none."""
    payments = payments.rename(columns={"PCN Code": "ods_code"}).set_index("ods_code")
    usable = payments[(payments["REGISTERED"] > 0) & (payments["WEIGHTED"] > 0)]
    national = usable["WEIGHTED"].sum() / usable["REGISTERED"].sum()
    ratio = (usable["WEIGHTED"] / usable["REGISTERED"]).reindex(list_size.index)
    return pd.DataFrame({
        "weighted_population_estimate": (ratio.fillna(national) * list_size).round(1),
        "weighted_ratio_basis": ratio.notna().map({True: "PCN 2022-23", False: "national 2022-23"}),
        "weighted_ratio": ratio.fillna(national).round(6),
        "registered_2022_23": payments["REGISTERED"].reindex(list_size.index),
        "weighted_2022_23": payments["WEIGHTED"].reindex(list_size.index),
        "pcn_workforce_payments_2022_23_gbp": payments["PCN_WORKFORCE_PAYMENTS"].reindex(list_size.index),
    })


def _in_post(workforce: pd.DataFrame, mapping: pd.DataFrame, pcns: pd.Index) -> pd.DataFrame:
    """FTE per ARRS role per PCN through the mapping; staff in roles that are not ARRS are counted apart."""
    keys = ["STAFF_GROUP", "STAFF_ROLE"]
    mapped = workforce.merge(mapping.rename(columns={"staff_group": keys[0], "staff_role": keys[1]}), on=keys, how="left")
    unmapped = mapped.loc[mapped["role_id"].isna(), keys].drop_duplicates()
    if len(unmapped):
        named = "; ".join(f"{g} / {r}" for g, r in unmapped.itertuples(index=False))
        raise EnglandDataError(f"the role mapping has no row for these census staff roles: {named}; add each with a role id or {NOT_ARRS!r}")
    outside = sorted(set(workforce["PCN_CODE"]) - set(pcns))
    if outside:
        raise EnglandDataError(f"{WORKFORCE}: PCN codes not in the December 2025 lists: {outside[:5]}")
    arrs = mapped[mapped["role_id"] != NOT_ARRS]
    wide = arrs.pivot_table(index="PCN_CODE", columns="role_id", values="FTE", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(pcns, fill_value=0.0).round(3)
    wide.columns = [IN_POST + role for role in wide.columns]
    other = mapped[mapped["role_id"] == NOT_ARRS].groupby("PCN_CODE")["FTE"].sum().reindex(pcns, fill_value=0.0)
    return wide.assign(not_arrs_fte=other.round(3))


# ================================================================ the bundled table


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


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    from optimiser.atomic import write_text_atomic

    path = Path(path)
    write_text_atomic(path, table.to_csv(index=False, lineterminator="\n"), overwrite=True)
    return path


def main(argv: list[str]) -> int:
    """Rebuild the bundled table from the folder of NHS England files given on the command line."""
    if len(argv) != 1:
        print("usage: python -m optimiser.england FOLDER   (e.g. ../shared/data/pcn)", file=sys.stderr)
        return 2
    try:
        table = derive(argv[0])
    except OptimiserError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    path = write_table(table, Path(__file__).parent / "data" / "england" / "pcns.csv")
    fte = table[in_post_columns(table)].to_numpy().sum()
    print(f"wrote {path}: {len(table):,} PCNs, {table['list_size'].sum():,} patients, {fte:,.1f} ARRS FTE in post")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))


# ================================================================ one PCN: look it up, start a scenario from it

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


def current_year() -> str:
    """The latest financial year in the catalogue (a mid-year variant such as 2025/26-april is not a year)."""
    return max(y for y in available_years() if "-" not in y.split("/")[1])


def pcn_in_post(row: pd.Series, year: str) -> dict[str, float]:
    """Staff in post per role with some FTE, for roles the year's catalogue has."""
    roles = set(load_catalogue(year).roles.index)
    values = {c.removeprefix(IN_POST): float(row[c]) for c in row.index if c.startswith(IN_POST)}
    return {r: wte for r, wte in values.items() if wte > 0 and r in roles}


def scenario_text(code: str, year: str | None = None, table: pd.DataFrame | None = None) -> str:
    """A scenario (YAML) for one real PCN, each value commented with its source and date, ready to edit."""
    from optimiser.scenario_io import scenario_from_text

    row = find_pcn(code, table)
    year = year or current_year()
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
    ]
    if in_post:
        lines += ["roles:", f"  # Staff in post: FTE at {WORKFORCE_DATE} ({WORKFORCE_SOURCE};",
                  "  # the census roles counted for each are named; see optimiser/data/england/staff_role_mapping.csv)"]
        for role, wte in sorted(in_post.items(), key=lambda item: -item[1]):
            lines += [f"  {role}:", f"    in_post_wte: {wte:g}  # {census_names.get(role, '')}"]
    text = "\n".join(lines) + "\n"
    scenario_from_text(text, f"scenario for {ods}")  # what is written must load as it is
    return text


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


# ================================================================ the national batch on real England

ENGLAND_TABLE = "england"
"""The batch's TABLE argument that means the bundled table of real PCNs."""
CARE_PER_1000 = {
    "served_contacts_per_1000_patients": "served_contacts_per_year",
    "need_met_wte_years_per_1000_patients": "need_met_wte_years",
}
"""Care closer to home, per 1,000 registered patients: contacts a year, and need met in clinical time (the valuation's size unit)."""


def batch_table(year: str | None = None) -> pd.DataFrame:
    """The bundled table as a batch PCN table: real list sizes and staff in post, the ESTIMATED weighted
    population, and clinical room sessions as ASSUMED (see ROOM_BASIS)."""
    from optimiser.assumptions import load_assumptions

    table = load_pcns()
    year = year or current_year()
    roles = set(load_catalogue(year).roles.index)
    columns = [c for c in in_post_columns(table) if c.removeprefix(IN_POST) in roles]
    needs = load_assumptions().roles
    clinical = needs["room_need"] == "clinical_room"
    per_wte = (needs["room_sessions_per_wte_per_week"].astype(float) * (1 - needs["remote_share"].astype(float))).where(clinical, 0.0)
    need = sum(table[c] * per_wte.get(c.removeprefix(IN_POST), 0.0) for c in columns)
    rooms = (need * (1 + ROOM_HEADROOM_SHARE) + ROOM_SESSIONS_PER_1000_PATIENTS * table["list_size"] / 1000).round(1)
    return pd.DataFrame({
        "ods_code": table.index, "name": table["name"].to_numpy(), "icb": table["icb"].to_numpy(),
        "list_size": table["list_size"].astype(int).to_numpy(),
        "weighted_population": table["weighted_population_estimate"].to_numpy(),
        "room_sessions_per_week": rooms.to_numpy(),
        **{c: table[c].to_numpy() for c in columns},
    })


def _per_1000(frame: pd.DataFrame) -> pd.DataFrame:
    for column, measure in CARE_PER_1000.items():
        frame[column] = frame[measure] / frame["list_size"] * 1000
    return frame


def care_closer_to_home(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Need met in general practice by ARRS roles per 1,000 patients, per PCN, ICB, region and nation and policy,
    with its change against the first policy; areas sum over PCNs optimal under every policy."""
    from optimiser.batch.rollup import optimal_everywhere

    common = optimal_everywhere(summary[["ods_code", "policy", "status"]], policies)
    pcns = load_pcns()
    rows = summary[summary["ods_code"].isin(common)].assign(region=lambda f: f["ods_code"].map(pcns["region"]), nation="England")
    measures = ["list_size", *CARE_PER_1000.values()]
    levels = []
    for level, key in [("PCN", "ods_code"), ("ICB", "icb"), ("region", "region"), ("nation", "nation")]:
        grouped = rows.groupby([key, "policy"], sort=False)[measures].sum().reset_index().rename(columns={key: "area"})
        levels.append(_per_1000(grouped).assign(level=level))
    table = pd.concat(levels, ignore_index=True)
    names = pcns["name"]
    table.insert(1, "area_name", table["area"].map(names).fillna(table["area"]))
    baseline = table[table["policy"] == policies[0]].set_index(["level", "area"])
    for column in CARE_PER_1000:
        before = pd.MultiIndex.from_frame(table[["level", "area"]]).map(baseline[column])
        table[f"change_{column}"] = table[column] - before.to_numpy(float)
    order = {"nation": 0, "region": 1, "ICB": 2, "PCN": 3}
    table = table.assign(_l=table["level"].map(order), _p=table["policy"].map(policies.index))
    columns = ["level", "area", "area_name", "policy", "list_size", *CARE_PER_1000, *(f"change_{c}" for c in CARE_PER_1000)]
    return table.sort_values(["_l", "area", "_p"])[columns].reset_index(drop=True)


def by_region(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """The batch's roll-up per NHS England region, by the same rule as per ICB."""
    from optimiser.batch.rollup import Totals, optimal_everywhere

    totals = Totals(policies, optimal_everywhere(summary[["ods_code", "policy", "status"]], policies))
    totals.add(summary.assign(icb=summary["ods_code"].map(load_pcns()["region"])))
    return totals.table(["icb"]).rename(columns={"icb": "region"})


def icb_chart(by_icb: pd.DataFrame, policies: list[str]):
    """Each policy against the baseline, per ICB: the change in need met per 1,000 patients (Altair)."""
    import altair as alt

    frame = by_icb[by_icb["policy"] != policies[0]].copy()
    frame["ICB"] = frame["icb"].str.replace("NHS ", "", regex=False).str.replace(" Integrated Care Board", "", regex=False)
    frame["change"] = frame["change_need_met_wte_years"] / frame["list_size_patients"] * 1000
    frame["policy against " + policies[0]] = frame["policy"]
    return alt.Chart(frame, title=f"Change in need met per 1,000 patients (WTE-years of clinical time) against {policies[0]}, by ICB").mark_bar().encode(
        y=alt.Y("ICB:N", sort="-x", title=None),
        x=alt.X("change:Q", title="change in need met, WTE-years a year per 1,000 patients"),
        color=alt.Color("policy against " + policies[0] + ":N"),
        yOffset="policy:N",
        tooltip=["ICB", "policy", alt.Tooltip("change:Q", format=".4f")],
    ).properties(width=520)


def write_england_outputs(output: str | Path, policies: list[str]) -> list[Path]:
    """Beside a batch run on the bundled table: the roll-up by region, care closer to home, and the ICB chart (PNG)."""
    from optimiser import tables

    output = Path(output)
    summary = pd.read_parquet(output / "pcn_summary.parquet")
    by_icb = pd.read_parquet(output / "by_icb.parquet")
    files = []
    for name, frame in [("by_region", by_region(summary, policies)), ("care_closer_to_home", care_closer_to_home(summary, policies))]:
        for fmt in ("csv", "parquet"):
            files.append(tables.write_table(frame, output / f"{name}.{fmt}", overwrite=True))
    if len(policies) > 1:
        import vl_convert

        from optimiser.atomic import write_bytes_atomic

        spec = icb_chart(by_icb, policies).to_json()
        path = output / "policy_by_icb.png"
        write_bytes_atomic(path, vl_convert.vegalite_to_png(spec, scale=2), overwrite=True)
        files.append(path)
    return files
