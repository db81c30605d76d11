"""Rebuilding the bundled table of real PCNs from NHS England's public files (Open Government Licence v3.0), the
files described in `../shared/data/pcn/README.md`; the package ships the result, so nothing else needs that folder:

    python -m optimiser.england_derive ../shared/data/pcn
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from optimiser.england_table import IN_POST, NOT_ARRS, EnglandDataError, in_post_columns, read_mapping
from optimiser.errors import OptimiserError

PRACTICE_MAP = "gp-reg-pat-prac-map_2025-12.csv"
PRACTICE_LISTS = "gp-reg-pat-prac-all_2025-12.csv"
WORKFORCE = "pcn_workforce_fte_by_role_2025-11.csv"
PAYMENTS = "pcn_weighted_pop_and_arrs_payments_2022-23.csv"

NO_UNALLOCATED = "U"
"""`PCN_CODE` U gathers practices that belong to no PCN; it is not a PCN."""


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


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    from optimiser.atomic import write_text_atomic

    path = Path(path)
    write_text_atomic(path, table.to_csv(index=False, lineterminator="\n"), overwrite=True)
    return path


def main(argv: list[str]) -> int:
    """Rebuild the bundled table from the folder of NHS England files given on the command line."""
    if len(argv) != 1:
        print("usage: python -m optimiser.england_derive FOLDER   (e.g. ../shared/data/pcn)", file=sys.stderr)
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
