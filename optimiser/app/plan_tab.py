"""The Plan ahead tab: hiring over several years and several futures, made on request and remade on any change."""

from __future__ import annotations

import streamlit as st

from optimiser import plan_charts, plan_ui
from optimiser.app import cached
from optimiser.errors import ScenarioError
from optimiser.plan_report import limits_lines, past_year_note, uncertainty_lines
from optimiser.scenario import Scenario
from optimiser.scenario_io import scenario_to_text
from optimiser.tables import csv_text


def show(current: Scenario) -> None:
    """Early returns instead of st.stop, so nothing after the tab is cut off."""
    st.caption("Plan hiring over several years when pay awards, the ARRS sum and need are not yet known. This year's "
               "posts are decided once for every future; later years adapt to the future that comes. Growth rates not "
               "given in the scenario come from the planning defaults (each with its source).")
    cols = st.columns([1, 2])
    horizon = cols[0].number_input("Years to plan", min_value=1, max_value=15, value=plan_ui.horizon_of(current),
                                   step=1, key="plan_horizon")
    mode = cols[1].radio("Own money must stay within the top-up budget", ["expected", "robust"], horizontal=True,
                         key="plan_mode", format_func={"expected": "on average over the futures", "robust": "in every future"}.get)
    st.markdown(f"Futures (years: {', '.join(plan_ui.year_choices(current, int(horizon)))}); the chances must add up to 1.")
    futures = st.data_editor(plan_ui.futures_table(current), num_rows="dynamic", hide_index=True, width="stretch",
                             key="plan_futures", column_config=futures_config())
    try:
        planned = plan_ui.apply_futures(current, futures, int(horizon))
    except ScenarioError as error:
        st.error("\n".join(f"- {p}" for p in error.problems))
        return
    if not st.toggle("Make the plan", key="plan_on", help="Plans take a second or two; they are remade when anything changes."):
        return
    with st.spinner("Planning…"):
        outcome = cached.plan(planned.canonical_json(), mode)
    if not outcome.ok:
        st.error(outcome.message)
        return
    show_plan(outcome.result, planned)


FUTURE_WIDTHS = {"future": 82, "probability": 82, "description": 210, "pot_follows_pay_award": 116, "arrs_frozen_from": 84,
                 "arrs_ends_from": 70, "extra_room_sessions_per_week": 114, "extra_rooms_from": 108}
"""Pixels: each header whole beside its edit mark, and with the row markers' 40 less than the 904 the page gives a
table at 1366 pixels with the sidebar open."""


def futures_config() -> dict:
    """Each futures column under its short header, its full words as help."""
    return {plan_ui.FUTURE_COLUMNS[field]: st.column_config.Column(short, help=plan_ui.future_help(field), width=FUTURE_WIDTHS[field])
            for field, short in plan_ui.FUTURE_HEADERS.items()}


def show_plan(plan, planned: Scenario) -> None:
    note = past_year_note(plan)
    if note:
        st.info(note)
    st.markdown(f"**{plan.verdict()}**")
    st.markdown(plan.first_year_forecast())
    future = st.selectbox("Show the staff of the future", plan.inputs.futures, key="plan_future")
    st.altair_chart(plan_charts.mix_area_chart(plan, future), width="stretch")
    money_cols = st.columns(2)
    money_cols[0].altair_chart(plan_charts.own_money_chart(plan), width="stretch")
    money_cols[1].altair_chart(plan_charts.need_met_chart(plan), width="stretch")
    short = plan_ui.short_year_headers()
    for tab, (group, table) in zip(st.tabs(list(plan_ui.YEAR_GROUPS)), plan_ui.years_shown(plan).items()):
        tab.dataframe(table, hide_index=True, width="stretch", column_config={
            heading: st.column_config.Column(short[heading], help=heading) for heading in table.columns if heading in short})
    st.subheader("What limits you, year by year")
    st.markdown("\n".join(f"- {line}" for line in limits_lines(plan)) or "Nothing binds.")
    if plan.comparisons is not None:
        st.subheader("What the uncertainty costs")
        st.markdown("\n".join(f"- {line}" for line in uncertainty_lines(plan)))
    st.download_button("Download the plan (CSV of every year)", csv_text(plan.years()), file_name="plan_years.csv",
                       key="plan_download")
    st.download_button("Download the scenario with these futures", scenario_to_text(planned), file_name="plan.yaml",
                       key="plan_scenario_download")
