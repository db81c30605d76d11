"""Text given to a numeric option: one sentence naming the option, the value given and what is allowed, exit code 2,
in the words the out-of-range sentence uses (`terminal.within`, the one place every int and float option goes through)."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimiser.cli import app

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "plan-rural-2025-26.yaml"
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"


def typed_options() -> list[tuple[str, str, type]]:
    """Every (command, option, the type its value is read as) the CLI has: the commands' signatures give the type,
    click the option's name."""
    import typer.main

    commands = typer.main.get_group(app).commands
    found = []
    for info in app.registered_commands:
        command = info.name or info.callback.__name__
        options = {p.name: p.opts[0] for p in commands[command].params if p.param_type_name == "option"}
        for name, hint in typing.get_type_hints(info.callback).items():
            kinds = [k for k in typing.get_args(hint) if k is not type(None)] or [hint]
            if name in options:
                found.append((command, options[name], kinds[0]))
    return found


def number_options() -> list[tuple[str, str, type]]:
    """Every (command, option, int or float) the CLI has."""
    return [(command, option, kind) for command, option, kind in typed_options() if kind in (int, float)]


def test_the_number_options_are_found():
    """The walk over the signatures finds the options a user meets, so the test below cannot pass on an empty list."""
    found = {(command, option) for command, option, _ in number_options()}
    assert {("plan", "--horizon"), ("plan", "--time-limit"), ("solve", "--time-limit"), ("batch", "--workers"),
            ("batch", "--dask-local"), ("batch", "--chunk-size"), ("batch", "--horizon"), ("national", "--pcns"),
            ("national", "--seed"), ("national", "--sample"), ("catalogue", "--salary")} <= found


@pytest.mark.parametrize(("command", "option", "kind"), number_options())
@pytest.mark.parametrize("text", ["abc", "", "nan"])
def test_every_number_option_of_every_command_refuses_text_in_one_sentence(command, option, kind, text, tmp_path):
    """Each command's required arguments are given (a file that need not exist: the option is read first)."""
    import typer.main

    params = typer.main.get_group(app).commands[command].params
    required = [p for p in params if p.required]
    args = [command, option, text]
    for param in required:
        value = str(tmp_path / "x")
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    done = CliRunner().invoke(app, args)
    whole = "whole " if kind is int else ""
    assert done.exit_code == 2, done.output
    line = done.output.strip()
    assert line.startswith(f"Error: {option} {text!r} is not a {whole}number: "), line
    assert "\n" not in line and "Traceback" not in done.output and not list(tmp_path.iterdir())


@pytest.mark.parametrize(("args", "sentence"), [
    (["plan", str(PLAN), "--horizon", "abc"], "--horizon 'abc' is not a whole number: a plan looks 1 to 15 years ahead"),
    (["plan", str(PLAN), "--horizon", "2.5"], "--horizon '2.5' is not a whole number: a plan looks 1 to 15 years ahead"),
    (["batch", str(SAMPLE), "--base", str(BASE), "--output", "OUT", "--workers", "x"],
     "--workers 'x' is not a whole number: give 1 worker or more (this process included)"),
    (["batch", str(SAMPLE), "--base", str(BASE), "--output", "OUT", "--horizon", "five"],
     "--horizon 'five' is not a whole number: a plan looks 1 to 15 years ahead"),
    (["solve", str(PLAN), "--time-limit", "soon"], "--time-limit 'soon' is not a number: give the solver at least 0.01 seconds per stage"),
    (["catalogue", "--salary", "lots"], "--salary 'lots' is not a number: give a salary in £ a year above 0, e.g. --salary 58000"),
    (["catalogue", "--salary", "0"], "--salary 0 is out of range: give a salary in £ a year above 0, e.g. --salary 58000"),
    (["national", "OUT.csv", "--seed", "-1"], "--seed -1 is out of range: give 0 or more, e.g. --seed 2025"),
])
def test_a_word_where_a_number_belongs_is_one_sentence_on_stderr(args, sentence, tmp_path):
    """As a user runs it: a separate process, the sentence alone on stderr, nothing on stdout, nothing written."""
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    done = subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"Error: {sentence}"
    assert not list(tmp_path.iterdir())


def test_a_number_in_range_still_runs():
    """The parser gives the option its number: a whole-number horizon and a decimal time limit plan as before."""
    done = CliRunner().invoke(app, ["plan", str(PLAN), "--horizon", "4", "--time-limit", "30.5", "--no-compare", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["summary"]["horizon_years"] == 4


def word_options() -> list[tuple[str, str, list[str]]]:
    """Every (command, option, allowed values) of the CLI whose option takes one word of a list (an Enum)."""
    import enum

    return [(command, option, [m.value for m in kind]) for command, option, kind in typed_options()
            if isinstance(kind, type) and issubclass(kind, enum.Enum)]


def test_the_word_options_are_found():
    found = {(command, option) for command, option, _ in word_options()}
    assert {("plan", "--mode"), ("plan", "--format"), ("solve", "--format"), ("solve", "--solver")} <= found


@pytest.mark.parametrize(("command", "option", "allowed"), word_options())
def test_every_word_option_refuses_other_words_in_one_sentence(command, option, allowed, tmp_path):
    """`plan --mode best` was typer's boxed "Value error, 'best' is not one of …": now the option, the value and the
    values allowed in one line, exit code 2, as for a number."""
    import typer.main

    params = typer.main.get_group(app).commands[command].params
    args = [command, option, "best"]
    for param in (p for p in params if p.required):
        args += [str(tmp_path / "x")] if param.param_type_name == "argument" else [param.opts[0], str(tmp_path / "x")]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 2, done.output
    words = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
    assert done.output.strip() == f"Error: {option} 'best' is not one of its values: give {words}"


def test_a_word_option_given_rightly_still_runs():
    done = CliRunner().invoke(app, ["plan", str(PLAN), "--horizon", "4", "--mode", "robust", "--no-compare", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["summary"]["mode"] == "robust"
