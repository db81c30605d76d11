"""The national batch on real England: the bundled table as a batch PCN table, and the outputs of such a run: the
roll-up by region and care closer to home per 1,000 patients (written with the batch's own tables and workbook,
`more_tables`), and the chart of each policy by ICB.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimiser.catalogue import load_catalogue
from optimiser.england_pcn import ROOM_HEADROOM_SHARE, ROOM_SESSIONS_PER_1000_PATIENTS
from optimiser.england_table import IN_POST, in_post_columns, latest_catalogue_year, load_pcns

ENGLAND_TABLE = "england"
"""The batch's TABLE argument that means the bundled table of real PCNs."""
CARE_PER_1000 = {
    "served_contacts_per_year_per_1000_patients": "served_contacts_per_year",
    "need_met_wte_years_per_1000_patients": "need_met_wte_years",
}
"""Care closer to home, per 1,000 registered patients: contacts a year, and need met in clinical time (the valuation's size unit)."""
TABLES = ("by_region", "care_closer_to_home")
ICB_CHART = "policy_by_icb.png"
FILES = (*(f"{name}.{fmt}" for name in TABLES for fmt in ("csv", "parquet")), ICB_CHART)
"""The files written beside a batch on real England, which `batch --overwrite` removes with the batch's own."""


def batch_table(year: str | None = None) -> pd.DataFrame:
    """The bundled table as a batch PCN table: real list sizes and staff in post, the ESTIMATED weighted
    population, and clinical room sessions as ASSUMED (see ROOM_BASIS)."""
    from optimiser.assumptions import load_assumptions

    table = load_pcns()
    year = year or latest_catalogue_year()
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
        frame[column] = frame[measure] / frame["list_size_patients"] * 1000
    return frame


def care_closer_to_home(summary: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Need met in general practice by ARRS roles per 1,000 patients, per PCN, ICB, region and nation and policy,
    with its change against the first policy; areas sum over PCNs optimal under every policy."""
    from optimiser.batch.rollup import optimal_everywhere

    common = optimal_everywhere(summary[["ods_code", "policy", "status"]], policies)
    pcns = load_pcns()
    rows = summary[summary["ods_code"].isin(common)].assign(region=lambda f: f["ods_code"].map(pcns["region"]), nation="England")
    measures = ["list_size_patients", *CARE_PER_1000.values()]
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
    columns = ["level", "area", "area_name", "policy", "list_size_patients", *CARE_PER_1000, *(f"change_{c}" for c in CARE_PER_1000)]
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


def england_tables(summary: pd.DataFrame, policies: list[str]) -> dict[str, pd.DataFrame]:
    """The roll-up by region and care closer to home, from a batch's `pcn_summary`."""
    return dict(zip(TABLES, [by_region(summary, policies), care_closer_to_home(summary, policies)]))


def more_tables():
    """The England tables as a batch writes them: each a file beside its own and a sheet of its one workbook, by
    region between the nation and the ICBs, care closer to home after the roll-ups by role."""
    from optimiser.batch.finish import MoreTables

    return MoreTables(england_tables, after={"by_region": "national", "care_closer_to_home": "national_by_role"})


def write_icb_chart(output: str | Path, policies: list[str]) -> list[Path]:
    """Beside a batch run on the bundled table with more than one policy, the ICB chart (PNG); one policy has none."""
    if len(policies) < 2:
        return []
    import vl_convert

    from optimiser.atomic import write_bytes_atomic

    output = Path(output)
    spec = icb_chart(pd.read_parquet(output / "by_icb.parquet"), policies).to_json()
    path = output / ICB_CHART
    write_bytes_atomic(path, vl_convert.vegalite_to_png(spec, scale=2), overwrite=True)
    return [path]
