"""The app's charts, built with Altair from the result tables in `optimiser.ui`: no Streamlit here.

Colours are Okabe-Ito (colour-blind safe) and every bar carries its numbers in words, so nothing
depends on colour alone.
"""

from __future__ import annotations

import altair as alt

from optimiser import ui

COLOURS = ui.OKABE_ITO


def mix_chart(result, row_px: int = 34) -> alt.LayerChart:
    """WTE per role, in post and new, caps marked; `row_px` high per role (printed pages pack rows closer)."""
    data = ui.mix_chart_data(result)
    marks = ui.cap_marks(result)
    order = list(data.drop_duplicates("role").sort_values("total_wte", ascending=False)["role_label"])
    top = max([data["total_wte"].max(), *marks["cap_wte"]] or [1.0])
    y = alt.Y("role_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=[0, top * 1.75])
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X("sum(wte):Q", title="WTE (whole-time equivalent)", scale=x_scale),
        color=alt.Color("part:N", title=None, scale=alt.Scale(domain=["In post", "New"], range=[COLOURS["blue"], COLOURS["orange"]]),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("role_label:N", title="Role"), alt.Tooltip("part:N", title="Part"), alt.Tooltip("wte:Q", title="WTE", format=".2f")],
    )
    words = alt.Chart(data.drop_duplicates("role")).mark_text(align="left", dx=6, fontSize=12).encode(
        y=y, x=alt.X("total_wte:Q", scale=x_scale), text="words:N")
    layers = [bars, words]
    if not marks.empty:
        layers.append(alt.Chart(marks).mark_tick(thickness=3, size=22).encode(
            y=y, x=alt.X("cap_wte:Q", scale=x_scale),
            color=alt.condition("datum.lifted", alt.value(COLOURS["grey"]), alt.value(COLOURS["black"])),
            tooltip=[alt.Tooltip("cap_label:N", title="Cap")]))
    return alt.layer(*layers).properties(height=max(5 * row_px, row_px * len(order)),
                                         description="Staffing mix, WTE by role: " + ui.chart_text(data, "role_label"))


def money_chart(result) -> alt.Chart:
    data = ui.money_chart_data(result)
    parts = ["Claimed", "Used: staff costs above reimbursement", "Used: posts paid wholly by the PCN", "Used: rented room sessions", "Unspent"]
    y = alt.Y("words:N", title=None, sort=list(dict.fromkeys(data["words"])), axis=alt.Axis(labelLimit=420))
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X("sum(gbp_per_year):Q", title="£ a year", axis=alt.Axis(format="~s", labelExpr="'£' + datum.label")),
        color=alt.Color("part:N", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
                        scale=alt.Scale(domain=parts, range=[COLOURS["blue"], COLOURS["sky"], COLOURS["green"], COLOURS["purple"], COLOURS["vermillion"]])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("budget:N", title="Budget"), alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("gbp_per_year:Q", title="£ a year", format=",.0f")],
    )
    return bars.properties(height=alt.Step(44),  # the words (claimed of, used of) are the bar labels
                           description="Money, £ a year: " + ui.chart_text(data, "words"))


def care_chart(result) -> alt.LayerChart:
    data = ui.care_chart_data(result)
    y = alt.Y("category:N", title=None, sort=list(dict.fromkeys(data["category"])), axis=alt.Axis(labelLimit=300))
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X("sum(contacts_per_year):Q", title="Contacts a year"),
        color=alt.Color("part:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=["Served", "Unmet"], range=[COLOURS["green"], COLOURS["vermillion"]])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("category:N", title="Category"), alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("contacts_per_year:Q", title="Contacts a year", format=",.0f")],
    )
    totals = data.groupby("category", sort=False).agg(total=("contacts_per_year", "sum"), words=("words", "first")).reset_index()
    words = alt.Chart(totals).mark_text(align="left", dx=6, fontSize=12).encode(y=y, x="total:Q", text="words:N")
    return alt.layer(bars, words).properties(height=34 * len(totals),
                                             description="Care served and unmet, contacts a year: " + ui.care_in_words(result))
