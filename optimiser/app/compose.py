"""The current scenario: the base scenario with the table editors' cells and the sidebar's values applied.

A bad value is reported beside its widget or table, and the page keeps showing the last valid scenario.
"""

from __future__ import annotations

import streamlit as st

from optimiser import edit_form, edit_tables, england_pcn
from optimiser.app.edit_tab import TableEdit
from optimiser.errors import ScenarioError, listed
from optimiser.result_display import in_words
from optimiser.scenario import Scenario
from optimiser.scenario_files import has_unsaved_changes

ss = st.session_state


def current_scenario(tables: dict[str, TableEdit], slots: dict, header) -> tuple[Scenario, list[str]]:
    """The scenario to solve and the problems found on the way (each already shown where it belongs)."""
    problems: list[str] = []
    composed = ss.loaded
    for apply, edit in ((edit_tables.apply_roles, tables["roles"]), (edit_tables.apply_demand, tables["demand"])):
        try:
            composed = apply(composed, edit.base, edit.edited)
        except ScenarioError as error:
            edit.slot.error("\n".join(f"- {p}" for p in listed(error.problems)))
            problems += error.problems
    values = {key: ss.get(key) for key in (*edit_form.FORM_FIELDS, "arrs_derive", "year")}
    values["lifted_caps"] = [role for role in edit_form.cap_table(ss.loaded).index if ss.get(f"lift_cap_{role}")]
    try:
        composed, dropped = edit_form.apply_form(composed, values)
        if dropped:
            ss.notice = f"Not in the {composed.year} catalogue, so left out: {', '.join(dropped)}."
    except edit_form.FormError as error:
        for key, sentences in error.by_field.items():
            slots.get(key, header).error("\n".join(in_words(sentence) for sentence in listed(sentences)))
        problems += error.problems

    if not problems:
        ss.last_valid = composed
        if table_inputs(composed) != table_inputs(ss.loaded):
            ss.pending = composed  # the tables show what these decide: redraw them
            st.rerun()
    current: Scenario = ss.get("last_valid", ss.loaded)
    ss.current = current
    return current, problems


def table_inputs(scenario: Scenario) -> tuple:
    """What the editors' read-only cells depend on beyond their own row's edits: the year, list size and London weighting
    (amounts, caps, default demand), and each amount the scenario gives (its status, and the cost that follows it)."""
    given = {role: s.max_reimbursable_gbp for role, s in scenario.roles.items() if s.max_reimbursable_gbp is not None}
    return scenario.year, scenario.pcn.list_size, scenario.policy.london_weighting, given


def show_header(current: Scenario, problems: list[str]) -> None:
    """Which scenario this is, where it came from, whether it has unsaved or invalid edits, and whether a London PCN has
    still to choose its London weighting."""
    unsaved = has_unsaved_changes(current, ss.get("saved_json"))
    st.markdown(f"**{current.pcn.name}** · {current.year} · from `{ss.source}`"
                + (" · :orange-badge[Unsaved changes]" if unsaved else " · :gray-badge[Saved]"))
    if unsaved:
        st.caption("Your edits are kept while this tab is open. Download or save the scenario (Save and share) to keep them.")
    if current.policy.london_weighting == "none" and (advice := england_pcn.london_advice(current.pcn.ods_code)):
        st.warning(in_words(advice))
    if ss.get("notice"):
        st.info(ss.pop("notice"))
    if problems:
        st.warning("Some input is not valid (see the message beside it). The result below is for the last valid scenario.")
