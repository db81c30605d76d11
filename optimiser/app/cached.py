"""The page's slow work, cached per distinct scenario: the key is the scenario's canonical JSON
(pydantic objects are not hashable). A rerun without an edit rebuilds nothing here; an edit changes the key."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimiser.comparison import comparison_tables
from optimiser.outcome import Outcome, scenario_from_canonical, solve_outcome
from optimiser.result_display import ResultView
from optimiser.result_display import result_view as build_result_view
from optimiser.results import tables
from optimiser.tables import csv_text
from optimiser.workbook import result_workbook


@st.cache_data(max_entries=256, show_spinner=False)
def solve(canonical_json: str) -> Outcome:
    return solve_outcome(scenario_from_canonical(canonical_json))


@st.cache_data(max_entries=32, show_spinner=False)
def result_view(canonical_json: str) -> ResultView:
    """What the Result tab shows (a solved scenario's only)."""
    return build_result_view(solve(canonical_json).result)


@st.cache_data(max_entries=32, show_spinner=False)
def result_tables(canonical_json: str) -> dict[str, pd.DataFrame]:
    """Every result table as the downloads write it (a solved scenario's only)."""
    return tables(solve(canonical_json).result)


@st.cache_data(max_entries=64, show_spinner=False)
def result_csv(canonical_json: str, table: str) -> str:
    return csv_text(result_tables(canonical_json)[table])


@st.cache_data(max_entries=32, show_spinner=False)
def comparison(first_json: str, second_json: str, names: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Two solved scenarios side by side, as the Compare tab shows them."""
    return comparison_tables(solve(first_json).result, solve(second_json).result, names)


@st.cache_data(max_entries=32, show_spinner=False)
def excel(canonical_json: str) -> bytes:
    return result_workbook(solve(canonical_json).result)


@st.cache_data(max_entries=32, show_spinner=False)
def board_report(canonical_json: str) -> bytes:
    from optimiser.pdf_report import board_report

    return board_report(solve(canonical_json).result)


@st.cache_data(max_entries=32, show_spinner=False)
def plan(canonical_json: str, mode: str):
    from optimiser import plan_ui

    return plan_ui.plan_outcome(scenario_from_canonical(canonical_json), mode)
