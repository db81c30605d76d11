"""One HiGHS instance, quiet: made, given the compiled arrays in one call, its options changed for a while, and its
status read in the solve's own vocabulary. PuLP's HiGHS interface adds rows one at a time and reports a time limit
as "Optimal"; here HiGHS's own status decides."""

from __future__ import annotations

import contextlib
import functools
import os

import numpy as np

from optimiser.solve.compiled import CompiledLP
from optimiser.solve.solution import Status

try:
    import highspy
except ImportError:  # pragma: no cover - highspy is a dependency; CBC is the documented fallback
    highspy = None

_banner_silenced = False


def new_highs(time_limit_seconds: float | None = None):
    """A quiet HiGHS instance; the first one in a process prints a banner to stdout, which would spoil JSON output."""
    global _banner_silenced
    if not _banner_silenced:
        with _stdout_to_devnull():
            highs = highspy.Highs()
        _banner_silenced = True
    else:
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 1e-9)
    highs.setOptionValue("threads", 1)
    if time_limit_seconds is not None:
        highs.setOptionValue("time_limit", float(time_limit_seconds))
    return highs


@contextlib.contextmanager
def _stdout_to_devnull():
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def pass_model(highs, lp: CompiledLP) -> None:
    model = highspy.HighsLp()
    model.num_col_ = len(lp.column_names)
    model.num_row_ = lp.num_rows
    model.col_cost_ = lp.care if lp.lead is None else lp.lead
    model.col_lower_ = lp.column_lower
    model.col_upper_ = lp.column_upper
    model.row_lower_ = lp.row_lower
    model.row_upper_ = lp.row_upper
    model.sense_ = highspy.ObjSense.kMaximize
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = lp.row_start
    model.a_matrix_.index_ = lp.row_index
    model.a_matrix_.value_ = lp.row_value
    if lp.integer.any():
        model.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in lp.integer]
    highs.passModel(model)


def add_row(highs, coefficients: np.ndarray, lower: float, upper: float = np.inf) -> None:
    """A new row lower ≤ coefficients · columns ≤ upper: how a stage holds what the stage before it found."""
    columns = np.flatnonzero(coefficients)
    highs.addRow(lower, upper, len(columns), columns.astype(np.int32), coefficients[columns])


def set_costs(highs, costs: np.ndarray) -> None:
    """Every column's objective coefficient: the next stage's objective."""
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)


def column_values(highs) -> np.ndarray:
    return np.asarray(highs.getSolution().col_value, dtype=float)


def row_duals(highs) -> np.ndarray:
    return np.asarray(highs.getSolution().row_dual, dtype=float)


def option_value(highs, name: str):
    """An option's value (highspy gives it alone, or with a status first, depending on its version)."""
    value = highs.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


@contextlib.contextmanager
def temporary_options(highs, **options):
    """HiGHS options for a while, then as given (a reused instance keeps its settings)."""
    saved = {name: option_value(highs, name) for name in options}
    try:
        for name, value in options.items():
            highs.setOptionValue(name, value)
        yield
    finally:
        for name, value in saved.items():
            highs.setOptionValue(name, value)


def status_of(highs) -> Status:
    status = highs.getModelStatus()
    known = highspy.HighsModelStatus
    if status == known.kOptimal:
        return Status.OPTIMAL
    if status == known.kInfeasible:
        return Status.INFEASIBLE
    if status in (known.kUnbounded, known.kUnboundedOrInfeasible):
        return Status.UNBOUNDED
    if status in (known.kTimeLimit, known.kIterationLimit, known.kInterrupt):
        return Status.TIME_LIMIT
    return Status.ERROR


@functools.cache
def version() -> str:
    return f"HiGHS {new_highs().version()}"
