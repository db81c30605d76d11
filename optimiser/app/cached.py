"""The page's slow work, cached per distinct scenario: the key is the scenario's canonical JSON
(pydantic objects are not hashable)."""

from __future__ import annotations

import streamlit as st

from optimiser.outcome import Outcome, scenario_from_canonical, solve_outcome
from optimiser.workbook import result_workbook


@st.cache_data(max_entries=256, show_spinner=False)
def solve(canonical_json: str) -> Outcome:
    return solve_outcome(scenario_from_canonical(canonical_json))


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
