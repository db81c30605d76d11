"""The batch's tables name each quantity once, with its unit, in every table (summary, roll-ups, comparison, England
tables, workbook, and a plan batch's tables per year and future, under the names `plan` writes too); parts written
under the names before are read under today's."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from optimiser import england_batch
from optimiser.batch import load_base, read_table, run_batch
from optimiser.batch.plan_worker import ROLE_YEAR_MEASURES, YEAR_MEASURES
from optimiser.batch.rollup import CHANGE_MEASURES, ROLLUP_SUMS
from optimiser.batch.store import PLAN_RENAMED, RENAMED, role_parts, summary_parts
from optimiser.batch.worker import ROLE_FIELDS, SUMMARY_FIELDS
from optimiser.plan import make_plan
from optimiser.scenario_problems import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"
POLICIES = ["as-published", "rooms+10%"]
UNIT = re.compile(r".*(_wte|_wte_years|_gbp_per_year|_per_year|_per_week|_patients|_per_1000_patients|_seconds|_years|_points_over_plan_discounted)")
NOT_MEASURES = {"row", "care_score", "probability", "need_met_share", "share_met", "probability_needed", "post", "other_futures"}
"""A table row number; a score out of 100; chances and shares (0 to 1); a post's number and a count of futures."""
OLD_NAMES = set(RENAMED) | set(PLAN_RENAMED) | {"served_contacts_per_1000_patients", "list_size"}
PLAN_TABLES = ("plan_national", "plan_by_icb", "plan_national_by_role", "plan_pcn_years", "plan_pcn_roles", "pcn_summary", "pcn_roles")
FUTURES = {"grows": {"probability": 0.5, "growth": {"arrs_pot_growth_percent": 10}}, "frozen": {"probability": 0.5, "arrs_frozen_from": "2027/28"}}


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
    run_batch(table, base, POLICIES, tmp_path, workers=1, formats=("csv", "parquet"), more_tables=england_batch.more_tables())
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


def planned_base() -> dict:
    return {**load_base(BASE), "futures": FUTURES}


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    output = tmp_path_factory.mktemp("plan-names")
    outcome = run_batch(read_table(SAMPLE).head(2), planned_base(), POLICIES[:1], output, workers=1, formats=("csv", "parquet"), horizon=2)
    return outcome, output


def test_every_plan_table_names_each_measure_with_its_unit_as_the_single_year_tables_do(plans):
    """The plan tables per year and future (and role) carry units in the single-year tables' style: £ a year as
    `_gbp_per_year`, WTE at the year's end as `total_wte`, need as `demand_contacts_per_year`."""
    _, output = plans
    for name in PLAN_TABLES:
        frame = pd.read_parquet(output / f"{name}.parquet")
        assert not OLD_NAMES & set(frame.columns), name
        assert [c for c in measures(frame) if not UNIT.fullmatch(c)] == [], name
    years = pd.read_parquet(output / "plan_pcn_years.parquet")
    assert set(YEAR_MEASURES) <= set(years.columns) and set(ROLE_YEAR_MEASURES) <= set(pd.read_parquet(output / "plan_pcn_roles.parquet").columns)
    shared = set(YEAR_MEASURES) & set(SUMMARY_FIELDS)  # one name for one quantity: a year's, as the single-year summary gives it
    assert shared == {"total_wte", "new_wte", "own_funded_wte", "arrs_sum_gbp_per_year", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year",
                      "in_post_beyond_arrs_gbp_per_year", "total_cost_gbp_per_year", "demand_contacts_per_year", "served_contacts_per_year"}
    assert set(ROLE_YEAR_MEASURES) - set(ROLE_FIELDS) == {"worked_wte_years", "own_money_gbp_per_year"}


def test_the_plan_command_writes_the_plan_tables_names(plans, tmp_path):
    """`plan`'s own tables (years, mix, care, per role, posts) use the batch's names: one name per quantity everywhere."""
    _, output = plans
    row = read_table(SAMPLE).iloc[0]
    data = planned_base() | {"horizon": 2}
    data["pcn"] = {"name": row["name"], "list_size": int(row["list_size"]), "weighted_population": float(row["weighted_population"])}
    data["estate"] = {**data.get("estate", {}), "room_sessions_per_week": float(row["room_sessions_per_week"])}
    result = make_plan(parse_scenario(data), compare=False)
    for table in (result.years(), result.mix(), result.care(), result.role_years(), result.posts()):
        assert not OLD_NAMES & set(table.columns)
        assert [c for c in measures(table) if not UNIT.fullmatch(c)] == []
    batch_years = pd.read_parquet(output / "plan_pcn_years.parquet")
    assert set(batch_years.columns) - set(result.years().columns) == {"ods_code", "icb", "policy", "fingerprint"}  # the PCN's keys
    assert set(ROLE_YEAR_MEASURES) <= set(result.role_years().columns)


def test_plan_parts_written_under_the_old_names_are_read_under_todays(plans, tmp_path):
    """A plan batch resumed on parts an older version wrote (`wte`, `arrs_claimed_gbp`, `need_contacts`, `cost_gbp`,
    ...): the plan tables come out as a fresh run's, nothing is solved again."""
    fresh, fresh_output = plans
    table = read_table(SAMPLE).head(2)
    run_batch(table, planned_base(), POLICIES[:1], tmp_path, workers=1, formats=("csv", "parquet"), horizon=2)
    old_names = {v: k for k, v in PLAN_RENAMED.items()}
    for kind in ("years", "roleyears"):
        for path in role_parts(tmp_path, kind).values():
            part = pq.read_table(path)
            old = part.rename_columns([old_names.get(c, c) for c in part.column_names])
            assert {"wte", "care_value"} <= set(old.column_names) if kind == "years" else {"wte_years_worked", "cost_gbp"} <= set(old.column_names)
            pq.write_table(old, path)
    resumed = run_batch(table, planned_base(), POLICIES[:1], tmp_path, workers=1, formats=("csv", "parquet"), horizon=2)
    assert (resumed.ran, resumed.skipped) == (0, 2)
    for name in ("plan_national", "plan_by_icb", "plan_national_by_role", "plan_pcn_years", "plan_pcn_roles"):
        got, expected = pd.read_parquet(tmp_path / f"{name}.parquet"), pd.read_parquet(fresh_output / f"{name}.parquet")
        pd.testing.assert_frame_equal(got, expected, check_exact=False, atol=1e-9)
