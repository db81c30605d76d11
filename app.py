"""ARRS skill-mix optimiser for PCN managers: edit a scenario, see the best mix, lift caps, compare, save.

    streamlit run app.py

The page only arranges its sections (`optimiser/app/`, one module each); every number comes from the
`optimiser` package. Environment: ARRS_SCENARIO_DIR is the folder scenarios are saved into (default:
scenarios/); ARRS_APP_SCENARIO is the file opened first (default: urban-deprived-2026-27.yaml).
"""

from __future__ import annotations

import streamlit as st

from optimiser.app import cached, check_tab, compare_tab, compose, edit_tab, plan_tab, result_tab, save_tab, sidebar, state

st.set_page_config(page_title="ARRS skill-mix optimiser", page_icon="⚕", layout="wide")
state.start()

with st.sidebar:
    slots = sidebar.show()

st.title("ARRS skill-mix optimiser")
header = st.container()
tab_result, tab_edit, tab_compare, tab_save, tab_plan, tab_check = st.tabs(
    ["Result", "Roles and demand", "Compare", "Save and share", "Plan ahead", "Check my plan"])

with tab_edit:  # drawn first: the scenario is composed from the editors' cells
    table_edits = edit_tab.show()
current, problems = compose.current_scenario(table_edits, slots, header)
key = current.canonical_json()  # what every cached result of the page is kept by
outcome = cached.solve(key)

with header:
    compose.show_header(current, problems)
with tab_result:
    result_tab.show(outcome, key)
with tab_compare:
    compare_tab.show(current)
with tab_check:
    check_tab.show(current)
with tab_save:
    save_tab.show(current, outcome)
with tab_plan:
    plan_tab.show(current)
