"""The batch's tables name each quantity once, with its unit, in every table (summary, roll-ups, comparison, England
tables, workbook); parts written under the names before are read under today's."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from optimiser import england_batch
from optimiser.batch import load_base, read_table, run_batch
from optimiser.batch.rollup import CHANGE_MEASURES, ROLLUP_SUMS
from optimiser.batch.store import RENAMED, summary_parts

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"
POLICIES = ["as-published", "rooms+10%"]
UNIT = re.compile(r".*(_wte|_wte_years|_gbp_per_year|_per_year|_per_week|_patients|_per_1000_patients|_seconds)")
NOT_MEASURES = {"row", "care_score"}  # a table row number; a score out of 100
OLD_NAMES = set(RENAMED) | {"served_contacts_per_1000_patients", "list_size"}


def measures(frame: pd.DataFrame) -> list[str]:
    numbers = frame.select_dtypes("number").columns
    return [c for c in numbers if c not in NOT_MEASURES and not c.startswith("pcns")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    output = tmp_path_factory.mktemp("names")
    outcome = run_batch(read_table(SAMPLE).head(3), load_base(BASE), POLICIES, output, workers=1)
    return outcome, output


def test_every_measure_of_every_table_carries_its_unit_under_one_name(run):
    _, output = run
    tables = {name: pd.read_parquet(output / f"{name}.parquet")
              for name in ("national", "by_icb", "national_by_role", "comparison_by_pcn", "pcn_summary", "pcn_roles")}
    for name, frame in tables.items():
        assert not OLD_NAMES & set(frame.columns), name
        assert [c for c in measures(frame) if not UNIT.fullmatch(c)] == [], name
    summary, national = tables["pcn_summary"], tables["national"]
    assert set(ROLLUP_SUMS) <= set(summary.columns) and set(ROLLUP_SUMS) <= set(national.columns)  # summed under their own names
    assert [c for c in tables["comparison_by_pcn"].columns if c.startswith("change_")] == [f"change_{m}" for m in CHANGE_MEASURES]
    assert national["list_size_patients"].iloc[0] == summary.loc[summary["policy"] == POLICIES[0], "list_size_patients"].sum()


def test_the_workbook_uses_the_tables_names(run):
    from openpyxl import load_workbook

    _, output = run
    book = load_workbook(output / "results.xlsx", read_only=True)
    for sheet in ("national", "by_icb", "comparison_by_pcn", "pcn_summary"):
        header = [cell.value for cell in next(book[sheet].iter_rows(max_row=1))]
        assert header == list(pd.read_parquet(output / f"{sheet}.parquet").columns), sheet
    book.close()


def test_a_part_written_under_the_old_names_is_read_under_todays(run, tmp_path):
    """A run resumed on parts an older version wrote: the part's old column names are mapped on read, so the tables
    come out as a fresh run's, nothing is solved again, and nothing crashes."""
    fresh, _ = run
    table, base = read_table(SAMPLE).head(3), load_base(BASE)
    run_batch(table, base, POLICIES, tmp_path, workers=1, formats=("csv",))
    for path in summary_parts(tmp_path):
        part = pq.read_table(path)
        old = part.rename_columns([{v: k for k, v in RENAMED.items()}.get(c, c) for c in part.column_names])
        assert set(RENAMED) <= set(old.column_names)
        pq.write_table(old, path)
    resumed = run_batch(table, base, POLICIES, tmp_path, workers=1, formats=("csv",))
    assert (resumed.ran, resumed.skipped) == (0, 6)
    keys = ["ods_code", "policy"]
    columns = ["list_size_patients", "weighted_population_patients", "priority_weighted_contacts_per_year", "total_wte"]
    got = resumed.summary.set_index(keys)[columns].sort_index()
    expected = fresh.summary.set_index(keys)[columns].sort_index()
    pd.testing.assert_frame_equal(got, expected)
    assert got["list_size_patients"].notna().all() and (got["priority_weighted_contacts_per_year"] > 0).all()
    pd.testing.assert_frame_equal(resumed.national, fresh.national)


def test_the_england_tables_use_the_same_names_with_units(tmp_path):
    """Three real PCNs: by region and care closer to home name list size and contacts as the other tables do."""
    table = england_batch.batch_table("2026/27").head(3)
    base = load_base(ROOT / "scenarios" / "england" / "base-2026-27.yaml")
    run_batch(table, base, POLICIES, tmp_path, workers=1, formats=("csv", "parquet"))
    england_batch.write_england_outputs(tmp_path, POLICIES)
    for name in ("by_region", "care_closer_to_home"):
        frame = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert not OLD_NAMES & set(frame.columns), name
        assert [c for c in measures(frame) if not UNIT.fullmatch(c)] == [], name
    care = pd.read_parquet(tmp_path / "care_closer_to_home.parquet")
    assert {"list_size_patients", "served_contacts_per_year_per_1000_patients",
            "change_served_contacts_per_year_per_1000_patients"} <= set(care.columns)
    nation = care[(care["level"] == "nation") & (care["policy"] == POLICIES[0])].iloc[0]
    summary = pd.read_parquet(tmp_path / "pcn_summary.parquet")
    first = summary[summary["policy"] == POLICIES[0]]
    assert nation["served_contacts_per_year_per_1000_patients"] == pytest.approx(
        first["served_contacts_per_year"].sum() / first["list_size_patients"].sum() * 1000)
