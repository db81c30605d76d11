"""Command line: a thin typer app over the package. Exit codes are stable for scripts (see optimiser.errors):

0 success · 1 infeasible scenario, or `check`: the plan breaks a rule (printed) · 2 bad input (file, value or option)
3 solver stopped before proving an optimum · 4 batch finished but some PCNs failed · 130 interrupted
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from optimiser import __version__
from optimiser.batch_cli import register_batch_commands
from optimiser.plan_cli import register_plan_command
from optimiser.errors import (
    EXIT_BAD_INPUT,
    EXIT_INFEASIBLE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    OptimiserError,
    ScenarioError,
)
from optimiser.catalogue_report import ZONES
from optimiser.explain import InfeasibleScenario
from optimiser.terminal import REPORT_FILE, App, Group, TIME_LIMIT_RANGE, OutputFormat, err, fail, one_of, out, within

app = App(
    cls=Group,
    help="Which mix of ARRS roles gives a PCN the most care for its money, rooms and patients' needs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
INTERRUPTED = "Interrupted; nothing was written."
register_batch_commands(app)
register_plan_command(app)


class Solver(str, Enum):
    highs = "highs"
    cbc = "cbc"


LondonZone = Enum("LondonZone", {zone: zone for zone in ZONES}, type=str)


def _version(value: bool) -> None:
    if value:
        out.print(f"arrs-optimiser {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
) -> None:
    """Solve PCN scenarios, compare them, and run batches across many PCNs."""


def _load(path: Path):
    from optimiser.scenario_io import load_scenario

    return load_scenario(path)


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="text report; json (every table); csv (the mix to stdout, every table with --output).",
                                                       **one_of(OutputFormat))] = OutputFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder to write result files into (json or csv).")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Also write a one-page board report (PDF) to this file (name ending .pdf).",
                                                   **REPORT_FILE)] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace result files (--output, --report) that already exist.")] = False,
    caps_lifted: Annotated[bool, typer.Option("--what-if/--no-what-if", help="Also solve with every cap lifted and show the difference.")] = True,
    solver: Annotated[Solver, typer.Option(help="HiGHS in-process (default) or CBC as a fallback.", **one_of(Solver))] = Solver.highs,
    time_limit: Annotated[Optional[float], typer.Option(help="Seconds the solver may take per stage (at least 0.01).", **TIME_LIMIT_RANGE)] = None,
) -> None:
    """Find the best mix of roles for one PCN scenario."""
    from optimiser.pipeline import optimise, with_caps_lifted
    from optimiser.report import render_result, result_json, write_result_files
    from optimiser.tables import csv_text

    try:
        loaded = _load(scenario)
        result = optimise(loaded, solver=solver.value, time_limit_seconds=time_limit)
        lifted = None
        if caps_lifted and result.inputs.roles["published_cap_wte"].notna().any():
            lifted = optimise(with_caps_lifted(loaded), solver=solver.value, time_limit_seconds=time_limit)
        if output is not None:
            fmt = "csv" if format == OutputFormat.text else format.value
            for path in write_result_files(result, output, fmt, overwrite=overwrite):
                err.print(f"wrote {path}")
        if report is not None:
            from optimiser.pdf_report import write_board_report

            err.print(f"wrote {write_board_report(result, report, overwrite=overwrite)}")
        if format == OutputFormat.json:
            typer.echo(result_json(result, lifted))
        elif format == OutputFormat.csv:
            typer.echo(csv_text(result.mix(include_zero=True).reset_index()), nl=False)
        if format == OutputFormat.text:
            out.print(render_result(result, lifted))
    except InfeasibleScenario as error:
        if format == OutputFormat.json and output is None:  # scripts reading stdout get the conflict as data too
            typer.echo(json.dumps({"status": "infeasible", "conflicts": json.loads(error.conflicts.reset_index().to_json(orient="records"))}, indent=2))
        fail(error)
    except (OptimiserError, OSError) as error:
        fail(error)


@app.command()
def check(scenario: Annotated[Path, typer.Argument(help="Scenario file with a plan: section (total WTE per role).")]) -> None:
    """Check the mix you intend (the scenario's plan: section) against every rule, beside the best mix.
    Exits 1 when the plan breaks a rule, so a script can act on it."""
    from optimiser.check import check_plan
    from optimiser.report import render_check

    try:
        checked = check_plan(_load(scenario))
        out.print(render_check(checked))
    except ScenarioError as error:
        fail(error if error.source else ScenarioError(error.problems, str(scenario)))
    except (OptimiserError, OSError) as error:
        fail(error)
    if checked.breaches:
        raise typer.Exit(EXIT_INFEASIBLE)


@app.command()
def validate(scenario: Annotated[list[Path], typer.Argument(help="One or more scenario files.")]) -> None:
    """Check scenario files without solving them."""
    from optimiser.batch.table import TableError, check_base, is_batch_base
    from optimiser.scenario_io import read_scenario_data

    failed = 0
    for path in scenario:
        try:
            data = read_scenario_data(path)
            if is_batch_base(data):
                check_base(data, str(path))
                out.print(f"[green]ok[/]  {path}: batch base, {data['year']} ({BATCH_BASE_WORDS})", highlight=False)
            else:
                loaded = _load(path)
                out.print(f"[green]ok[/]  {path}: {loaded.pcn.name}, {loaded.year}", highlight=False)
        except OptimiserError as error:
            failed += 1
            kind = " batch base" if isinstance(error, TableError) else ""
            err.print(f"[bold red]invalid{kind}[/] {error}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT if failed else EXIT_OK)


BATCH_BASE_WORDS = "no pcn section: `batch --base` takes each PCN from its table"
"""How `validate` tells a batch's base file from a PCN's scenario."""


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="Baseline scenario.")],
    b: Annotated[Path, typer.Argument(help="Scenario to compare with it.")],
) -> None:
    """Solve two scenarios and show their results side by side."""
    from optimiser.comparison import distinct_names
    from optimiser.pipeline import optimise
    from optimiser.report import render_comparison

    try:
        scenarios = _load(a), _load(b)
    except (OptimiserError, OSError) as error:
        fail(error)
    names = distinct_names(*((s.pcn.name, path.name) for s, path in zip(scenarios, (a, b))))
    results = []
    for letter, scenario, name in zip("AB", scenarios, names):
        try:
            results.append(optimise(scenario))
        except OptimiserError as error:
            fail(error, about=f"{letter} ({name})")
    out.print(render_comparison(*results, names))


@app.command()
def catalogue(
    year: Annotated[Optional[str], typer.Option(help="Catalogue year, e.g. 2026/27 or 2025/26-april (default: the financial year containing today).")] = None,
    sources: Annotated[bool, typer.Option(help="Show the rules, the basis and source of every figure.")] = False,
    derive: Annotated[Optional[str], typer.Option(help="Show the working for one amount: a band (e.g. 6, band_7, 7-8a) or a role id.")] = None,
    salary: Annotated[Optional[float], typer.Option(help="Show what a salary (£ a year) costs with the year's employer NI and pension.",
                                                    **within(0, None, "give a salary in £ a year above 0, e.g. --salary 58000", whole=False, low_allowed=False))] = None,
    london: Annotated[LondonZone, typer.Option(help="With --derive: national, outer or inner.", **one_of(LondonZone))] = LondonZone.national,
) -> None:
    """Show a year's ARRS roles, maximum reimbursable amounts, caps and the rules and sources behind them."""
    from optimiser.catalogue import load_catalogue
    from optimiser.catalogue_report import catalogue_table, derivation_text
    from optimiser.catalogue_rules import current_year

    year = year or current_year()
    if london != LondonZone.national and derive is None:
        fail(OptimiserError(f"--london {london.value} applies with --derive (a band's or role's working); the catalogue "
                            "table already shows every role's outer and inner London amounts"))
    try:
        if derive is not None or salary is not None:
            out.print(derivation_text(year, derive, salary, london.value))
        else:
            out.print(catalogue_table(load_catalogue(year), sources))
    except OptimiserError as error:
        fail(error)


@app.command()
def new(
    file: Annotated[Path, typer.Argument(help="Scenario file to write (YAML).")],
    pcn: Annotated[str, typer.Option("--pcn", help="ODS code of a real PCN in England, e.g. U00000.")],
    year: Annotated[Optional[str], typer.Option(help="Financial year (default: the latest in the catalogue).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the file if it exists.")] = False,
) -> None:
    """Start a scenario from a real PCN: list size, estimated weighted population and staff in post, each with its source."""
    from optimiser.atomic import write_text_atomic
    from optimiser.england_pcn import scenario_text

    try:
        write_text_atomic(file, scenario_text(pcn, year), overwrite=overwrite)
    except (OptimiserError, OSError) as error:
        fail(error)
    err.print(f"wrote {file}: edit the values marked ESTIMATE or ASSUMPTION, then `arrs-optimiser solve {file}`", highlight=False)


def main() -> None:
    """Run the CLI; Ctrl-C anywhere ends with one line and exit code 130, never a traceback."""
    try:
        app()
    except SystemExit as done:
        if done.code == EXIT_INTERRUPTED and isinstance(getattr(done.__context__, "__cause__", None), KeyboardInterrupt):
            err.print(f"[bold yellow]{INTERRUPTED}[/]", highlight=False)  # typer exits 130 silently on Ctrl-C
        raise
    except KeyboardInterrupt:
        err.print(f"[bold yellow]{INTERRUPTED}[/]", highlight=False)
        sys.exit(EXIT_INTERRUPTED)

