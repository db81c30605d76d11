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
    assert error.value.problems == ["estate.room_sessions_per_week: required but missing"]


def test_a_bound_is_written_as_the_user_would_write_it():
    text = RURAL.read_text().replace("clinical_pharmacist: {in_post_wte: 2}", "clinical_pharmacist: {in_post_wte: -2}")
    with pytest.raises(ScenarioError) as error:
        scenario_from_text(text, "rural.yaml")
    assert str(error.value) == "rural.yaml: roles.clinical_pharmacist.in_post_wte = -2: must be a number ≥ 0"


def test_check_without_a_plan_names_the_file_and_shows_the_format():
    done = run("check", str(RURAL))
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert message.startswith(f"Error: {RURAL}: plan: the scenario has no plan to check")
    assert "plan: {clinical_pharmacist: 3, care_coordinator: 2}" in message and "Traceback" not in message


def test_a_salary_that_is_not_positive_is_refused():
    done = run("catalogue", "--salary", "-5")
    assert done.returncode == 2 and done.stdout == ""
    assert "--salary -5: give a salary in £ a year above 0" in " ".join(done.stderr.split())


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
