"""Files an attacker or a careless user might give: each ends in one clear sentence, quickly and in little memory.

The slow or dangerous ones run in a child process that reports its own CPU time and peak memory, so a
regression fails the test (or its timeout) instead of taking the test run down with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from optimiser.errors import ScenarioError
from optimiser.scenario_io import load_scenario, read_scenario_data, scenario_from_text
from optimiser.scenario_yaml import MAX_YAML_DEPTH

ROOT = Path(__file__).resolve().parents[1]
SECONDS, MEGABYTES = 2.0, 200
BASE = 'year: "2025/26"\nestate: {room_sessions_per_week: 10}\n'


def alias_bomb() -> str:
    """592-ish bytes: x8 is ten x7s, each ten x6s … down to ten strings: 10^9 strings once expanded."""
    lines = ["defs:", "  - &x0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"  - &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\npcn: {name: *x8, list_size: 1, weighted_population: 1}\n" + BASE


def deep_nesting() -> str:
    depth = 50_000  # 100 KB
    return "a: " + "[" * depth + "]" * depth + "\n"


MEASURE = textwrap.dedent("""
    import runpy, sys, time
    start = time.process_time()
    try:
        sys.argv = ["arrs-optimiser", *sys.argv[1:]]
        runpy.run_module("optimiser", run_name="__main__")
    finally:
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the forking test process
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        peak = int(status["VmHWM"].split()[0]) / 1024
        print(f"MEASURED {time.process_time() - start:.3f} s {peak:.0f} MB", file=sys.stderr)
""")


WITHOUT_ROOT_READ = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]
"""Root reads any file; without these two capabilities it obeys file permissions like everyone else."""


def measured_cli(*args: str, timeout: float = 60, as_ordinary_user: bool = False) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run the CLI in a child; return it, its CPU seconds and its peak resident memory in MB.

    CPU time, not wall time, so other work on a shared machine does not fail the test; a hang (the FIFO)
    uses no CPU, so the child's wall-clock timeout catches that.
    """
    prefix = WITHOUT_ROOT_READ if as_ordinary_user and os.geteuid() == 0 else []
    done = subprocess.run([*prefix, sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = next(line for line in done.stderr.splitlines() if line.startswith("MEASURED"))
    _, seconds, _, megabytes, _ = line.split()
    return done, float(seconds), float(megabytes)


def assert_one_sentence(done: subprocess.CompletedProcess, *expected: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for text in expected:
        assert text in done.stderr


def test_alias_bomb_is_refused_in_milliseconds_not_gigabytes(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    assert path.stat().st_size < 700
    done, seconds, megabytes = measured_cli("validate", str(path))
    assert_one_sentence(done, "expands to more than 100,000 values")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)


def test_an_alias_bomb_inside_a_known_field_never_reaches_repr():
    """The original failure: the error message repr()'d the expanded value. A smaller bomb under the limit shows a short value."""
    text = "defs: [&x0 [a, a, a, a, a, a, a, a, a, a], &x1 [*x0, *x0, *x0, *x0, *x0, *x0, *x0, *x0, *x0, *x0]]\n"
    text += "pcn: {name: *x1, list_size: 1, weighted_population: 1}\n" + BASE
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text, "small-bomb.yaml")
    message = str(raised.value)
    assert "pcn.name = [['a', 'a', 'a', 'a', ...]" in message
    assert len(message) < 600


def test_deep_nesting_is_a_sentence_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(deep_nesting())
    assert path.stat().st_size >= 100_000
    done, seconds, megabytes = measured_cli("validate", str(path))
    assert_one_sentence(done, f"nests deeper than {MAX_YAML_DEPTH} levels")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)
    solved = subprocess.run([sys.executable, "-m", "optimiser", "solve", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert solved.returncode == 2 and "RecursionError" not in solved.stderr  # it used to exit 1, "infeasible"


def test_dev_zero_is_refused_without_reading_it():
    done, seconds, megabytes = measured_cli("validate", "/dev/zero", timeout=30)
    assert_one_sentence(done, "/dev/zero", "is a device, not a scenario file")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done, seconds, megabytes = measured_cli("validate", str(fifo), timeout=30)
    assert_one_sentence(done, "is a named pipe (FIFO), not a scenario file")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="as root, needs setpriv to drop the read-anything capability")
def test_a_file_in_an_unreadable_folder_is_a_sentence(tmp_path):
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "s.yaml").write_text((ROOT / "scenarios" / "large-2024-25.yaml").read_text())
    folder.chmod(0o000)
    try:
        for command in (["validate", str(folder / "s.yaml")], ["compare", str(folder / "s.yaml"), str(folder / "s.yaml")]):
            done, _, _ = measured_cli(*command, as_ordinary_user=True)
            assert_one_sentence(done, "s.yaml", "permission denied")
    finally:
        folder.chmod(0o755)


def test_a_growing_file_is_read_only_up_to_the_limit(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("a: " + "x" * 1_100_000)
    with pytest.raises(ScenarioError, match="larger than 1,000 kB"):
        read_scenario_data(path)


def test_an_alias_that_contains_itself_is_a_sentence():
    with pytest.raises(ScenarioError, match="refers to a value that contains it"):
        scenario_from_text("pcn: &a {name: x, list_size: 1, weighted_population: 1, more: [*a]}\n" + BASE)


def test_merge_keys_are_accepted_and_explicit_keys_win():
    text = BASE + textwrap.dedent("""\
        pcn: {name: Merge PCN, list_size: 30000, weighted_population: 30000}
        roles:
          clinical_pharmacist: &cp {in_post_wte: 2, max_new_wte: 3}
          paramedic:
            <<: *cp
            in_post_wte: 1
        """)
    scenario = scenario_from_text(text)
    assert scenario.roles["paramedic"].in_post_wte == 1
    assert scenario.roles["paramedic"].max_new_wte == 3
    assert scenario.roles["clinical_pharmacist"].in_post_wte == 2


def test_duplicate_keys_are_still_refused_beside_a_merge_key():
    text = BASE + textwrap.dedent("""\
        pcn: {name: Merge PCN, list_size: 30000, weighted_population: 30000}
        roles:
          clinical_pharmacist: &cp {in_post_wte: 2}
          paramedic: {<<: *cp, in_post_wte: 1, in_post_wte: 2}
        """)
    with pytest.raises(ScenarioError, match="key 'in_post_wte' is given twice"):
        scenario_from_text(text)


def test_twenty_thousand_unknown_roles_give_a_short_message(tmp_path):
    roles = "\n".join(f"  role_{i}: {{in_post_wte: 1}}" for i in range(20_000))
    path = tmp_path / "many.yaml"
    path.write_text("pcn: {name: x, list_size: 30000, weighted_population: 30000}\n" + BASE + f"roles:\n{roles}\n")
    done, seconds, _ = measured_cli("validate", str(path))
    assert_one_sentence(done, "20,000 problems", "… and 19,990 more")
    assert len(done.stderr) < 8_000 and done.stderr.count("\n") < 20
    assert seconds < 10, seconds  # was 69 s in the app


def test_a_misspelled_role_is_reported_with_the_estate_errors():
    """One round: before, pydantic skipped the names check while any field was invalid."""
    text = ("pcn: {name: x, list_size: 30000, weighted_population: 30000}\nyear: '2025/26'\n"
            "estate: {room_sessions_per_week: -1}\nroles: {clinical_pharmacst: {in_post_wte: 1}}\n")
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text)
    problems = raised.value.problems
    assert any("estate.room_sessions_per_week is -1 sessions a week" in p for p in problems)
    assert any("'clinical_pharmacst' is not a role" in p and "did you mean 'clinical_pharmacist'?" in p for p in problems)


def test_load_scenario_still_names_missing_files_and_folders(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


BATCH_BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"


def measured_batch(table: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    return measured_cli("batch", str(table), "--base", str(BATCH_BASE), "--output", str(tmp_path / "out"), timeout=30)


def test_a_fifo_batch_table_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pcns.csv"
    os.mkfifo(fifo)
    done, seconds, megabytes = measured_batch(fifo, tmp_path)
    assert_one_sentence(done, "pcns.csv: is a named pipe (FIFO), not a table file; give a .csv, .parquet or .xlsx file")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)
    assert not (tmp_path / "out").exists()


def test_a_batch_table_larger_than_any_pcn_table_is_refused_before_it_is_read(tmp_path):
    """300 MB (sparse: it takes no disk) used to be read whole, taking a gigabyte of memory, before the columns were checked."""
    table = tmp_path / "pcns.csv"
    with open(table, "wb") as handle:
        handle.truncate(300_000_000)
    done, seconds, megabytes = measured_batch(table, tmp_path)
    assert_one_sentence(done, "pcns.csv: the file holds 300 MB, more than a PCN table ever needs (at most 200 MB")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)


def test_an_excel_table_that_unpacks_to_more_than_any_pcn_table_is_refused(tmp_path):
    import zipfile

    table = tmp_path / "pcns.xlsx"
    with zipfile.ZipFile(table, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<c/>" * 52_000_000)
    assert table.stat().st_size < 2_000_000
    done, seconds, megabytes = measured_batch(table, tmp_path)
    assert_one_sentence(done, "pcns.xlsx: the file holds 208 MB unpacked, more than a PCN table ever needs")
    assert seconds < SECONDS and megabytes < MEGABYTES, (seconds, megabytes)


def test_a_parquet_table_is_measured_unpacked(tmp_path, monkeypatch):
    import pandas as pd

    from optimiser import tables

    table = tmp_path / "pcns.parquet"
    pd.DataFrame({"ods_code": [f"U{i:05d}" for i in range(2_000)], "list_size": range(2_000)}).to_parquet(table)
    assert len(tables.read_table(table)) == 2_000
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", table.stat().st_size)  # the file fits; unpacked, it does not
    with pytest.raises(ValueError, match=r"MB unpacked, more than a PCN table ever needs"):
        tables.read_table(table)
