"""A multi-year plan as text (rich), JSON and CSV files: written once for the CLI, the app and exports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from rich.console import Group
from rich.table import Table
from rich.text import Text

from optimiser import catalogue_rules
from optimiser.atomic import write_text_atomic
from optimiser.plan_results import PlanResult, wte_list
from optimiser.plan_tables import ON_AVERAGE, YEAR_COLUMNS, YEAR_FORMATS
from optimiser.tables import csv_text
from optimiser.terminal_table import folding_table

MODE_WORDS = {
    "expected": "expected value: own money within the top-up budget on average over the futures",
    "robust": "robust: own money within the top-up budget in every future",
}
LIMITS_SHOWN_PER_YEAR = 3
MEASURABLE = 0.005
"""Care below this (in the care unit, shown to 2 decimals) is nothing measurable."""


def plan_tables(result: PlanResult) -> dict[str, pd.DataFrame]:
    """Every table of a plan, machine-friendly names, one row per fact."""
    futures = pd.DataFrame({
        "future": result.inputs.futures,
        "probability": [result.inputs.probabilities[s] for s in result.inputs.futures],
        "description": [result.inputs.what_differs(s) for s in result.inputs.futures],
        "care_value_discounted": [result.care_value_by_future()[s] for s in result.inputs.futures],
    })
    comparisons = result.comparisons
    if comparisons is not None and comparisons.single_forecast_by_future:
        futures["single_forecast_care_value_discounted"] = futures["future"].map(comparisons.single_forecast_by_future)
    return {
        "summary": pd.DataFrame([result.summary()]),
        "futures": futures,
        "years": result.years(),
        "mix": result.mix(),
        "care": result.care(),
        "limits": result.limits(),
        "posts": result.posts(),
    }


def plan_json(result: PlanResult) -> str:
    data = {name: json.loads(frame.to_json(orient="records")) for name, frame in plan_tables(result).items()}
    data["summary"] = data["summary"][0]
    return json.dumps(data, indent=2)


def write_plan_files(result: PlanResult, directory: Path, fmt: str, overwrite: bool = False) -> list[Path]:
    """One CSV per table, or one JSON file; atomically, never replacing files unless asked."""
    directory = Path(directory)
    if fmt == "json":
        path = directory / "plan.json"
        write_text_atomic(path, plan_json(result), overwrite=overwrite)
        return [path]
    written = []
    for name, frame in plan_tables(result).items():
        path = directory / f"plan_{name}.csv"
        write_text_atomic(path, csv_text(frame), overwrite=overwrite)
        written.append(path)
    return written


TERMINAL_YEAR_COLUMNS = ["future", "year", "total_wte", "new_wte", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year",
                         "own_money_gbp_per_year", "own_money_over_budget_gbp_per_year", "need_met_share", "care_value_per_year"]


def years_table(result: PlanResult) -> Table:
    """The years in the app's words (`PlanTables.years_in_words`), the columns that fit a terminal, folded as `solve`
    folds its tables: a £ figure is never cut."""
    headings = dict(zip(YEAR_COLUMNS, result.years_in_words().columns))
    years = result.years()[TERMINAL_YEAR_COLUMNS].rename(columns=headings)
    formats = {headings[c]: YEAR_FORMATS.get(c, "s") for c in TERMINAL_YEAR_COLUMNS}
    return folding_table("Year by year", years, formats, keys=2)


def mix_by_year(result: PlanResult, future: str) -> pd.DataFrame:
    """WTE in post at each year's end, one row per role and one column per year, in one future."""
    mix = result.mix()
    mix = mix[mix["future"] == future]
    return mix.pivot_table(index="role_name", columns="year", values="total_wte", sort=False)


def mix_table(result: PlanResult, future: str) -> Table:
    pivot = mix_by_year(result, future)
    return folding_table(f"WTE in post at each year's end ({future})", pivot, dict.fromkeys(pivot.columns, ".1f"), index_label="Role")


def limits_lines(result: PlanResult) -> list[str]:
    """The limits that matter most each year, with the care one more unit would add that year; a limit binding
    alike in several futures is said once, naming them."""
    limits = result.limits().assign(shown=lambda t: t["care_value_per_unit"].round(2))
    all_futures = result.inputs.futures
    one = len(all_futures) == 1

    def named(futures) -> str:
        if ON_AVERAGE in set(futures):
            return ""
        if "every future" in set(futures) or set(futures) >= set(all_futures):
            return "every future"
        return ", ".join(s for s in all_futures if s in set(futures))

    lines = []
    for year, rows in limits.groupby("year", sort=True):
        alike = (rows.groupby(["limit", "per", "shown"], sort=False)
                 .agg(futures=("future", named), value=("care_value_per_unit", "max")).reset_index())
        top = alike.sort_values("value", ascending=False, kind="stable").head(LIMITS_SHOWN_PER_YEAR)
        said = "; ".join(f"{r.limit} ({'' if one or not r.futures else f'{r.futures}: '}+{r.shown:.2f} {result.care_words} that year per {r.per})"
                         for r in top.itertuples())
        lines.append(f"{year}: {said}")
    return lines


def uncertainty_lines(result: PlanResult) -> list[str]:
    comparisons = result.comparisons
    if comparisons is None:
        return []
    unit = f"{result.care_words} (discounted, expected)"
    knowing = comparisons.value_of_knowing_the_future
    lines = [f"Knowing which future will come before hiring this year would add "
             f"{f'{knowing:.2f}' if knowing >= MEASURABLE else 'nothing measurable'}: "
             f"{comparisons.wait_and_see:.2f} against {comparisons.here_and_now:.2f} {unit}."]
    hiring = wte_list(sorted(((wte, r) for r, wte in comparisons.forecast_hiring.items()), reverse=True),
                       result.inputs.base.role_columns["role_name"]) if comparisons.forecast_hiring else "no new posts"
    if comparisons.single_forecast is None:
        lines.append(f"Planning on '{comparisons.forecast}' alone ({hiring} this year) cannot be kept within "
                     "the top-up budget whichever future comes.")
    else:
        cost = comparisons.cost_of_a_single_forecast
        worse = (f"does {cost:.2f} {result.care_words} worse" if cost >= MEASURABLE else "loses nothing measurable") + " on average"
        lines.append(f"Planning on '{comparisons.forecast}' alone ({hiring} this year) {worse} when the other futures may come true.")
        worse = {s: comparisons.plan_by_future[s] - v for s, v in comparisons.single_forecast_by_future.items()}
        lines += [f"  if '{s}' comes: {v:+.2f} {result.care_words} for this plan against the plan made for "
                  f"'{comparisons.forecast}' alone" for s, v in worse.items() if abs(v) >= MEASURABLE]
    return lines


def past_year_note(result: PlanResult) -> str | None:
    """One line when the plan starts in a year already over, so its "this year" is not read as today's."""
    return catalogue_rules.past_year_note(result.inputs.years[0], "the plan starts in")


def render_plan(result: PlanResult) -> Group:
    inputs = result.inputs
    likely = inputs.most_likely
    header = Text(f"Plan for {inputs.scenario.pcn.name}: {inputs.years[0]} to {inputs.years[-1]}\n", style="bold")
    header.append(f"{MODE_WORDS[result.model.mode]}; care discounted at {inputs.discount_rate:.1%} a year\n", style="")
    note = past_year_note(result)
    if note:
        header.append(f"{note}\n", style="yellow")
    parts = [header, Text(result.verdict(), style="bold"), Text(result.first_year_forecast())]
    futures = pd.DataFrame({"Chance": [inputs.probabilities[s] for s in inputs.futures],
                            "What differs": [inputs.what_differs(s) for s in inputs.futures],
                            "Care over the years": [result.care_value_by_future()[s] for s in inputs.futures]},
                           index=inputs.futures)
    parts += [folding_table(f"Futures (care in {result.care_words}, discounted)", futures,
                            {"Chance": YEAR_FORMATS["probability"], "What differs": "s", "Care over the years": ".1f"}, index_label="Future"),
              years_table(result), mix_table(result, likely)]
    limits = limits_lines(result)
    if limits:
        parts.append(Text("What limits you, year by year\n", style="bold") + Text("\n".join(limits)))
    uncertainty = uncertainty_lines(result)
    if uncertainty:
        parts.append(Text("What the uncertainty costs\n", style="bold") + Text("\n".join(uncertainty)))
    parts.append(Text(f"Technical details: {result.solution.method}", style="dim"))
    return Group(*parts)

