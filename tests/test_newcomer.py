"""What a new user meets first: the README's command table, and the sentences bad input gets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from optimiser.errors import ScenarioError
from optimiser.scenario_io import scenario_from_text
from tests.test_cli import ROOT, run

RURAL = ROOT / "scenarios" / "rural-2026-27.yaml"


def test_the_readme_command_table_names_every_command_and_option():
    """Every command the CLI has is a row of the README's table, and every option of solve and plan is in its row."""
    import typer.main

    from optimiser.cli import app

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("Other commands:"):readme.index("Exit codes:")]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z]+)( [^`]*)?` \|.*$", table, re.MULTILINE)}
    group = typer.main.get_group(app)
    assert set(group.commands) <= set(rows), f"not in the README's command table: {set(group.commands) - set(rows)}"
    for name in ("solve", "plan", "new", "national"):
        options = [param.opts + param.secondary_opts for param in group.commands[name].params if param.opts[0].startswith("-")]
        missing = [opts[0] for opts in options if not any(re.search(rf"{opt}\b", rows[name]) for opt in opts)]
        assert not missing, f"{name}: {missing} not in the README's row"


def test_a_misspelt_key_is_one_problem_not_also_a_missing_one():
    text = RURAL.read_text().replace("room_sessions_per_week: 90", "room_session_per_week: 90")
    with pytest.raises(ScenarioError) as error:
        scenario_from_text(text, "rural.yaml")
    assert error.value.problems == ["estate.room_session_per_week: unknown key; did you mean 'room_sessions_per_week'?"]


def test_a_key_left_out_is_still_reported_missing():
    text = RURAL.read_text().replace("  room_sessions_per_week: 90\n", "  rentable_sessions_per_week: 4\n")
    with pytest.raises(ScenarioError) as error:
        scenario_from_text(text, "rural.yaml")
    assert error.value.problems == ["estate.room_sessions_per_week is required: give a number of sessions a week, 0 or more"]


def test_a_bound_is_written_as_the_user_would_write_it():
    text = RURAL.read_text().replace("clinical_pharmacist: {in_post_wte: 2}", "clinical_pharmacist: {in_post_wte: -2}")
    with pytest.raises(ScenarioError) as error:
        scenario_from_text(text, "rural.yaml")
    assert str(error.value) == "rural.yaml: roles.clinical_pharmacist.in_post_wte is -2 WTE; give 0 to 500"


def test_check_without_a_plan_names_the_file_and_shows_the_format():
    done = run("check", str(RURAL))
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert message.startswith(f"Error: {RURAL}: plan: the scenario has no plan to check")
    assert "plan: {clinical_pharmacist: 3, care_coordinator: 2}" in message and "Traceback" not in message


def test_a_salary_that_is_not_positive_is_refused():
    done = run("catalogue", "--salary", "-5")
    assert done.returncode == 2 and done.stdout == ""
    assert "--salary -5 is out of range: give a salary in £ a year above 0" in " ".join(done.stderr.split())


def test_an_existing_file_says_which_option_replaces_it_once(tmp_path):
    path = tmp_path / "pcn.yaml"
    path.write_text("kept\n")
    done = run("new", "--pcn", "U00070", str(path))
    assert done.returncode == 2 and path.read_text() == "kept\n"
    message = " ".join(done.stderr.split())
    assert message == f"Error: {path} already exists; choose another name or add --overwrite to replace it"


def test_a_board_report_does_not_swallow_the_json(tmp_path):
    done = run("solve", str(RURAL), "--format", "json", "--report", str(tmp_path / "board.pdf"), "--no-what-if")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["pcn"] == "Hillside Rural PCN (example)"
    assert Path(tmp_path / "board.pdf").stat().st_size > 0


def _words(name: str, gain: float):
    from optimiser import constraints

    return constraints.Words(name=name, label="x", limit=2.0, gain=gain, more="add about 0.0 points of care score",
                             money="£10,000", amount=lambda v: f"{v:,.1f} points of care score", worth_saying=abs(gain) >= 0.05)


@pytest.mark.parametrize(("family", "name", "start"), [
    ("clinical_rooms", "", "Clinical rooms are full, but more would add no care"),
    ("desk_space", "", "Desks are full, but more would add no care"),
    ("supervision", "senior pharmacist supervision", "Senior pharmacist supervision is fully used, but more would add no care"),
    ("arrs_budget", "ARRS sum", "The ARRS sum is fully claimed, but more would add no care"),
    ("role_cap", "Enhanced practice nurse", "The cap on enhanced practice nurse is reached, but more would add no care"),
])
def test_a_limit_that_binds_without_effect_is_said_in_plain_words(family, name, start):
    from optimiser import constraints

    assert constraints.binding_sentence(family, family, _words(name, 0.0), no_gain=True).startswith(start)


def test_keeping_staff_in_post_at_no_measurable_cost_does_not_say_0_0_points():
    from optimiser import constraints

    small = constraints.binding_sentence("in_post_floor", "in_post_floor", _words("Paramedic", -0.01), no_gain=True)
    assert small == "Paramedic: the staff in post (2 WTE) are kept; the money they take would add no measurable care in other roles."
    large = constraints.binding_sentence("in_post_floor", "in_post_floor", _words("Paramedic", -0.3), no_gain=False)
    assert "(in other roles it would add at most 0.6 points of care score)" in large  # 0.3 a WTE × the 2 WTE kept


def _section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return [line for line in lines[start:end] if re.search(r"\d\s*$", line)]


def test_compare_and_check_show_every_change_with_its_sign(tmp_path):
    """A change column reads as the headline's does: +4.00 or -0.68, and a plain 0.00 for none."""
    done = run("compare", str(RURAL), str(ROOT / "scenarios" / "urban-deprived-2026-27.yaml"))
    assert done.returncode == 0, done.stderr
    plan = tmp_path / "plan.yaml"
    plan.write_text(RURAL.read_text() + "plan: {clinical_pharmacist: 3, care_coordinator: 2}\n")
    checked = run("check", str(plan))
    assert checked.returncode == 0, checked.stderr
    rows = [*_section(done.stdout, "Staffing mix"), *_section(done.stdout, "Contacts served"),
            *_section(checked.stdout, "Staff: the plan and the best mix")]
    assert len(rows) > 10
    for row in rows:
        change = row.split()[-1]
        assert change[0] in "+-" or float(change.replace(",", "")) == 0, row


def test_the_plans_uncertainty_lines_name_the_plan_they_compare_with():
    done = run("plan", str(ROOT / "scenarios" / "plan-rural-2025-26.yaml"))
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "single-forecast" not in text  # a manager's words: the plan made for one future alone
    assert "(%)" in done.stdout  # the year table's need met, a share, says so in its heading
    for line in done.stdout.splitlines():
        if line.startswith("  if '"):
            assert "against the plan made for '" in line and line.rstrip().endswith("alone"), line


def test_the_catalogue_never_splits_a_word_of_a_role_name():
    from optimiser.catalogue import load_catalogue

    done = run("catalogue", "--year", "2026/27")
    assert done.returncode == 0, done.stderr
    tokens = set(done.stdout.split())
    words = {word for name in load_catalogue("2026/27").roles["role_name"] for word in name.split()}
    assert words <= tokens, sorted(words - tokens)


def test_compare_names_the_weighting_of_its_weighted_contacts():
    done = run("compare", str(RURAL), str(RURAL))
    assert done.returncode == 0, done.stderr
    assert "Priority-weighted contacts (/yr)" in done.stdout


def test_role_names_inside_a_sentence_read_as_words_with_acronyms_kept():
    """The large example recruits roles it sets no limit for, among them a GP role named with CCT."""
    from optimiser.pipeline import optimise
    from optimiser.scenario_io import load_scenario

    notes = optimise(load_scenario(ROOT / "scenarios" / "large-2024-25.yaml")).notes()
    unlimited = next(note for note in notes if note.startswith("No recruitment limit was set for "))
    assert "clinical pharmacist" in unlimited and "Clinical pharmacist" not in unlimited
    assert "general practitioner (within 2 years of CCT)" in unlimited


@pytest.mark.parametrize(("args", "sentence"), [
    (["plan", "PLAN", "--horizon", "20"], "--horizon 20 is out of range: a plan looks 1 to 15 years ahead"),
    (["plan", "PLAN", "--horizon", "0"], "--horizon 0 is out of range: a plan looks 1 to 15 years ahead"),
    (["batch", "england", "--base", "PLAN", "--output", "OUT", "--horizon", "16"],
     "--horizon 16 is out of range: a plan looks 1 to 15 years ahead"),
    (["plan", "PLAN", "--time-limit", "0"], "--time-limit 0 is out of range: give the solver at least 0.01 seconds per stage"),
    (["solve", "PLAN", "--time-limit", "0.001"], "--time-limit 0.001 is out of range: give the solver at least 0.01 seconds per stage"),
    (["batch", "england", "--base", "PLAN", "--output", "OUT", "--workers", "0"], "--workers 0 is out of range: give 1 worker or more (this process included)"),
    (["batch", "england", "--base", "PLAN", "--output", "OUT", "--dask-local", "0"], "--dask-local 0 is out of range: give 1 worker process or more"),
    (["batch", "england", "--base", "PLAN", "--output", "OUT", "--chunk-size", "0"],
     "--chunk-size 0 is out of range: a chunk holds 1 PCN × policy task or more"),
    (["national", "OUT.csv", "--pcns", "0"], "--pcns 0 is out of range: give 1 to 1,000,000 PCNs"),
    (["national", "OUT.csv", "--pcns", "1000001"], "--pcns 1000001 is out of range: give 1 to 1,000,000 PCNs"),
    (["national", "OUT.csv", "--sample", "0"], "--sample 0 is out of range: keep 1 PCN or more"),
])
def test_a_number_out_of_range_is_one_sentence_naming_the_value_and_what_is_allowed(args, sentence, tmp_path):
    from typer.testing import CliRunner

    from optimiser.cli import app

    plan = str(ROOT / "scenarios" / "plan-rural-2025-26.yaml")
    args = [a.replace("PLAN", plan).replace("OUT", str(tmp_path / "out")) for a in args]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert done.output.strip() == f"Error: {sentence}"
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(("options", "sentence"), [
    (["--workers", "2", "--dask-local", "2"], "--workers 2 applies to local worker processes; with --dask-local the Dask "
                                              "cluster's workers solve: give one or the other"),
    (["--workers", "1", "--scheduler", "tcp://127.0.0.1:8786"], "--workers 1 applies to local worker processes; with "
                                                               "--scheduler the Dask cluster's workers solve: give one or the other"),
])
def test_workers_with_a_dask_cluster_is_refused_not_ignored(options, sentence, tmp_path):
    """--workers counts local solving processes; a Dask cluster has its own workers, so the two together are a mistake."""
    from typer.testing import CliRunner

    from optimiser.cli import app

    done = CliRunner().invoke(app, ["batch", "england", "--base", str(ROOT / "scenarios" / "england" / "base-2026-27.yaml"),
                                    "--output", str(tmp_path / "out"), *options])
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert " ".join(done.output.split()) == f"Error: {sentence}"
    assert not (tmp_path / "out").exists()


def test_no_option_leaves_its_range_to_typer():
    """typer's `min=`/`max=` refusal ("Input should be less than or equal to 15") names neither the value nor what the
    number is for: every ranged option checks itself with `terminal.within` instead."""
    import typer.main

    from optimiser.cli import app

    ranged = [f"{name} {param.opts[0]}" for name, command in typer.main.get_group(app).commands.items()
              for param in command.params if getattr(param, "min", None) is not None or getattr(param, "max", None) is not None]
    assert ranged == []


BENCHMARK = ROOT / "benchmarks" / "batch_benchmark.py"


def test_the_batch_benchmark_help_gives_its_defaults_and_what_quick_sets():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(BENCHMARK), "--help"], capture_output=True, text=True, check=True, cwd=ROOT)
    text = " ".join(done.stdout.split())
    assert "one worker per core: this process and cpu_count − 1 worker processes" in text
    assert "(default: 1250)" in text and "(default: 1250 12500; none: skip)" in text and "(default: 12500; 0: skip)" in text
    assert "sets --pcns 60, --naive-sample 5, --memory-sizes 60 600, --scale-pcns 600" in text


def test_the_batch_benchmark_ratio_lines_put_their_equals_signs_in_one_column():
    """Labels of different lengths (the 12,500-PCN line is the longest) are padded to one width."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("batch_benchmark", BENCHMARK)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    lines = benchmark.ratio_lines([("worker time per PCN / cold HiGHS per PCN", "1.27×", "(≤ 1.3×)"),
                                   ("naive loop / our batch (2 workers)", "31.5×", "(≥ 10×)"),
                                   ("1 worker / 2 workers on 12,500 PCNs", "1.89×", "(41.9 s ÷ 22.1 s)")])
    assert len({line.index("=") for line in lines}) == 1
    assert len({line.index("×") for line in lines}) == 1
    assert lines[2].startswith("  1 worker / 2 workers on 12,500 PCNs") and lines[2].rstrip().endswith("(41.9 s ÷ 22.1 s)")


@pytest.mark.parametrize("policies", [["as-published"], ["as-published", "rooms+10%"]], ids=["one policy", "two policies"])
def test_batch_england_mentions_the_icb_chart_only_when_it_wrote_one(policies, tmp_path, monkeypatch):
    """The chart compares policies, so one policy has none. The first 12 real PCNs stand in for all 1,297 (the same
    table, columns and outputs; only faster)."""
    from typer.testing import CliRunner

    from optimiser import england_batch
    from optimiser.cli import app

    whole = england_batch.batch_table
    monkeypatch.setattr(england_batch, "batch_table", lambda year=None: whole(year).head(12))
    output = tmp_path / "out"
    args = ["batch", "england", "--base", str(ROOT / "scenarios" / "england" / "base-2026-27.yaml"), "--output", str(output),
            "--workers", "1", "--no-progress", *(a for p in policies for a in ("--policy", p))]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert "by region, care closer to home" in text
    chart = output / "policy_by_icb.png"
    if len(policies) == 1:
        assert not chart.exists() and "chart" not in text and "policy_by_icb.png" not in text
    else:
        assert chart.read_bytes().startswith(b"\x89PNG") and "ICB chart" in text and "policy_by_icb.png" in text
