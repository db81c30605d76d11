"""The results as an Excel workbook for people: headers in words with units, number formats, frozen headers,
widths that fit, the inputs the answer came from and what limits it.

The machine-readable tables (`results.tables`, written as CSV and JSON) keep their snake_case names; this
workbook uses the app's labels (`optimiser.result_display`, `optimiser.edit_tables`), so a column reads the same on screen and in Excel.
"""

from __future__ import annotations

import io
import math

import pandas as pd

from optimiser import edit_tables, result_display
from optimiser.catalogue import POT_NAMES
from optimiser.results import STAFFED_WTE, Result
from optimiser.tables import text_cells_stay_text

FORMATS = [  # first match on the header (or a row's label) wins
    ("£", '"£"#,##0'),
    ("(WTE)", "0.00"),
    ("(%)", "0"),
    ("contacts", "#,##0"),
    ("sessions", "0.0"),
    ("Marginal value", "#,##0.0"),
    ("(0–1)", "0.00"),
]
MAX_WIDTH, SENTENCE_WIDTH = 48, 90
SENTENCE_COLUMNS = {"What limits you", "How", "Note", "Why"}

INPUT_LABELS = {
    ("pcn", "name"): "PCN name",
    ("pcn", "ods_code"): "ODS code",
    ("pcn", "icb"): "Integrated care board",
    ("pcn", "list_size"): "List size (patients)",
    ("pcn", "weighted_population"): "Weighted population (patients)",
    ("money", "top_up_budget_gbp"): "Top-up budget: the PCN's own money (£ a year)",
    ("estate", "room_sessions_per_week"): "Clinical room sessions free (sessions a week)",
    ("estate", "rentable_sessions_per_week"): "Room sessions that could be rented (sessions a week)",
    ("estate", "rent_gbp_per_session"): "Rent per room session (£)",
    ("estate", "desk_sessions_per_week"): "Desk sessions (sessions a week)",
    ("policy", "remove_all_caps"): "Lift every role cap",
    ("policy", "remove_caps"): "Caps lifted for",
    ("policy", "allow_reducing_in_post"): "Allow reducing staff in post",
    ("policy", "whole_posts"): "Recruit whole posts only",
    ("policy", "post_size_wte"): "Size of one post (WTE)",
    ("policy", "london_weighting"): "London weighting",
}


def result_workbook(result: Result) -> bytes:
    """Every result table and the inputs, one sheet each, as .xlsx bytes."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    summary = result.summary()
    headline = pd.DataFrame(
        [("PCN", summary["pcn"]), ("Financial year", summary["year"]), ("Answer", result_display.answer_in_words(result)),
         ("Technical details", result_display.technical_details(result))]
        + [(label, summary[key]) for key, label in result_display.MEASURES.items()]
        + [("Figures marked *", result_display.ESTIMATE_NOTE.removeprefix("* "))],
        columns=["Measure", "Value"],
    )
    _sheet(book, "Summary", headline, row_formats=True)
    mix = result_display.mix_display(result).reset_index(drop=True)
    mix.insert(3, "Reduced (WTE)", result.mix()["reduced_wte"].to_numpy())
    _sheet(book, "Staffing mix", mix)
    _sheet(book, "Money", result_display.money_display(result))
    _sheet(book, "Care", result_display.care_display(result).reset_index(drop=True))
    _sheet(book, "What limits you", limits_table(result))
    _sheet(book, "Care by role", care_by_role_table(result))
    _sheet(book, "Inputs", inputs_table(result), row_formats=True)
    roles = edit_tables.roles_table(result.scenario).astype({"max_new_wte": object, "include": object})
    roles["max_new_wte"] = roles["max_new_wte"].where(roles["max_new_wte"].notna(), "no limit")
    roles["include"] = roles["include"].map({True: "yes", False: "no"})
    _sheet(book, "Inputs - roles", roles[list(edit_tables.ROLE_COLUMNS)].rename(columns=edit_tables.ROLE_COLUMNS))
    demand = edit_tables.demand_table(result.scenario)
    _sheet(book, "Inputs - demand", demand[list(edit_tables.DEMAND_COLUMNS)].rename(columns=edit_tables.DEMAND_COLUMNS))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def limits_table(result: Result) -> pd.DataFrame:
    """Binding limits as the app lists them, then the notes beside them, each a row."""
    limits = result_display.limits_display(result).reset_index(drop=True)
    notes = pd.DataFrame({"What limits you": result.notes()})
    return pd.concat([limits, notes], ignore_index=True)


def care_by_role_table(result: Result) -> pd.DataFrame:
    by_role = result.care_by_role().reset_index()
    by_role = by_role[by_role["assigned_wte"] > STAFFED_WTE]
    return pd.DataFrame({
        "Role": by_role["role"].map(result.inputs.roles["role_name"]),
        "Demand category": by_role["category"].map(result.inputs.categories["category_name"]),
        "Time given to it (WTE)": by_role["assigned_wte"],
        "Contacts (contacts a year)": by_role["contacts_per_year"],
    })


def inputs_table(result: Result) -> pd.DataFrame:
    """The scenario's settings the answer used, one per row, in words; empty settings show what was used."""
    scenario = result.scenario
    rows: list[tuple[str, object, str]] = [("Financial year", scenario.year, "selects the year's ARRS rules")]
    for (section, name), label in INPUT_LABELS.items():
        model = getattr(scenario, section)
        value = getattr(model, name)
        if isinstance(value, list):
            value = ", ".join(result.inputs.roles["role_name"].get(v, v) for v in value) or "none"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        note = type(model).model_fields[name].description or ""
        rows.append((label, "" if value is None else value, note))
        if (section, name) == ("pcn", "weighted_population"):
            for pot, funding in result.inputs.funding.iterrows():
                how = "given in the scenario" if funding["sum_is_given"] else (
                    f"weighted population × £{funding['gbp_per_weighted_patient']:.3f} ({funding['status']})")
                rows.append((f"{POT_NAMES.get(pot, pot)} (£ a year)", float(funding["sum_gbp"]), how))
    return pd.DataFrame(rows, columns=["Input", "Value", "Note"])


# ---------------------------------------------------------------- layout


def number_format(header: str) -> str | None:
    return next((fmt for key, fmt in FORMATS if key in header), None)


def _sheet(book, title: str, frame: pd.DataFrame, row_formats: bool = False) -> None:
    """One table on its own sheet: bold wrapped header row frozen, formats by header (or by row label)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title[:31])
    headers = [str(c) for c in frame.columns]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in values])
    sheet.freeze_panes = "B2"
    for j, header in enumerate(headers, start=1):
        column = sheet[get_column_letter(j)]
        fmt = number_format(header)
        for cell in column[1:]:
            row_fmt = number_format(str(sheet.cell(cell.row, 1).value)) if row_formats and j > 1 else None
            if isinstance(cell.value, float):
                cell.value = round(cell.value, 2 if "£" in (row_fmt or fmt or "") else 4) + 0.0  # as the CSV: no solver noise
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) and (row_fmt or fmt):
                cell.number_format = row_fmt or fmt
            if header in SENTENCE_COLUMNS or (isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        longest = max([len(_shown(c.value, c.number_format)) for c in column[1:]] or [0])
        wanted = SENTENCE_WIDTH if header in SENTENCE_COLUMNS else min(MAX_WIDTH, longest)
        sheet.column_dimensions[get_column_letter(j)].width = max(wanted, min(len(header), 24), 8) + 2
    keep_text(sheet)


def keep_text(sheet) -> None:
    """Text a spreadsheet would run as a formula (= + - @ …) stays text: a PCN name is never a live formula."""
    text_cells_stay_text(sheet)


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _shown(value, fmt: str) -> str:
    """About how wide a value shows, for the column width."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"£{value:,.0f}" if "£" in fmt else f"{value:,.2f}"
    return str(value)
