"""One error family, so the CLI and the app can show any of them as a sentence, never a traceback."""

from __future__ import annotations

import reprlib
import stat
from typing import Any

EXIT_OK = 0
EXIT_INFEASIBLE = 1  # no mix meets every rule, or the plan `check` reads breaks one; the conflict or broken rules are printed
EXIT_BAD_INPUT = 2  # a file, value or option that cannot be used
EXIT_UNPROVEN = 3  # the solver stopped before proving an optimum
EXIT_BATCH_FAILURES = 4  # a batch finished but some PCNs failed
EXIT_INTERRUPTED = 130  # Ctrl-C; a batch keeps what it finished


MAX_LISTED = 10
"""Problems shown in one message; the rest are counted, so 20,000 bad names never print 20,000 lines."""


def listed(problems: list[str], limit: int = MAX_LISTED) -> list[str]:
    """The first `limit` problems, then one line saying how many more there are."""
    if len(problems) <= limit:
        return list(problems)
    return [*problems[:limit], f"… and {len(problems) - limit:,} more"]


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 50, 50, 40


def short_value(value: Any) -> str:
    """A value as the user wrote it, cut short: never the full repr of something an alias may have blown up. A whole
    number read as a float (a table column with gaps, a WTE field) is shown as written: -5, not -5.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def out_of_range(option: str, value: float, allowed: str) -> str:
    """The one sentence for a number outside what an option allows: the option and value as typed, then what is allowed."""
    return f"{option} {value if isinstance(value, int) else f'{value:g}'} is out of range: {allowed}"


def not_a_number(option: str, text: str, allowed: str, whole: bool) -> str:
    """The one sentence for text given where an option wants a number, in the out-of-range sentence's words."""
    return f"{option} {short_value(text)} is not a {'whole ' if whole else ''}number: {allowed}"


def not_one_of(option: str, text: str, allowed: list[str]) -> str:
    """The one sentence for text given where an option takes one of some words, in the out-of-range sentence's words."""
    return f"{option} {short_value(text)} is not one of its values: give {', '.join(allowed[:-1])} or {allowed[-1]}"


def wrong_suffix(option: str, text: str, suffix: str, what: str, example: str) -> str:
    """The one sentence for an output file whose name does not end as its kind must, in the out-of-range sentence's words."""
    return f"{option} {text!r} does not end in {suffix}: {what}; give a file name ending {suffix}, e.g. {example}"


def number_text(value: float) -> str:
    """A number as a manager reads it: thousands separated, a whole float without its .0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return f"{value:,}"


def with_unit(value: Any, unit: str | None) -> str:
    """A value with its unit: 20 years, 1.5 WTE, £-5 a year as -£5 a year, 150%; text or no unit as given."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return short_value(value)
    if not unit:
        return number_text(value)
    if unit.startswith("£"):
        return f"{'-' if value < 0 else ''}£{number_text(abs(value))}{unit[1:]}"
    return f"{number_text(value)}{'' if unit.startswith('%') else ' '}{unit}"


def _bounds_text(ge: float | None = None, gt: float | None = None, le: float | None = None, lt: float | None = None) -> str:
    """Bounds in words: 1 to 15, more than 0, up to 1,000,000, 0 or more ('' when there are none)."""
    low = f"{number_text(ge)} or more" if ge is not None else f"more than {number_text(gt)}" if gt is not None else ""
    high = f"up to {number_text(le)}" if le is not None else f"less than {number_text(lt)}" if lt is not None else ""
    if ge is not None and le is not None:
        return f"{number_text(ge)} to {number_text(le)}"
    if low and high:
        return f"{low}{' and ' if gt is not None and lt is not None else ', '}{high}"
    if le is not None and not low:
        return f"{number_text(le)} or less"
    return low or high


def allowed_range(ge: float | None = None, gt: float | None = None, le: float | None = None, lt: float | None = None) -> str:
    """What a bounded number may be, in words: give 1 to 15, give more than 0, up to 1,000,000, give 0 or more."""
    return f"give {_bounds_text(ge, gt, le, lt)}"


def allowed_number(unit: str | None = None, whole: bool = False, **bounds: float) -> str:
    """What a field that wants a number allows, in the out-of-range sentence's words, for a word (or nothing a number
    can be) given there: give a whole number of patients, more than 0, up to 1,000,000; give a number in £ a year, 0 or more."""
    kind = f"a {'whole ' if whole else ''}number"
    if unit:
        kind += f" {'in' if unit[0] in '£%' else 'of'} {unit}"
    limits = _bounds_text(**bounds)
    return f"give {kind}{', ' + limits if limits else ''}"


def outside(field: str, value: Any, allowed: str, unit: str | None = None) -> str:
    """The one sentence for a scenario value outside what its field allows: the field, the value with its unit, and
    what is allowed (e.g. "horizon is 20 years; give 1 to 15"); the file is named by the ScenarioError around it."""
    return f"{field} is {with_unit(value, unit)}; {allowed}"


class OptimiserError(Exception):
    """Base class: the message says where, what and how to fix it; `exit_code` is what the CLI exits with."""

    exit_code = EXIT_BAD_INPUT


class ScenarioError(OptimiserError):
    """A scenario file or value that cannot be used as it is."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        if len(problems) == 1:
            text = f"{where}{problems[0]}"
        else:
            text = f"{where}{len(problems):,} problems:\n" + "\n".join(f"  - {p}" for p in listed(problems))
        super().__init__(text)


class CatalogueError(OptimiserError):
    """Reference data shipped with the package is missing or inconsistent."""


class SolverError(OptimiserError):
    """The solver failed or stopped before it proved an answer."""

    exit_code = EXIT_UNPROVEN


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, in words, for a sentence refusing it before it is opened (opening a
    FIFO waits for a writer; a device such as /dev/zero never ends)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
