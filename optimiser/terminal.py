"""The CLI's consoles, output formats and error exit, in one place so every command prints and fails alike."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from typing import NoReturn

import typer
from rich.console import Console

from optimiser.errors import EXIT_BAD_INPUT, OptimiserError, out_of_range

PIPED_WIDTH = 120
"""Width of reports written to a file or a pipe (which have no width); a terminal's own width is used on a terminal."""

out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, soft_wrap=True)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


def fail(error: Exception) -> NoReturn:
    """Print an error as sentences and exit with its documented code; never a traceback."""
    text = str(error)
    if isinstance(error, FileExistsError):  # the shared sentence says "confirm overwriting"; here that is an option
        text = text.replace("confirm overwriting", "add --overwrite to replace") if "confirm overwriting" in text else f"{text} (add --overwrite to replace it)"
    err.print(f"[bold red]Error:[/] {text}", markup=True, highlight=False)
    raise typer.Exit(getattr(error, "exit_code", EXIT_BAD_INPUT))


def within(low: float, high: float | None, allowed: str) -> Callable:
    """A typer callback refusing a number outside low..high with the one out-of-range sentence, naming the value given
    (typer's own `min=`/`max=` message names neither the value nor what the number is for)."""

    def check(ctx, param, value):
        if value is not None and (value < low or (high is not None and value > high)):
            fail(OptimiserError(out_of_range(param.opts[0], value, allowed)))
        return value

    return check


TIME_LIMIT_RANGE = within(0.01, None, "give the solver at least 0.01 seconds per stage")
WORKERS_RANGE = within(1, None, "give 1 worker or more (this process included)")
"""`batch --workers`: the processes that solve, the main one among them."""
DASK_WORKERS_RANGE = within(1, None, "give 1 worker process or more")
"""`batch --dask-local`: the LocalCluster's worker processes, which alone solve."""
