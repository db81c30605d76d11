"""Charts of a multi-year plan (Altair, words in tooltips), in the colours optimiser/charts.py sets for every chart."""

from __future__ import annotations

import altair as alt

from optimiser.plan_results import PlanResult
from optimiser.charts import OKABE_ITO, SERIES_COLOURS, role_scale

YEAR_AXIS = alt.X("year:O", title="Financial year", axis=alt.Axis(labelAngle=0))
"""Years read level: the app fits each chart into its height, so sideways labels would take the plot's room."""


def _legend(title: str) -> alt.Legend:
    """On the right, one entry a line: a legend below takes its rows out of the chart's height."""
    return alt.Legend(title=title, orient="right", labelLimit=220)


def mix_area_chart(result: PlanResult, future: str) -> alt.Chart:
    """WTE in post at each year's end, stacked by role, in one future."""
    mix = result.mix()
    data = mix[mix["future"] == future][["year", "role", "role_name", "total_wte"]]
    names = data.drop_duplicates("role").set_index("role")["role_name"]
    return alt.Chart(data).mark_area().encode(
        x=YEAR_AXIS,
        y=alt.Y("sum(total_wte):Q", title="WTE in post (year end)", stack="zero"),
        color=alt.Color("role_name:N", title="Role", scale=role_scale(names), legend=_legend("Role")),
        tooltip=[alt.Tooltip("role_name:N", title="Role"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("total_wte:Q", title="WTE", format=".2f")],
    ).properties(height=380, title=f"Staff by role ({future})")


def own_money_chart(result: PlanResult) -> alt.LayerChart:
    """Own money needed each year in each future, against the top-up budget."""
    years = result.years()[["future", "year", "own_money_gbp_per_year", "top_up_budget_gbp_per_year"]]
    x = YEAR_AXIS
    money = alt.Axis(format="~s", labelExpr="'£' + datum.label")
    lines = alt.Chart(years).mark_line(point=True).encode(
        x=x, y=alt.Y("own_money_gbp_per_year:Q", title="Own money needed, £ a year", axis=money),
        color=alt.Color("future:N", title="Future", scale=alt.Scale(range=SERIES_COLOURS), legend=_legend("Future")),
        tooltip=[alt.Tooltip("future:N", title="Future"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("own_money_gbp_per_year:Q", title="Own money, £", format=",.0f"),
                 alt.Tooltip("top_up_budget_gbp_per_year:Q", title="Top-up budget, £", format=",.0f")],
    )
    budget = alt.Chart(years.drop_duplicates("year")).mark_line(strokeDash=[6, 4], color=OKABE_ITO["black"]).encode(
        x=x, y="top_up_budget_gbp_per_year:Q", tooltip=[alt.Tooltip("top_up_budget_gbp_per_year:Q", title="Top-up budget, £", format=",.0f")])
    return alt.layer(lines, budget).properties(height=300, title="Own money needed (dashed: top-up budget)")


def need_met_chart(result: PlanResult) -> alt.Chart:
    years = result.years()[["future", "year", "need_met_share"]]
    return alt.Chart(years).mark_line(point=True).encode(
        x=YEAR_AXIS,
        y=alt.Y("need_met_share:Q", title="Share of need met", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("future:N", title="Future", scale=alt.Scale(range=SERIES_COLOURS), legend=_legend("Future")),
        tooltip=[alt.Tooltip("future:N"), alt.Tooltip("year:O"), alt.Tooltip("need_met_share:Q", title="Need met", format=".0%")],
    ).properties(height=300, title="Need met")
