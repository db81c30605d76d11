"""The Check my plan tab: the PCN types the WTE it intends per role; the plan is checked against every rule,
without optimising it, and shown beside the best mix."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimiser.check_table import (PLAN_COLUMNS, need_met_compared, plan_money, plan_table, staff_compared,
                                   supervision_in_words, with_plan)
from optimiser.edit_tables import WTE_STEP
from optimiser.errors import OptimiserError
from optimiser.result_display import in_words
from optimiser.scenario import Scenario

ss = st.session_state


def show(current: Scenario) -> None:
    st.caption("Type the total WTE you intend for each role (in post included). The plan is checked against every rule, "
               "without optimising it, and shown beside the best mix.")
    edited = st.data_editor(
        plan_table(current), key=f"plan_editor_{ss.gen}", num_rows="fixed", width="stretch", hide_index=True,
        disabled=["role_name", "in_post_wte"], column_order=list(PLAN_COLUMNS),
        column_config={key: st.column_config.NumberColumn(label, min_value=0, max_value=500, step=WTE_STEP, format="%.2f")
                       if key != "role_name" else st.column_config.TextColumn(label, width="large") for key, label in PLAN_COLUMNS.items()},
    )
    if not st.button("Check my plan", key="check_plan"):
        return
    from optimiser.check import check_plan

    try:
        checked = check_plan(with_plan(current, edited))
    except OptimiserError as error:
        st.error(str(error))
        return
    st.markdown(f"**{checked.headline()}**")
    for sentence in checked.breaches:
        st.warning(in_words(sentence))
    for sentence in checked.notes:
        st.info(in_words(sentence))
    st.subheader("Your plan's money and rooms")
    st.dataframe(plan_money(checked.summary), hide_index=True, width="stretch")
    staff = staff_compared(checked.comparison())
    st.dataframe(staff, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2f") for c in staff.columns[1:]})
    need_met = need_met_compared(checked.care())
    st.dataframe(need_met, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.0f") for c in need_met.columns[1:]})
    st.subheader("Supervision your plan needs")
    supervision = supervision_in_words(checked.planned.supervision())
    st.dataframe(supervision, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(format="%.0f" if "£" in c else "%.1f") for c in supervision.columns[1:]
        if pd.api.types.is_numeric_dtype(supervision[c])})
