"""The Result tab: headline figures, then the staffing mix, money, care and what limits you, each as a chart
with its figures in words and a table."""

from __future__ import annotations

import streamlit as st

from optimiser.app import cached
from optimiser.catalogue_rules import is_estimate
from optimiser.edit_tables import ROLE_HEADERS
from optimiser.outcome import Outcome
from optimiser.result_display import (ESTIMATE_NOTE, UNSPENT_WHY, ResultView, care_score_help, conflicts_display, in_words,
                                      past_year_line)

CARE_SCORE_LABEL = "Care score (of 100)"
"""The headline figure every line of What limits you counts in (the CLI leads with it too)."""
MIX_COLUMNS = ["Role", "In post (WTE)", "New (WTE)", "Total (WTE)", "Cap (WTE)", "ARRS claimed (£ a year)", "Top-up (£ a year)",
               "Room sessions (sessions a week)", "Max reimbursable (£ per WTE a year)"]
"""The mix table's columns on screen, short enough for a 1366-pixel laptop; the downloads keep every column. Widths in
pixels add up to less than the 904 the page gives a table there, the role's room set by the longest name (44 letters)."""
MIX_CONFIG = {
    "Role": st.column_config.TextColumn(width=290),
    "In post (WTE)": st.column_config.NumberColumn("In post", format="%.2f", help="WTE in post now", width=68),
    "New (WTE)": st.column_config.NumberColumn("New", format="%.2f", help="WTE to recruit", width=58),
    "Total (WTE)": st.column_config.NumberColumn("Total", format="%.2f", help="WTE in the mix", width=62),
    "Cap (WTE)": st.column_config.TextColumn("Cap", help="The role's cap, WTE", width=58),
    "ARRS claimed (£ a year)": st.column_config.NumberColumn("ARRS £/yr", format="localized", help="ARRS claimed, £ a year", width=82),
    "Top-up (£ a year)": st.column_config.NumberColumn("Top-up £/yr", format="localized", help="Top-up used, £ a year", width=88),
    "Room sessions (sessions a week)": st.column_config.NumberColumn("Rooms /wk", format="%.1f", help="Clinical room sessions a week",
                                                                     width=82),
    "Max reimbursable (£ per WTE a year)": st.column_config.NumberColumn(ROLE_HEADERS["max_reimbursable_gbp"], format="localized",
                                                                         width=84, help="Maximum reimbursable amount, £ per WTE a year"),
}
CATEGORY_WIDTH = 390
"""Pixels that show the longest need's name whole ("Care coordination (proactive care for complex and frail patients)")."""
CARE_COLUMNS = ["Demand category", "Served (contacts a year)", "Unmet (contacts a year)", "Served (%)",
                "Needed (contacts a year)", "Priority weight"]
"""Served and unmet first, so they are in view on a laptop whatever else the table holds; the category column is as
wide as the longest need's name (65 letters)."""
CARE_CONFIG = {
    "Demand category": st.column_config.TextColumn(width=CATEGORY_WIDTH),
    "Served (contacts a year)": st.column_config.NumberColumn("Served /yr", format="localized", help="Contacts served a year", width="small"),
    "Unmet (contacts a year)": st.column_config.NumberColumn("Unmet /yr", format="localized", help="Contacts unmet a year", width="small"),
    "Served (%)": st.column_config.NumberColumn("Served %", format="%.0f", width="small"),
    "Needed (contacts a year)": st.column_config.NumberColumn("Needed /yr", format="localized", help="Contacts needed a year", width="small"),
    "Priority weight": st.column_config.NumberColumn("Priority", format="%.2f", width="small"),
}

MONEY_WIDTHS = {"Item": 300, "£ a year": 90, "How": 500}
"""Pixels: the longest item and note read whole on a 1366-pixel laptop."""


def fmt_gbp(value: float) -> str:
    return f"£{value:,.0f}"


def show(outcome: Outcome, canonical_json: str) -> None:
    """The result of the scenario `canonical_json` (whose outcome is `outcome`), from the app's cache of what it shows."""
    if not outcome.ok:
        show_failure(outcome)
        return
    view = cached.result_view(canonical_json)
    summary = view.summary
    cols = st.columns(5)
    cols[0].metric("Staff (WTE)", f"{summary['total_wte']:.1f}", f"{summary['new_wte']:+.1f} new", delta_color="off", delta_arrow="off")
    cols[1].metric("ARRS claimed (£ a year)", fmt_gbp(summary["arrs_claimed_gbp_per_year"]),
                   f"of {fmt_gbp(summary['arrs_sum_gbp_per_year'])}", delta_color="off", delta_arrow="off")
    unspent = summary["arrs_unspent_gbp_per_year"]
    cols[2].metric("ARRS unspent (£ a year)", fmt_gbp(unspent))
    if unspent >= 1:
        cols[2].caption(UNSPENT_WHY)  # under the figure, where it wraps: a metric's delta is cut off on a 1366-pixel laptop
    cols[3].metric("Contacts served (a year)", f"{summary['served_contacts_per_year']:,.0f}",
                   f"of {summary['demand_contacts_per_year']:,.0f} needed", delta_color="off", delta_arrow="off")
    cols[4].metric(CARE_SCORE_LABEL, f"{summary['care_score']:.1f}",
                   help=care_score_help(outcome.result.scenario.policy.valuation))
    st.caption(view.answer)
    if note := past_year_line(outcome.result.scenario.year):
        st.info(note)
    with st.expander("Technical details"):
        st.caption(view.technical)

    st.subheader("Staffing mix")
    st.markdown(f"**In words:** {view.mix_words}")
    chart_with_text(view.charts["mix"])
    st.dataframe(view.mix, hide_index=True, width="stretch", column_order=MIX_COLUMNS, column_config=MIX_CONFIG)
    if view.mix["Max reimbursable status"].map(is_estimate).any():
        st.caption(ESTIMATE_NOTE)

    st.subheader("Money")
    chart_with_text(view.charts["money"])
    st.dataframe(view.money, hide_index=True, width="stretch", column_config={
        "Item": st.column_config.TextColumn(width=MONEY_WIDTHS["Item"]),
        "£ a year": st.column_config.NumberColumn(format="localized", width=MONEY_WIDTHS["£ a year"]),
        "How": st.column_config.TextColumn(width=MONEY_WIDTHS["How"])})

    st.subheader("Care served and unmet")
    chart_with_text(view.charts["care"])
    care = view.care
    st.dataframe(care, hide_index=True, width="stretch", column_order=CARE_COLUMNS + [c for c in care.columns if c not in CARE_COLUMNS],
                 column_config=CARE_CONFIG)

    st.subheader("What limits you")
    show_limits(view)
    for note in view.notes:
        st.info(in_words(note))


def chart_with_text(chart) -> None:
    """The chart, and its figures in words under it: the text alternative screen readers read, and a check for everyone."""
    st.altair_chart(chart, width="stretch")
    st.caption(chart.description)


def show_limits(view: ResultView) -> None:
    """The limits that matter most as a list; the rest, with every marginal value, behind an expander."""
    if view.limits.empty:
        st.success("Nothing binds: every need is met within every limit.")
        return
    st.markdown("\n".join(f"- {in_words(sentence)}" for sentence in view.lead["What limits you"]))
    if not view.rest.empty:
        with st.expander(f"{len(view.rest)} more limits, and the marginal value of each"):
            st.markdown("\n".join(f"- {in_words(sentence)}" for sentence in view.rest["What limits you"]))
            st.dataframe(view.limits, hide_index=True, width="stretch", column_config={
                "What limits you": st.column_config.TextColumn(width="large"),
                "Marginal value": st.column_config.NumberColumn(format="%.2f", width="small")})


def show_failure(outcome: Outcome) -> None:
    """Why there is no result, in the core's words, with the conflicting limits when it is infeasible."""
    if outcome.kind != "infeasible":
        st.error(outcome.message)
        return
    st.error(in_words(outcome.message))
    if outcome.conflicts is not None and not outcome.conflicts.empty:
        conflicts = conflicts_display(outcome.conflicts)
        conflicts["What conflicts"] = conflicts["What conflicts"].map(in_words)
        st.dataframe(conflicts, hide_index=True, width="stretch")
