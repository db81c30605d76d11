"""The CLI under hostile conditions: full and read-only disks, bad paths, Ctrl-C, a narrow terminal, noise in compare.

Disk-full and read-only file systems are real: a small tmpfs in a private mount namespace (root only, so these
skip elsewhere). Nothing is mocked.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from optimiser import comparison, constraints
from optimiser.pipeline import optimise
from optimiser.scenario_io import load_scenario, save_scenario

ROOT = Path(__file__).resolve().parents[1]
LARGE = ROOT / "scenarios" / "large-2024-25.yaml"
RESULT_FILES = {"summary.csv", "mix.csv", "money.csv", "care.csv", "care_by_role.csv", "binding_constraints.csv", "supervision.csv"}
can_mount = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare for a private tmpfs")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, **(env or {})})


def in_small_tmpfs(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """Run a shell script with $D a fresh 8 kB tmpfs (two pages) visible only to that script."""
    disk = tmp_path / "disk"
    disk.mkdir()
    wrapped = f"set -u; D={disk}; PY={sys.executable}; mount -t tmpfs -o size=8k none $D || exit 99; cd {ROOT}; {script}"
    done = subprocess.run(["unshare", "-m", "sh", "-c", wrapped], capture_output=True, text=True, timeout=300)
    if done.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr}")
    return done


def one_sentence(stderr: str) -> None:
    assert "Traceback" not in stderr and "[Errno" not in stderr, stderr


@can_mount
def test_disk_full_names_the_file_and_leaves_no_partial_set_so_a_retry_works(tmp_path):
    done = in_small_tmpfs(tmp_path, f"""
        $PY -m optimiser solve {LARGE} --no-what-if --output $D/out; echo "FIRST=$?"
        echo "LEFT=$(ls -A $D/out 2>/dev/null | tr '\\n' ' ')"
        mount -o remount,size=1m $D
        $PY -m optimiser solve {LARGE} --no-what-if --output $D/out; echo "SECOND=$?"
        echo "AFTER=$(ls -A $D/out | tr '\\n' ' ')"
    """)
    out = done.stdout
    assert "FIRST=2" in out, done.stderr
    assert "disk is full" in done.stderr and "could not write" in done.stderr
    assert any(f"{name}" in done.stderr for name in RESULT_FILES)  # the file that did not fit is named
    one_sentence(done.stderr)
    left = out.split("LEFT=")[1].splitlines()[0].split()
    assert left == []  # no partial set, and no hidden temporary folder either
    assert "SECOND=0" in out  # the retry needs no --overwrite
    assert set(out.split("AFTER=")[1].splitlines()[0].split()) == RESULT_FILES


@can_mount
def test_national_onto_a_read_only_file_system_is_a_sentence(tmp_path):
    done = in_small_tmpfs(tmp_path, "mount -o remount,ro $D; $PY -m optimiser national $D/pcns.csv --pcns 20; echo \"CODE=$?\"")
    assert "CODE=2" in done.stdout, done.stderr
    assert "pcns.csv" in done.stderr and "read-only" in done.stderr
    one_sentence(done.stderr)


@can_mount
def test_national_onto_a_full_disk_names_the_file(tmp_path):
    done = in_small_tmpfs(tmp_path, "$PY -m optimiser national $D/pcns.csv --pcns 2000; echo \"CODE=$?\"")
    assert "CODE=2" in done.stdout, done.stderr
    assert "pcns.csv" in done.stderr and "disk is full" in done.stderr
    one_sentence(done.stderr)


def test_output_through_a_file_is_a_sentence(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    done = run("solve", str(LARGE), "--no-what-if", "--output", str(blocker / "results"))
    assert done.returncode == 2
    assert "part of the path is a file, not a folder" in done.stderr
    one_sentence(done.stderr)


def test_existing_files_refuse_the_whole_set_before_writing_any(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "money.csv").write_text("mine")
    done = run("solve", str(LARGE), "--no-what-if", "--output", str(out))
    assert done.returncode == 2 and "money.csv" in done.stderr and "--overwrite" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["money.csv"] and (out / "money.csv").read_text() == "mine"


@pytest.mark.parametrize("ready_after", ["numpy", "optimiser.pipeline"])
def test_ctrl_c_is_one_line_and_exit_130(ready_after):
    """Ctrl-C while the program is importing (numpy is loaded, optimiser.cli is not yet) or running its command
    (the compare command has just loaded optimiser.pipeline to solve).

    Deterministic: the child reports each finished import on stderr (python -X importtime), and the signal goes
    only once it reports `ready_after`, so it can never arrive before the program's own handlers are in place.
    """
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "optimiser", "compare", str(LARGE), str(LARGE)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if line.startswith("import time:") and line.rsplit("|", 1)[-1].strip() == ready_after:
            break
    else:
        pytest.fail(f"the child never reported importing {ready_after}")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    if process.returncode == 0 or (process.returncode == -signal.SIGINT and stdout.strip()):
        pytest.skip("finished before the interrupt arrived (or as Python was exiting, its handlers gone)")
    assert process.returncode == 130, stderr
    assert [line for line in stderr.strip().splitlines() if not line.startswith("import time:")] == [
        "Interrupted; nothing was written."]


def test_a_bad_scheduler_address_is_one_sentence(tmp_path):
    table = tmp_path / "pcns.csv"
    table.write_text("ods_code,pcn_name,list_size,weighted_population,room_sessions_per_week\nU1,A,30000,30000,50\n")
    done = run("batch", str(table), "--base", str(LARGE), "--output", str(tmp_path / "out"), "--scheduler", "not a url")
    assert done.returncode == 2
    assert "--scheduler 'not a url' is not a Dask scheduler address" in done.stderr
    one_sentence(done.stderr)
    assert not (tmp_path / "out").exists()


def in_terminal(columns: int, *args: str) -> str:
    """Run the CLI on a real pseudo-terminal `columns` wide; its screen output without colour codes."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "optimiser", *args], cwd=ROOT, stdin=slave, stdout=slave,
                               stderr=subprocess.DEVNULL, env={**env, "TERM": "xterm", "NO_COLOR": "1"})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=120) == 0
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", b"".join(chunks).decode()).replace("\r\n", "\n")


def test_reports_fold_to_a_100_column_terminal():
    screen = in_terminal(100, "solve", str(LARGE))
    lines = screen.splitlines()
    assert max(map(len, lines)) <= 100
    assert "Staffing mix" in screen and "What limits you" in screen
    mix = optimise(load_scenario(LARGE)).mix()
    for total in mix["total_wte"]:
        assert f"{total:.2f}" in screen  # no number cut short
    for money in mix["arrs_claimed_gbp_per_year"]:
        assert f"{money:,.0f}" in screen
    wide = in_terminal(160, "solve", str(LARGE)).splitlines()
    assert 100 < max(map(len, wide)) <= 160
    assert len(wide) < len(lines)  # the terminal's width is used, not a fixed 180


def test_piped_reports_have_a_fixed_readable_width():
    done = run("solve", str(LARGE))
    assert max(map(len, done.stdout.splitlines())) <= 120


def test_compare_never_flags_rounding_noise_or_shows_minus_zero(tmp_path):
    """B is A with 30p more top-up a year: nothing a manager can see changes, so every change reads 0."""
    scenario = load_scenario(LARGE)
    nudged = scenario.model_copy(deep=True)
    nudged.money.top_up_budget_gbp = scenario.money.top_up_budget_gbp + 0.30
    a, b = save_scenario(scenario, tmp_path / "a.yaml"), save_scenario(nudged, tmp_path / "b.yaml")
    done = run("compare", str(a), str(b))
    assert done.returncode == 0, done.stderr
    assert "-0" not in done.stdout.replace("B − A", "")
    assert "+0" not in done.stdout
    tables = comparison.comparison_tables(optimise(scenario), optimise(nudged))
    for table in tables.values():
        assert set(table["Direction"]) == {"same"}
        assert not comparison.changed_rows(table).any()
        assert all(str(v) != "-0.0" for v in table[comparison.change_column(table)])


def test_ctrl_c_during_a_dask_local_batch_is_one_line(tmp_path):
    """Workers get the Ctrl-C too; they used to log five tracebacks as the scheduler went away."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "optimiser", "batch", str(ROOT / "scenarios" / "national" / "sample-50.csv"),
               "--base", str(ROOT / "scenarios" / "national" / "base-2026-27.yaml"), "--output", str(out), "--dask-local", "2",
               "--no-progress", "--policy", "as-published", "--policy", "no-caps", "--chunk-size", "1"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(list((out / "parts").glob("summary-*.parquet"))) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=90)
    if process.returncode == 4 or process.returncode == 0:
        pytest.skip("the batch finished before the interrupt arrived")
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "Interrupted. Finished PCNs are saved; rerun the same command to resume."]


def test_what_limits_you_leads_with_the_shared_lead_limits():
    path = ROOT / "scenarios" / "urban-deprived-2026-27.yaml"
    done = run("solve", str(path), "--no-what-if")
    assert done.returncode == 0, done.stderr
    panel = " ".join(done.stdout.split("What limits you")[1].replace("│", " ").split())
    lead, rest = optimise(load_scenario(path)).lead_limits()
    assert len(lead) == 3 and len(rest) > 0
    first = [" ".join(s.split()) for s in lead["explanation"]]
    lead = panel.split("Also binding")[0]
    for sentence in first:
        assert sentence in lead
    assert "Also binding, with less effect:" in panel


def test_lead_limits_are_one_per_family_in_the_order_a_pcn_can_act_on():
    """Marginal values of different families are in different units, so the lead is by family order, not size."""
    from optimiser.results import LIMIT_ORDER

    lead, rest = optimise(load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")).lead_limits()
    families = list(lead["family"])
    ranks = [LIMIT_ORDER.index(f) if f in LIMIT_ORDER else len(LIMIT_ORDER) for f in families]
    assert len(set(families)) == len(families) or len(set(families) | set(rest["family"])) < 3
    assert ranks == sorted(ranks)
    assert not any(constraints.family(f).kind == "need" for f in [*families, *rest["family"]])
    for family in families:
        same = rest[rest["family"] == family]["marginal_value"].abs()
        assert (same <= lead[lead["family"] == family]["marginal_value"].abs().max() + 1e-12).all()
