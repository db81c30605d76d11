"""The app's charts: their data in long form, each part with its numbers in words, and the Altair charts; no Streamlit here.

Every chart's colours are set here: parts and futures in Okabe-Ito (colour-blind safe), roles each in their own
colour of `ROLE_PALETTE`; every bar carries its numbers in words, so nothing depends on colour alone.
"""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from optimiser.catalogue import POT_NAMES, role_ids
from optimiser.catalogue_rules import available_years
from optimiser.result_display import care_in_words, role_label
from optimiser.results import Result

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
"""Okabe & Ito's colour-blind-safe palette; every chart also labels its parts in words."""

COLOURS = OKABE_ITO
SERIES_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black", "grey")]
"""A few series told apart (a plan's futures), in Okabe-Ito's order."""
ROLE_PALETTE = [
    "#4c78a8", "#9ecae9", "#f58518", "#ffbf79", "#54a24b", "#88d27a", "#b79a20", "#f2cf5b", "#439894", "#83bcb6",
    "#e45756", "#ff9d98", "#79706e", "#bab0ac", "#d67195", "#fcbfd2", "#b279a2", "#d6a5c9", "#9e765f", "#d8b5a5",
    "#000000", "#0b3c7d", "#8c2d04", "#1b6b3a",
]
"""Vega's tableau20 (hue pairs, dark and light, kept apart by lightness for colour-blind readers), then four dark
colours: one per catalogue role (24 across every year), so no two roles share a colour."""


@lru_cache(maxsize=1)
def catalogue_role_order() -> tuple[str, ...]:
    """Every catalogue role id, in the order the years' catalogues first list them: a role's place in the palette."""
    order: dict[str, None] = {}
    for year in available_years():
        order.update(dict.fromkeys(role_ids(year)))
    return tuple(order)


def role_colours(roles: list[str]) -> list[str]:
    """Each role's own colour, the same in every chart and year; custom roles take the colours no role here uses."""
    place = {role: i for i, role in enumerate(catalogue_role_order())}
    fixed = {r: ROLE_PALETTE[place[r] % len(ROLE_PALETTE)] for r in roles if r in place}
    free = [c for c in ROLE_PALETTE if c not in fixed.values()] or ROLE_PALETTE
    custom = iter(free * (len(roles) // len(free) + 1))
    return [fixed[r] if r in fixed else next(custom) for r in roles]


def role_scale(names: pd.Series) -> alt.Scale:
    """A colour scale over role names (`names`: role id → name), each role in its own colour."""
    return alt.Scale(domain=list(names), range=role_colours(list(names.index)))


def chart_text(data: pd.DataFrame, label_column: str) -> str:
    """A chart's figures as one sentence per bar, for screen readers and anyone who prefers words."""
    rows = data.drop_duplicates(label_column)
    return "; ".join(f"{row[label_column]}: {row['words']}" if row["words"] != row[label_column] else row["words"]
                     for _, row in rows.iterrows()) + "."


def mix_chart_data(result: Result) -> pd.DataFrame:
    """WTE by role in long form (one row per role and part: in post, new), with each role's numbers in words."""
    mix = result.mix()
    rows = []
    for role, row in mix.iterrows():
        label = role_label(row["role_name"], row["max_reimbursable_status"])
        kept = row["total_wte"] - row["new_wte"]
        words = f"{row['total_wte']:.1f} WTE: {kept:.1f} in post + {row['new_wte']:.1f} new"
        if pd.notna(row["published_cap_wte"]):
            words += f"; cap {row['published_cap_wte']:g} WTE" + (" lifted" if pd.isna(row["cap_wte"]) else "")
        for part, wte, order in (("In post", kept, 0), ("New", row["new_wte"], 1)):
            rows.append({"role": role, "role_label": label, "part": part, "wte": float(wte), "order": order,
                         "total_wte": float(row["total_wte"]), "words": words})
    return pd.DataFrame(rows, columns=["role", "role_label", "part", "wte", "order", "total_wte", "words"])


def cap_marks(result: Result) -> pd.DataFrame:
    """Where each capped role's cap sits on the mix chart, and whether it is lifted."""
    mix = result.mix()
    capped = mix[mix["published_cap_wte"].notna()]
    return pd.DataFrame(
        {
            "role": capped.index,
            "role_label": [role_label(n, s) for n, s in zip(capped["role_name"], capped["max_reimbursable_status"])],
            "cap_wte": capped["published_cap_wte"].to_numpy(dtype=float),
            "lifted": capped["cap_wte"].isna().to_numpy(),
            "cap_label": [
                f"cap {p:g} WTE" + (" (lifted)" if pd.isna(c) else "") for p, c in zip(capped["published_cap_wte"], capped["cap_wte"])
            ],
        },
        columns=["role", "role_label", "cap_wte", "lifted", "cap_label"],
    )


def money_chart_data(result: Result) -> pd.DataFrame:
    """Each budget (ARRS sums, top-up) split into what is used and what is left, £ a year."""
    money = result.money()["gbp_per_year"]
    rows = []
    for pot, amount in result.inputs.arrs_sums_gbp.items():
        item = POT_NAMES.get(pot, pot)
        claimed = float(money[f"{item}: claimed"])
        words = f"{item}: £{claimed:,.0f} claimed of £{float(amount):,.0f}"
        rows += [(item, "Claimed", claimed, 0, words), (item, "Unspent", max(float(amount) - claimed, 0.0), 2, words)]
    staff = float(money["Top-up used: staff costs above reimbursement"])
    own = float(money["Top-up used: posts paid wholly by the PCN"])
    rent = float(money["Top-up used: rented room sessions"])
    words = f"Top-up budget: £{staff + own + rent:,.0f} used of £{float(money['Top-up budget']):,.0f}"
    rows += [
        ("Top-up budget", "Used: staff costs above reimbursement", staff, 0, words),
        ("Top-up budget", "Used: posts paid wholly by the PCN", own, 1, words),
        ("Top-up budget", "Used: rented room sessions", rent, 2, words),
        ("Top-up budget", "Unspent", max(float(money["Top-up unspent"]), 0.0), 3, words),
    ]
    return pd.DataFrame(rows, columns=["budget", "part", "gbp_per_year", "order", "words"])


def care_chart_data(result: Result) -> pd.DataFrame:
    """Contacts a year served and unmet per demand category, with the share served in words."""
    care = result.care()
    rows = []
    for _, row in care.iterrows():
        words = f"{row['served_share']:.0%} served"
        rows += [
            (row["category_name"], "Served", float(row["served_contacts_per_year"]), 0, words),
            (row["category_name"], "Unmet", float(row["unmet_contacts_per_year"]), 1, words),
        ]
    return pd.DataFrame(rows, columns=["category", "part", "contacts_per_year", "order", "words"])


def mix_chart(result, row_px: int = 34) -> alt.LayerChart:
    """WTE per role, in post and new, caps marked; `row_px` high per role (printed pages pack rows closer)."""
    data = mix_chart_data(result)
    marks = cap_marks(result)
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
                                         description="Staffing mix, WTE by role: " + chart_text(data, "role_label"))


def money_chart(result) -> alt.Chart:
    data = money_chart_data(result)
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
                           description="Money, £ a year: " + chart_text(data, "words"))


def care_chart(result) -> alt.LayerChart:
    data = care_chart_data(result)
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
                                             description="Care served and unmet, contacts a year: " + care_in_words(result))
