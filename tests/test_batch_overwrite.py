"""`batch --overwrite`: start again from nothing, removing only what a batch writes in its folder; without it a rerun
resumes, and its closing line says so and names --overwrite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from optimiser.batch import load_base, read_table, run_batch
from optimiser.batch.finish import written_files
from optimiser.england_batch import FILES as ENGLAND_FILES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"


@pytest.fixture()
def three(tmp_path) -> Path:
    path = tmp_path / "three.csv"
    pd.read_csv(SAMPLE, dtype=str).head(3).to_csv(path, index=False)
    return path


def batch(table: Path, output: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "optimiser", "batch", str(table), "--base", str(BASE), "--output", str(output),
               "--workers", "1", "--no-progress", *options]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


def summary_parts(output: Path) -> set[str]:
    return {p.name for p in (output / "parts").glob("summary-*.parquet")}


def test_a_rerun_resumes_and_says_how_to_start_again_and_overwrite_starts_again(three, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n")
    (out / "pcn_summary_checked.csv").write_text("mine\n")  # a name like the batch's own, but not one it writes
    first = batch(three, out)
    assert first.returncode == 0, first.stderr
    assert "3 solved now, 0 already done;" in first.stdout and "--overwrite" not in first.stdout
    parts = summary_parts(out)
    assert len(parts) == 1

    resumed = batch(three, out)
    said = " ".join(resumed.stdout.split())
    assert resumed.returncode == 0, resumed.stderr
    assert f"0 solved now, 3 already done by an earlier run into {out} (add --overwrite to start again);" in said
    assert summary_parts(out) == parts

    again = batch(three, out, "--overwrite")
    assert again.returncode == 0, again.stderr
    assert "3 solved now, 0 already done;" in again.stdout and "--overwrite" not in again.stdout
    assert len(summary_parts(out)) == 1 and summary_parts(out).isdisjoint(parts)  # the earlier run's part is gone
    assert (out / "notes.txt").read_text() == "my notes\n" and (out / "pcn_summary_checked.csv").read_text() == "mine\n"
    assert len(pd.read_csv(out / "pcn_summary.csv")) == 3


def test_overwrite_removes_only_what_a_batch_writes(tmp_path):
    """A one-year run writes nothing but its parts and the files named in `finish.TABLES` and the workbook; the
    England files and stale tables of another kind of run (a plan's) are removed too, the user's files are not."""
    table = read_table(SAMPLE).head(2)
    base = load_base(BASE)
    first = run_batch(table, base, ["as-published"], tmp_path, workers=1)
    written = {p.name for p in tmp_path.iterdir()} - {"parts"}
    assert written <= set(written_files()) and {f.name for f in first.files} == written
    for name in ("plan_pcn_years.csv", "policy_by_icb.png", "by_region.parquet"):
        (tmp_path / name).write_text("from an earlier run\n")
    (tmp_path / "parts" / "summary-old-user.txt").write_text("inside the parts folder: the batch's\n")
    (tmp_path / "my-analysis.xlsx").write_text("mine\n")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "pcn_summary.csv").write_text("mine\n")

    again = run_batch(table, base, ["as-published"], tmp_path, workers=1, overwrite=True, written_beside=ENGLAND_FILES)
    assert (again.ran, again.skipped) == (2, 0)
    left = {p.name for p in tmp_path.iterdir()}
    assert {"plan_pcn_years.csv", "policy_by_icb.png", "by_region.parquet"}.isdisjoint(left)
    assert not (tmp_path / "parts" / "summary-old-user.txt").exists()
    assert (tmp_path / "my-analysis.xlsx").read_text() == "mine\n" and (tmp_path / "mine" / "pcn_summary.csv").read_text() == "mine\n"


def test_overwrite_with_bad_input_keeps_the_earlier_results(three, tmp_path):
    """Nothing is removed until the input is known to be usable: a mistyped base must not cost the last run."""
    out = tmp_path / "out"
    assert batch(three, out).returncode == 0
    before = sorted(p.name for p in out.rglob("*"))
    command = [sys.executable, "-m", "optimiser", "batch", str(three), "--base", str(tmp_path / "no-such-base.yaml"),
               "--output", str(out), "--overwrite", "--no-progress"]
    refused = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert sorted(p.name for p in out.rglob("*")) == before
