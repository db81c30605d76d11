"""The `plan` command: a multi-year workforce plan for one PCN under the scenario's futures."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from optimiser.errors import OptimiserError
from optimiser.scenario import HORIZON_RANGE, MAX_HORIZON_YEARS
from optimiser.terminal import TIME_LIMIT_RANGE, err, fail, one_of, out, within
from optimiser.terminal import OutputFormat as PlanFormat


class PlanMode(str, Enum):
    expected = "expected"
    robust = "robust"


def register_plan_command(app: typer.Typer) -> None:
    app.command(name="plan")(plan)


def plan(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON); its horizon, growth and futures sections shape the plan.")],
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="text report; json (every table); csv (years to stdout, every table with --output).",
                                                     **one_of(PlanFormat))] = PlanFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder to write plan files into (json or csv).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace plan files that already exist in --output.")] = False,
    mode: Annotated[PlanMode, typer.Option(help="expected: own money within the top-up budget on average over the futures; "
                                                 "robust: within it in every future.", **one_of(PlanMode))] = PlanMode.expected,
    horizon: Annotated[Optional[int], typer.Option(help=f"Years to plan (1 to {MAX_HORIZON_YEARS}); overrides the scenario's horizon.",
                                                   **within(1, MAX_HORIZON_YEARS, HORIZON_RANGE))] = None,
    compare: Annotated[bool, typer.Option("--compare/--no-compare", help="Also value knowing the future and planning on one forecast.")] = True,
    time_limit: Annotated[Optional[float], typer.Option(help="Seconds the solver may take per stage (at least 0.01).", **TIME_LIMIT_RANGE)] = None,
) -> None:
    """Plan hiring over several years, under pay awards, funding and demand that are not yet known."""
    from optimiser.plan import make_plan
    from optimiser.plan_report import plan_tables, render_plan, write_plan_files
    from optimiser.scenario_io import load_scenario
    from optimiser.scenario_problems import parse_scenario
    from optimiser.tables import csv_text

    try:
        loaded = load_scenario(scenario)
        if horizon is not None:
            loaded = parse_scenario({**loaded.model_dump(mode="json", exclude_defaults=True), "horizon": horizon}, str(scenario))
        result = make_plan(loaded, mode=mode.value, compare=compare, time_limit_seconds=time_limit)
        if output is not None:
            fmt = "csv" if format == PlanFormat.text else format.value
            for path in write_plan_files(result, output, fmt, overwrite=overwrite):
                err.print(f"wrote {path}")
        elif format == PlanFormat.json:
            from optimiser.plan_report import plan_json

            typer.echo(plan_json(result))
        elif format == PlanFormat.csv:
            typer.echo(csv_text(plan_tables(result)["years"]), nl=False)
        if format == PlanFormat.text:
            out.print(render_plan(result))
    except (OptimiserError, OSError) as error:
        fail(error)
