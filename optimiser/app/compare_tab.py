"""The Compare tab: the current result beside the same scenario with caps lifted, or beside a pinned baseline."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from optimiser.app import cached
from optimiser.app.result_tab import CATEGORY_WIDTH
from optimiser.app.state import BASELINE, CAPS_LIFTED
from optimiser.comparison import changed_rows, distinct_names, equally_good, highlight_changes, roles_changed
from optimiser.edit_form import cap_table
from optimiser.pipeline import with_caps_lifted
from optimiser.result_display import in_words
from optimiser.scenario import Scenario

ss = st.session_state
CAPS_NAMES = ("As set", "Caps lifted")
FIRST_COLUMN_WIDTH = {"headline": 460, "mix": 290, "care": CATEGORY_WIDTH}
"""Pixels for each table's first column, wide enough for its longest label, the result's value columns sharing the rest
of the 904 the page gives a table on a 1366-pixel laptop."""


def compare_config(key: str, table, names: tuple[str, str]) -> dict:
    """The first column as wide as its labels; the contacts table's values under the scenarios' names alone, each full
    heading (with the unit) as help, so the need's name is read whole."""
    first, *values, direction = table.columns
    config = {first: st.column_config.Column(width=FIRST_COLUMN_WIDTH[key]), direction: st.column_config.Column(width=90)}
    if key == "care":
        config |= {column: st.column_config.Column(short, help=column, width=110) for column, short in zip(values, (*names, "Change"))}
    return config


def pin_baseline() -> None:
    ss.baseline = ss.current
    ss.baseline_source = ss.source
    ss.baseline_time = f"{datetime.now():%H:%M:%S}"
    ss.compare_with = BASELINE


def show(current: Scenario) -> None:
    st.button("Pin the current result as the baseline", key="pin", on_click=pin_baseline,
              help="Then change anything — top-up, rooms, caps — and compare.")
    st.radio("Compare the current scenario with", [CAPS_LIFTED, BASELINE], key="compare_with", horizontal=True)
    if ss.compare_with == BASELINE:
        if "baseline" not in ss:
            st.info("No baseline yet: press “Pin the current result as the baseline”, then change something.")
            return
        baseline, now = distinct_names((ss.baseline.pcn.name, ss.baseline_source), (current.pcn.name, ss.source))
        st.caption(f"Baseline: {baseline}, pinned at {ss.baseline_time}. Current: {now}.")
        show_side_by_side(ss.baseline.canonical_json(), current.canonical_json(), ("Baseline", "Current"))
        return
    if not cap_table(current).shape[0]:
        st.info(f"{current.year} has no role caps for a PCN of this size, so lifting caps changes nothing. "
                "Try the 2024/25 rules, or pin a baseline and change something else.")
    show_side_by_side(current.canonical_json(), with_caps_lifted(current).canonical_json(), CAPS_NAMES)


def show_side_by_side(first_json: str, second_json: str, names: tuple[str, str]) -> None:
    """Two scenarios (canonical JSON, the cache's keys) side by side: the comparison is rebuilt only when one changes."""
    first, second = cached.solve(first_json), cached.solve(second_json)
    if not (first.ok and second.ok):
        for name, item in zip(names, (first, second)):
            if not item.ok:
                st.error(f"{name}: {in_words(item.message)}")
        return
    compared = cached.comparison(first_json, second_json, names)
    changed = int(changed_rows(compared["mix"]).sum())
    st.markdown(f"**{roles_changed(changed)}** Rows that differ are in bold on yellow, and the Direction column says which way.")
    if same := equally_good(first.result, second.result, "lifting the caps" if names == CAPS_NAMES else "the change"):
        st.info(same)
    for title, key, number_format in (("Headline", "headline", "{:,.0f}"), ("Staffing mix", "mix", "{:,.2f}"),
                                      ("Contacts served", "care", "{:,.0f}")):
        st.subheader(title)
        st.dataframe(highlight_changes(compared[key], number_format), hide_index=True, width="stretch",
                     column_config=compare_config(key, compared[key], names))
