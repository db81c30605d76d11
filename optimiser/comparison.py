"""Two results side by side, as the app shows them: the change and its direction, at the precision shown."""

from __future__ import annotations

import pandas as pd

from optimiser.result_display import MEASURES
from optimiser.results import Result, compare_care, compare_mix, compare_summary
from optimiser.words import counted

CHANGE_TOLERANCE = 1e-6




def distinct_names(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, str]:
    """What names two scenarios side by side: the first of their names that tells them apart, each given as (PCN name,
    file or scenario name): their PCNs, or for two scenarios of the same PCN their files (the last names when none
    does: the same file twice). The app and the CLI's `compare` alike."""
    return next(((x, y) for x, y in zip(a, b) if x != y), (a[-1], b[-1]))


def display_digits(name: str) -> int:
    """Decimals a measure is shown with: WTE to 0.01, sessions and the care score to 0.1 (as the answer states it),
    pounds and contacts to whole units."""
    name = str(name).lower()
    return 2 if "wte" in name else 1 if "sessions" in name or name == "care_score" else 0


def at_display_precision(frame: pd.DataFrame, first: str, second: str, change: str, digits: int | list[int]) -> pd.DataFrame:
    """Both values rounded as shown and the change recomputed from them: a change too small to show is 0, never -0."""
    frame = frame.copy()
    digits = list(digits) if isinstance(digits, list) else [digits] * len(frame)
    for column in (first, second):
        frame[column] = [round(float(v), d) + 0.0 for v, d in zip(frame[column], digits)]
    frame[change] = [round(b - a, d) + 0.0 for a, b, d in zip(frame[first], frame[second], digits)]
    return frame


def equally_good(a: Result, b: Result, change: str = "the change") -> str | None:
    """When two results give the same care score and cost as shown but different mixes, say so: the moves between
    roles are then one of several equally good mixes, not what `change` requires (a manager reading 'lifting the nurse
    cap costs us four pharmacists' would be misled). None when the care, the cost or the mix differ as shown."""
    x, y = a.summary(), b.summary()
    score = [round(x["care_score"], display_digits("care_score")), round(y["care_score"], display_digits("care_score"))]
    cost = [round(x["total_cost_gbp_per_year"]), round(y["total_cost_gbp_per_year"])]
    mix = at_display_precision(compare_mix(a, b), "baseline_wte", "other_wte", "change_wte", 2)
    if score[0] != score[1] or cost[0] != cost[1] or not (mix["change_wte"] != 0).any():
        return None
    return (f"Both give a care score of {score[0]:.1f} of 100 for £{cost[0]:,.0f} a year: the two mixes are equally good "
            f"to the precision shown, and the moves between roles are a choice between equally good mixes, not something "
            f"{change} requires.")


def _direction(change: float) -> str:
    if abs(change) <= CHANGE_TOLERANCE:
        return "same"
    return "▲ up" if change > 0 else "▼ down"


def comparison_tables(a: Result, b: Result, names: tuple[str, str] = ("Baseline", "Current")) -> dict[str, pd.DataFrame]:
    """Headline, mix and care of two results side by side, each with the change and its direction in words.

    Values are rounded as they are shown (£1, 0.01 WTE, one contact) before the change is taken, so rounding
    noise between two solves is never flagged as a change.
    """
    first, second = names
    summary = compare_summary(a, b)
    summary = at_display_precision(summary, "baseline", "other", "change", [display_digits(k) for k in summary.index])
    summary.insert(0, "label", [MEASURES.get(k, k) for k in summary.index])
    mix = at_display_precision(compare_mix(a, b), "baseline_wte", "other_wte", "change_wte", 2)
    care = at_display_precision(compare_care(a, b), "baseline_served_contacts_per_year", "other_served_contacts_per_year",
                                "change_contacts_per_year", 0)
    tables = {
        "headline": _side_by_side(summary, ["label", "baseline", "other", "change"],
                                  ["Measure", first, second, "Change"]),
        "mix": _side_by_side(mix, ["role_name", "baseline_wte", "other_wte", "change_wte"],
                             ["Role", f"{first} (WTE)", f"{second} (WTE)", "Change (WTE)"]),
        "care": _side_by_side(care, ["category_name", "baseline_served_contacts_per_year", "other_served_contacts_per_year",
                                     "change_contacts_per_year"],
                              ["Demand category", f"{first} served (contacts a year)", f"{second} served (contacts a year)",
                               "Change (contacts a year)"]),
    }
    for table in tables.values():
        table["Direction"] = [_direction(v) for v in table[change_column(table)]]
    return tables


def _side_by_side(frame: pd.DataFrame, columns: list[str], titles: list[str]) -> pd.DataFrame:
    """The label, both values and the change, under the titles users read."""
    return frame[columns].set_axis(titles, axis=1)


def change_column(table: pd.DataFrame) -> str:
    return next(c for c in table.columns if str(c).startswith("Change"))


def roles_changed(count: int) -> str:
    """'1 role changes.', '3 roles change.': the sentence over a comparison's staffing mix."""
    return f"{counted(count, 'role changes', 'roles change')}."


def changed_rows(table: pd.DataFrame) -> pd.Series:
    """True where the two results differ by more than rounding."""
    return table[change_column(table)].abs() > CHANGE_TOLERANCE


def highlight_changes(table: pd.DataFrame, number_format: str = "{:,.2f}"):
    """A pandas Styler: changed rows in bold on a pale Okabe-Ito yellow; the Direction column says it in words."""
    changed = changed_rows(table)
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]

    def rows(row: pd.Series) -> list[str]:
        style = "font-weight: bold; background-color: #FBF5B5" if changed[row.name] else ""
        return [style] * len(row)

    styler = table.style.apply(rows, axis=1).format({c: number_format for c in numeric})
    for digits in {display_digits(i) for i in table.index} - {0}:  # headline measures keep the decimals they are rounded to
        measures = [i for i in table.index if display_digits(i) == digits]
        if numeric:
            styler = styler.format(f"{{:,.{digits}f}}", subset=pd.IndexSlice[measures, numeric])
    return styler


