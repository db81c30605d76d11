"""Readable terminal reports and machine-readable files from results; the CLI only calls these."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from optimiser import comparison, constraints
from optimiser.atomic import write_files_atomic
from optimiser.catalogue import POT_NAMES
from optimiser.check_table import (NEED_COLUMNS, STAFF_COLUMNS, SUPERVISION_COLUMNS, need_met_compared, plan_money,
                                   staff_compared, supervision_in_words)
from optimiser.result_display import (UNSPENT_WHY, VALUATION_TEXT, answer_in_words, past_year_line, role_label,
                                      technical_details)
from optimiser.results import Result, compare_care, compare_mix, compare_summary, tables
from optimiser.tables import csv_text
from optimiser.terminal_table import folding_table

HEADLINE_LABELS = {
    "total_wte": "Staff (WTE)",
    "arrs_claimed_gbp_per_year": "ARRS claimed (£/yr)",
    "arrs_unspent_gbp_per_year": "ARRS unspent (£/yr)",
    "top_up_used_gbp_per_year": "Top-up used (£/yr)",
    "served_contacts_per_year": "Contacts served (/yr)",
    "unmet_contacts_per_year": "Contacts unmet (/yr)",
    "priority_weighted_contacts_per_year": "Priority-weighted contacts (/yr)",
    "care_score": "Care score (of 100)",
}
ESTIMATE_NOTE = "* maximum reimbursable amount is not a published national figure (derived or provisional: see `catalogue`)"


def mix_table(result: Result) -> Table:
    mix = result.mix().copy()
    mix["role"] = [role_label(name, status) for name, status in zip(mix["role_name"], mix["max_reimbursable_status"])]
    mix = mix.set_index("role")
    mix["cap"] = [
        "" if pd.isna(p) else (f"{p:g} (lifted)" if pd.isna(c) else f"{c:g}")
        for p, c in zip(mix["published_cap_wte"], mix["cap_wte"])
    ]
    shown = mix.rename(columns={
        "in_post_wte": "In post (WTE)", "new_wte": "New (WTE)", "total_wte": "Total (WTE)", "cap": "Cap (WTE)",
        "cost_gbp_per_year": "Cost (£/yr)", "arrs_claimed_gbp_per_year": "ARRS claimed (£/yr)",
        "top_up_gbp_per_year": "Top-up (£/yr)", "room_sessions_per_week": "Rooms (sessions a week)",
    })
    shown = shown.rename(columns={"own_funded_wte": "Own money (WTE)"})
    own = {"Own money (WTE)": ".2f"} if (mix["own_funded_wte"] > 1e-6).any() else {}
    formats = {"In post (WTE)": ".2f", "New (WTE)": ".2f", "Total (WTE)": ".2f", **own, "Cap (WTE)": "s",
               "Cost (£/yr)": ",.0f", "ARRS claimed (£/yr)": ",.0f", "Top-up (£/yr)": ",.0f", "Rooms (sessions a week)": ".1f"}
    return folding_table("Staffing mix", shown, formats, index_label="Role")


def money_table(result: Result) -> Table:
    money = result.money().rename(columns={"gbp_per_year": "£ a year", "note": "How"})
    return folding_table("Money", money, {"£ a year": ",.0f", "How": "s"}, index_label="Item")


def care_table(result: Result) -> Table:
    care = result.care().set_index("category_name").rename(columns={
        "demand_contacts_per_year": "Needed (contacts/yr)", "served_contacts_per_year": "Served (contacts/yr)",
        "unmet_contacts_per_year": "Unmet (contacts/yr)", "served_share": "Served (%)", "priority_weight": "Priority",
        "clinical_size_wte": "Size (WTE)", "care_points": "Care points",
    })
    care["Served (%)"] = care["Served (%)"] * 100
    formats = {"Needed (contacts/yr)": ",.0f", "Served (contacts/yr)": ",.0f", "Unmet (contacts/yr)": ",.0f",
               "Served (%)": ".0f", "Priority": "g", "Size (WTE)": ".1f", "Care points": ".1f"}
    return folding_table("Care", care, formats, index_label="Demand category")


def supervision_table(result: Result) -> Table:
    table = supervision_in_words(result.supervision()).set_index(SUPERVISION_COLUMNS["supervisor_name"])
    formats = dict(zip(table.columns, (".1f", "s>", ".1f", ",.0f")))
    return folding_table("Supervision (defaults are mostly estimates: see the assumptions README)", table, formats,
                         index_label=table.index.name)


def why_panel(result: Result) -> Panel:
    binding = result.binding_constraints()
    met = binding[binding["family"].map(lambda name: constraints.family(name).kind == "need").astype(bool)]
    lead, rest = result.lead_limits()
    lines = [f"• {sentence}" for sentence in lead["explanation"]] or ["• No budget, room or staffing limit binds."]
    if len(rest):
        lines.append("Also binding, with less effect:")
        lines += [f"  – {sentence}" for sentence in rest["explanation"]]
    if len(met):
        names = result.inputs.categories["category_name"].reindex(met["label"])
        lines.append(f"• Demand is fully met for: {', '.join(names)}.")
    lines += [f"• {sentence}" for sentence in result.notes()]
    note = ("\n(Marginal values are estimates: they treat posts as if they could be split.)" if result.model.posts else
            f"\n(Marginal values keep fixed which roles recruit: new posts are at least "
            f"{result.scenario.policy.min_post_wte:g} WTE.)" if result.model.new_post else "")
    return Panel("\n".join(lines) + note, title="What limits you", title_align="left")


def render_result(result: Result, caps_lifted: Result | None = None) -> Group:
    summary = result.summary()
    scenario = result.scenario
    names = [POT_NAMES.get(pot, pot) for pot in result.inputs.arrs_sums_gbp]
    pots = f" ({' + '.join(names)})" if len(names) > 1 else ""
    header = Text.assemble(
        (f"{scenario.pcn.name}", "bold"), f" — {scenario.year}, list size {scenario.pcn.list_size:,}, ",
        f"weighted population {scenario.pcn.weighted_population:,.0f}\n",
        f"{answer_in_words(result)}\n",
        f"Staff: {summary['total_wte']:.2f} WTE ({summary['new_wte']:.2f} new). ",
        f"ARRS claimed £{summary['arrs_claimed_gbp_per_year']:,.0f} of £{summary['arrs_sum_gbp_per_year']:,.0f} a year{pots}; ",
        (f"unspent £{summary['arrs_unspent_gbp_per_year']:,.0f}", "bold"),
        f" ({UNSPENT_WHY}). " if summary["arrs_unspent_gbp_per_year"] >= 1 else ". ",
        f"Contacts served {summary['served_contacts_per_year']:,.0f} of {summary['demand_contacts_per_year']:,.0f} a year needed. ",
        (f"Care score {summary['care_score']:.1f} of 100", "bold"), f" ({VALUATION_TEXT[scenario.policy.valuation]}).",
    )
    if note := past_year_line(scenario.year):
        header.append(f"\n{note}", style="yellow")
    parts = [header, mix_table(result), Text(ESTIMATE_NOTE, style="dim"), money_table(result), care_table(result), supervision_table(result), why_panel(result)]
    if caps_lifted is not None:
        parts.append(what_if_table(result, caps_lifted))
    parts.append(Text(f"Technical details: {technical_details(result)}", style="dim"))
    return Group(*parts)


def _headline_text(changes: pd.DataFrame) -> pd.DataFrame:
    """Headline measures as text at display precision (comparison.display_digits); the change is taken from the values shown."""
    frame = changes.loc[list(HEADLINE_LABELS)]
    first, second, change = frame.columns
    frame = comparison.at_display_precision(frame, first, second, change, [comparison.display_digits(m) for m in frame.index])
    text = pd.DataFrame(index=[HEADLINE_LABELS[m] for m in frame.index], columns=frame.columns, dtype=object)
    for measure, label in zip(frame.index, text.index):
        digits = comparison.display_digits(measure)
        text.at[label, first] = format(frame.at[measure, first], f",.{digits}f")
        text.at[label, second] = format(frame.at[measure, second], f",.{digits}f")
        text.at[label, change] = _signed(frame.at[measure, change], digits)
    return text


def _signed(value: float, digits: int) -> str:
    """A change with its sign; no change is a plain 0, never -0 or +0."""
    return format(0, f".{digits}f") if value == 0 else format(value, f"+,.{digits}f")


def _signed_text(frame: pd.DataFrame, column: str, digits: int) -> pd.DataFrame:
    """A change column as text with its sign, as the headline shows changes (+4.00, -0.68, 0.00)."""
    shown = frame.copy()
    shown[column] = [_signed(round(float(v), digits) + 0.0, digits) for v in shown[column]]
    return shown


def what_if_table(result: Result, caps_lifted: Result) -> Table:
    changes = compare_summary(result, caps_lifted)
    frame = _headline_text(changes.rename(columns={"baseline": "As published", "other": "All caps lifted", "change": "Change"}))
    table = folding_table("What if every cap were lifted", frame, dict.fromkeys(frame.columns, "s>"), index_label="Measure")
    mix = comparison.at_display_precision(compare_mix(result, caps_lifted), "baseline_wte", "other_wte", "change_wte", 2)
    moved = mix[mix["change_wte"] != 0]
    for role, row in moved.iterrows():
        table.add_row(f"WTE: {row['role_name']}", f"{row['baseline_wte']:.2f}", f"{row['other_wte']:.2f}", _signed(row["change_wte"], 2))
    table.caption = comparison.equally_good(result, caps_lifted, "lifting the caps")
    return table


def render_comparison(a: Result, b: Result, names: tuple[str, str] | None = None) -> Group:
    """A and B side by side, headed by `names` (comparison.distinct_names; default: their PCN names)."""
    names = names or (a.scenario.pcn.name, b.scenario.pcn.name)
    summary = _headline_text(compare_summary(a, b).rename(columns={"baseline": f"A: {names[0]}", "other": f"B: {names[1]}", "change": "B − A"}))
    mix = comparison.at_display_precision(compare_mix(a, b), "baseline_wte", "other_wte", "change_wte", 2)
    mix = mix.set_index("role_name")[["baseline_wte", "other_wte", "change_wte"]]
    mix.columns = ["A (WTE)", "B (WTE)", "B − A (WTE)"]
    care = comparison.at_display_precision(compare_care(a, b), "baseline_served_contacts_per_year", "other_served_contacts_per_year",
                                   "change_contacts_per_year", 0).set_index("category_name")
    care.columns = ["A (contacts/yr)", "B (contacts/yr)", "B − A (contacts/yr)"]
    mix, care = _signed_text(mix, "B − A (WTE)", 2), _signed_text(care, "B − A (contacts/yr)", 0)
    return Group(
        folding_table("Headline", summary, dict.fromkeys(summary.columns, "s>"), index_label="Measure"),
        folding_table("Staffing mix", mix, {"A (WTE)": ".2f", "B (WTE)": ".2f", "B − A (WTE)": "s>"}, index_label="Role"),
        folding_table("Contacts served", care, {"A (contacts/yr)": ",.0f", "B (contacts/yr)": ",.0f", "B − A (contacts/yr)": "s>"},
                      index_label="Demand category"),
    )


def result_json(result: Result, caps_lifted: Result | None = None) -> str:
    data = {name: json.loads(frame.to_json(orient="records")) for name, frame in tables(result).items()}
    data["summary"] = data["summary"][0]
    if caps_lifted is not None:
        data["caps_lifted_summary"] = tables(caps_lifted)["summary"].to_dict(orient="records")[0]
    return json.dumps(data, indent=2)


def write_result_files(result: Result, directory: Path, fmt: str, overwrite: bool = False) -> list[Path]:
    """Write one file per table (csv) or one JSON file: all of them or none, never replacing files unless asked."""
    if fmt == "json":
        files = {"result.json": result_json(result).encode("utf-8")}
    else:
        files = {f"{name}.csv": csv_text(frame).encode("utf-8") for name, frame in tables(result).items()}
    return write_files_atomic(Path(directory), files, overwrite=overwrite)


def render_check(check) -> Group:
    """A plan checked: the headline, every rule broken, money and rooms, the plan beside the best mix, need met."""
    numbers = check.summary
    scenario = check.scenario
    header = Text.assemble(
        (f"{scenario.pcn.name}", "bold"), f" — checking the plan, {scenario.year}\n",
        (check.headline(), "bold"),
    )
    rules = Panel("\n".join(f"• {sentence}" for sentence in check.breaches) or "• None: the plan keeps every rule.",
                  title="Rules the plan breaks", title_align="left")
    notes = Text("\n".join(check.notes))
    money = plan_money(numbers).set_index("Measure")
    mix = _signed_text(staff_compared(check.comparison()).set_index(STAFF_COLUMNS["role_name"]), STAFF_COLUMNS["change_wte"], 2)
    care = need_met_compared(check.care()).set_index(NEED_COLUMNS["category_name"])
    return Group(
        header, rules, notes,
        folding_table("The plan's money and rooms", money, {"Value": "s>"}, index_label="Measure"),
        folding_table("Staff: the plan and the best mix", mix, {c: "s>" if c == STAFF_COLUMNS["change_wte"] else ".2f" for c in mix.columns},
                      index_label=mix.index.name),
        folding_table("Share of need met", care, dict(zip(care.columns, (",.0f", ".0f", ".0f"))), index_label=care.index.name),
        supervision_table(check.planned),
    )
