"""Answers read off a solved model: one question per function, each a tidy table with units in its columns.

Where each job is: `numbers.py` the solution read by column position; `answer_tables.py` the tables a result
exposes; `sentences.py` the sentences that explain its limits; `notes.py` what to know beside them; `compare.py`
two results side by side.
"""

from __future__ import annotations

from optimiser.results.answer_tables import LIMIT_ORDER, tables
from optimiser.results.compare import compare_care, compare_mix, compare_summary
from optimiser.results.notes import Notes
from optimiser.results.numbers import STAFFED_WTE

__all__ = [
    "LIMIT_ORDER", "STAFFED_WTE", "Result", "compare_care", "compare_mix", "compare_summary", "tables",
]


class Result(Notes):
    """A solved model's answers: its numbers (`numbers.py`), tables (`answer_tables.py`) and notes (`notes.py`).
    `model` is the PuLP model of one scenario or the arrays of a batch worker: results read only its layout and registry."""
