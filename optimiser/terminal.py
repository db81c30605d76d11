"""The CLI's consoles, output formats and error exit, in one place so every command prints and fails alike."""

from __future__ import annotations

import math
import re
import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup

from optimiser.errors import EXIT_BAD_INPUT, OptimiserError, not_a_number, not_one_of, out_of_range, wrong_suffix

PIPED_WIDTH = 120
"""Width of reports written to a file or a pipe (which have no width); a terminal's own width is used on a terminal."""

out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, soft_wrap=True)


def _plain_help(params: list) -> list:
    """Help that shows what to type: a flag shows no type (typer writes "<bool>"), a repeatable value its own type
    ("<str>", not "<list[str]>")."""
    for param in params:
        shown = getattr(param, "display_type_rich", None)
        if shown is None or getattr(param, "_plain_help", False):
            continue
        param._plain_help = True
        if getattr(param, "is_flag", False):
            param.display_type_rich = lambda ctx: None
        else:
            param.display_type_rich = lambda ctx, shown=shown: re.sub(r"<list\[(\w+)\]>", lambda m: f"<{m[1].lower()}>", shown(ctx=ctx) or "") or None
    return params


class Command(TyperCommand):
    """Every command's help and usage line: arguments as SCENARIO or [FILE] (typer writes "{scenario}"), no "<bool>"."""

    def get_params(self, ctx):
        return _plain_help(super().get_params(ctx))

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name).upper() + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class Group(TyperGroup):
    def get_params(self, ctx):
        return _plain_help(super().get_params(ctx))


class App(typer.Typer):
    """The CLI's typer app: its commands are `Command`s, so every command's help reads alike."""

    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or Command, **kwargs)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


def fail(error: Exception, about: str | None = None) -> NoReturn:
    """Print an error as sentences and exit with its documented code; never a traceback. `about` says which of several
    inputs it concerns (compare's "B (urban.yaml)")."""
    text = str(error) if about is None else f"{about}: {error}"
    if isinstance(error, FileExistsError):  # the shared sentence says "confirm overwriting"; here that is an option
        text = text.replace("confirm overwriting", "add --overwrite to replace") if "confirm overwriting" in text else f"{text} (add --overwrite to replace it)"
    err.print(f"[bold red]Error:[/] {text}", markup=True, highlight=False)
    raise typer.Exit(getattr(error, "exit_code", EXIT_BAD_INPUT))


class NotANumber(str):
    """Text given to a numeric option that is not a number of its kind, passed on to the option's check, which knows
    the option's name (a parser does not)."""


def within(low: float, high: float | None, allowed: str, *, whole: bool = True, low_allowed: bool = True) -> dict:
    """A numeric option's parser and check, for `typer.Option(..., **within(...))`: text that is not a number of the
    option's kind (`whole` or not) and a number outside low..high each get one sentence naming the option, the value
    given and what is allowed (typer's own messages name neither the value nor what the number is for). Every int
    and float option of every command takes it (tests/test_cli_numbers.py). `low_allowed=False` refuses low itself."""

    def parse(text):
        try:
            value = int(text) if whole else float(text)
        except (TypeError, ValueError):
            return NotANumber(text)
        return value if math.isfinite(value) else NotANumber(text)

    def check(ctx, param, value):
        if isinstance(value, NotANumber):
            fail(OptimiserError(not_a_number(param.opts[0], value, allowed, whole)))
        if value is not None and (value < low or (value == low and not low_allowed) or (high is not None and value > high)):
            fail(OptimiserError(out_of_range(param.opts[0], value, allowed)))
        return value

    return {"parser": parse, "callback": check}


def one_of(kind: type[Enum]) -> dict:
    """An option taking one of `kind`'s values, for `typer.Option(..., **one_of(kind))`: any other text gets one sentence
    naming the option, the value given and the values allowed (typer's own is a boxed 'Value error'). Every option of
    every command that takes a word from a list goes through it (tests/test_cli_numbers.py)."""
    allowed = [member.value for member in kind]

    def check(ctx, param, value):
        if value is None or isinstance(value, kind):
            return value
        if value not in allowed:
            fail(OptimiserError(not_one_of(param.opts[0], value, allowed)))
        return kind(value)

    return {"parser": lambda text: text if isinstance(text, kind) else str(text), "callback": check}


def file_ending(suffix: str, what: str, example: str) -> dict:
    """An output file option whose kind its name must say, for `typer.Option(..., **file_ending(...))`: any other name
    gets one sentence naming the option, the value and what is allowed, before anything is solved or written."""

    def check(ctx, param, value):
        if value is not None and Path(value).suffix.lower() != suffix:
            fail(OptimiserError(wrong_suffix(param.opts[0], str(value), suffix, what, example)))
        return value

    return {"callback": check}


REPORT_FILE = file_ending(".pdf", "the board report is a PDF", "board-report.pdf")
"""`solve --report`."""
TIME_LIMIT_RANGE = within(0.01, None, "give the solver at least 0.01 seconds per stage", whole=False)
WORKERS_RANGE = within(1, None, "give 1 worker or more (this process included)")
"""`batch --workers`: the processes that solve, the main one among them."""
DASK_WORKERS_RANGE = within(1, None, "give 1 worker process or more")
"""`batch --dask-local`: the LocalCluster's worker processes, which alone solve."""
