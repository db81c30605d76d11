"""A one-page A4 board report as PDF, made without a browser: the app's Altair charts drawn by vl-convert, laid out by fpdf2.

`board_report(result)` reads a Result; `render_board_page(page)` lays out any `BoardPage`, so a multi-year
plan can pass its own year-by-year chart and figures and get the same page. Readable in greyscale: every bar
is labelled with its numbers in words, and the tables carry the figures.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd

from optimiser import __version__, constraints
from optimiser.atomic import write_bytes_atomic
from optimiser.catalogue import POT_NAMES
from optimiser.catalogue_rules import is_estimate
from optimiser.result_display import CARE_SCORE_SCALE, answer_in_words, mix_in_words
from optimiser.results import Result
from optimiser.words import in_sentence

TOP_LIMITS = 3
"""A board reads the three limits that matter most; the full list is in the app and the CLI."""
PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MARGIN_MM = 210.0, 297.0, 14.0
CHART_MAX_HEIGHT_MM, CHART_MIN_HEIGHT_MM = 76.0, 40.0
CHART_WIDTH_PX = 430
CHART_ROW_PX = 21
"""Rows closer than on screen, so the words stay large when the chart is scaled to the page."""
OTHER_LIMITS_SHOWN = 4
STATUS_WORDS = {
    "derived": "derived (arithmetic on published figures)",
    "provisional": "provisional (may change when final figures are published)",
}
_LATIN_1 = str.maketrans({"—": "-", "–": "-", "−": "-", "•": "-", "’": "'", "‘": "'", "“": '"', "”": '"',
                          "≥": ">=", "≤": "<=", "…": "...", "×": "x", "÷": "/"})


@dataclass
class BoardPage:
    """What the page shows, already in words and numbers; the layout knows nothing of the model."""

    title: str
    subtitle: str
    recommendation: str
    chart: alt.TopLevelMixin
    chart_title: str
    money: list[tuple[str, float, str]]
    """(item, £ a year, basis) rows."""
    need: list[tuple[str, float, float, float]]
    """(category, needed, served, share served) rows, contacts a year."""
    limits: list[tuple[str, str, str]]
    """(the limit in a few words, its marginal value in words or '' where the sentence says it, the sentence), most
    important first."""
    other_limits: list[str] = field(default_factory=list)
    """Further binding limits, a few words each."""
    figure_notes: list[str] = field(default_factory=list)
    footer: str = ""
    unspent: list[str] = field(default_factory=list)
    """Why money is left unspent, a sentence each (as the CLI and the app say it), under the money table."""


def board_report(result: Result, chart: alt.TopLevelMixin | None = None, generated: date | None = None) -> bytes:
    """The one-page board report of a result as PDF bytes; `chart` replaces the mix chart (e.g. a plan's years)."""
    return render_board_page(board_page(result, chart, generated))


def write_board_report(result: Result, path: Path, overwrite: bool = False) -> Path:
    write_bytes_atomic(Path(path), board_report(result), overwrite=overwrite)
    return Path(path)


def board_page(result: Result, chart: alt.TopLevelMixin | None = None, generated: date | None = None) -> BoardPage:
    from optimiser import charts

    scenario, summary = result.scenario, result.summary()
    generated = generated or date.today()
    return BoardPage(
        title=f"{scenario.pcn.name}: ARRS staffing mix {scenario.year}",
        subtitle=(f"List size {scenario.pcn.list_size:,}, weighted population {scenario.pcn.weighted_population:,.0f}. "
                  f"{summary['total_wte']:.1f} WTE in the mix ({summary['new_wte']:.1f} new); "
                  f"{summary['served_contacts_per_year']:,.0f} of {summary['demand_contacts_per_year']:,.0f} contacts a year "
                  f"needed are served. Care score {summary['care_score']:.1f} ({CARE_SCORE_SCALE}). "
                  f"{answer_in_words(result)}"),
        recommendation=mix_in_words(result, name_kept=True),
        chart=chart if chart is not None else charts.mix_chart(result, row_px=CHART_ROW_PX),
        chart_title="Recommended mix (WTE per role: in post and new)",
        money=money_rows(result),
        need=[(row["category_name"], row["demand_contacts_per_year"], row["served_contacts_per_year"], row["served_share"])
              for _, row in result.care().iterrows()],
        limits=top_limits(result),
        other_limits=other_limits(result),
        figure_notes=figure_notes(result),
        unspent=result.unspent_money(),
        footer=(f"Made on {generated:%d %B %Y} by arrs-optimiser {__version__} from the scenario's own figures and the "
                f"{scenario.year} ARRS rules. Marginal values (what one more unit of a limit would add) hold for small changes."),
    )


def money_rows(result: Result) -> list[tuple[str, float, str]]:
    """ARRS claimed and unspent per pot, then the PCN's own money: what a board asks first."""
    money = result.money()["gbp_per_year"]
    rows = []
    for pot, funding in result.inputs.funding.to_dict("index").items():
        name = POT_NAMES.get(pot, pot)
        basis = "given in the scenario" if funding["sum_is_given"] else (
            f"weighted pop. x £{funding['gbp_per_weighted_patient']:.3f} ({funding['status']})")
        rows += [
            (name, money[name], basis),
            ("  claimed", money[f"{name}: claimed"], ""),
            ("  unspent", money[f"{name}: unspent"], "lost: not carried forward"),
        ]
        if f"{name}: staff in post beyond it" in money:
            rows.append(("  staff in post beyond it", money[f"{name}: staff in post beyond it"], "paid outside ARRS"))
    rent, own = money["Top-up used: rented room sessions"], money["Top-up used: posts paid wholly by the PCN"]
    rows += [
        ("Own money (top-up budget)", money["Top-up budget"], "costs above reimbursement; own posts; rent"),
        ("  used for staff costs", money["Top-up used: staff costs above reimbursement"], ""),
        *([("  used for posts outside ARRS", own, "full cost")] if own > 0.5 else []),
        *([("  used for rented rooms", rent, "")] if rent > 0.5 else []),
        ("  unspent", money["Top-up unspent"], ""),
        ("Total employment cost", money["Total employment cost"], "all funders"),
    ]
    return rows


def _limits(result: Result) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shared lead limits (Result.lead_limits), and the rest that change the answer."""
    lead, rest = result.lead_limits(TOP_LIMITS)
    return lead, rest[rest["marginal_value"].abs() >= 0.5 * 10 ** -result.unit.digits]


def _limit_name(result: Result, family: str, label: str | None) -> str:
    name = result.inputs.roles["role_name"].get(label) if isinstance(label, str) else None
    role = in_sentence(name) if isinstance(name, str) else ""
    return {
        "role_cap": f"Cap on {role}",
        "recruitment_limit": f"Recruitment limit for {role}",
        "in_post_floor": f"Staff in post kept: {role}",
        "clinical_rooms": "Clinical rooms",
        "desk_space": "Desk space",
        "arrs_budget": POT_NAMES.get(label, label or ""),
        "top_up_budget": "Top-up budget (own money)",
        "whole_posts": f"Whole posts of {role}",
    }.get(family, family)


def _value(result: Result, row) -> str:
    """A limit's marginal value in words; none for staff in post, whose sentence says what their money would buy: their
    value per WTE is negative and reads as advice to cut them."""
    if not constraints.family(row["family"]).value_shown:
        return ""
    return f"{row['marginal_value']:+,.{result.unit.digits}f} {row['marginal_value_unit']}"


def top_limits(result: Result) -> list[tuple[str, str, str]]:
    """The limits that matter most: (name, marginal value in words or '', sentence)."""
    top, _ = _limits(result)
    return [(_limit_name(result, row["family"], row["label"]), _value(result, row), row["explanation"]) for _, row in top.iterrows()]


def other_limits(result: Result) -> list[str]:
    _, rest = _limits(result)
    named = [_limit_name(result, row["family"], row["label"]) + (f" ({value})" if (value := _value(result, row)) else "")
             for _, row in rest.iterrows()]
    more = len(named) - OTHER_LIMITS_SHOWN
    return named[:OTHER_LIMITS_SHOWN] + ([f"and {more} more (see the app or the CLI)"] if more > 0 else [])


def figure_notes(result: Result) -> list[str]:
    """Which figures are not published national amounts, by the catalogue's status column."""
    mix = result.mix()
    notes = []
    flagged = mix[mix["max_reimbursable_status"].map(is_estimate).astype(bool)]
    for status, group in flagged.groupby("max_reimbursable_status", sort=True):
        words = STATUS_WORDS.get(status, status)
        notes.append(f"* Maximum reimbursable amount {words}: {', '.join(group['role_name'])}.")
    for pot, funding in result.inputs.funding.iterrows():
        if not funding["sum_is_given"] and funding["status"] != "published":
            notes.append(f"The {POT_NAMES.get(pot, pot)}'s £ per weighted patient is {STATUS_WORDS.get(funding['status'], funding['status'])}.")
    return notes


# ---------------------------------------------------------------- layout


def chart_png(chart: alt.TopLevelMixin) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(chart.properties(width=CHART_WIDTH_PX).to_dict(), scale=3)


def _text(value: str) -> str:
    """The built-in PDF fonts are Latin-1: typographic marks become their plain forms, anything else '?'."""
    return value.translate(_LATIN_1).encode("latin-1", "replace").decode("latin-1")


def render_board_page(page: BoardPage) -> bytes:
    """Lay the page out; if the text runs past the foot, shrink the chart by as much and lay it out again."""
    image = chart_png(page.chart)
    chart_limit = CHART_MAX_HEIGHT_MM
    while True:
        pdf, overflow = _layout(page, image, chart_limit)
        if overflow <= 0:
            return bytes(pdf.output())
        if chart_limit <= CHART_MIN_HEIGHT_MM:
            raise ValueError("the board report does not fit on one page")  # a layout bug, caught by the tests
        chart_limit = max(CHART_MIN_HEIGHT_MM, chart_limit - overflow - 1)


def _layout(page: BoardPage, image: bytes, chart_limit: float):
    """The page with the chart at most `chart_limit` mm high, and how far (mm) the text runs past the foot."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_title(_text(page.title))
    pdf.set_creator(f"arrs-optimiser {__version__}")
    pdf.add_page()
    width = PAGE_WIDTH_MM - 2 * MARGIN_MM

    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(width, 7, _text(page.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(width, 4.4, _text(page.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font("Helvetica", "", 9.5)
    pdf.multi_cell(width, 4.6, _text(f"**Recommendation.** {page.recommendation}"), markdown=True, new_x="LMARGIN", new_y="NEXT")

    pdf.ln(1.5)
    _heading(pdf, page.chart_title)
    pixels_wide, pixels_high = struct.unpack(">II", image[16:24])  # the PNG header's IHDR chunk
    chart_height = min(width * pixels_high / pixels_wide, chart_limit)
    chart_width = chart_height * pixels_wide / pixels_high
    pdf.image(io.BytesIO(image), x=MARGIN_MM + (width - chart_width) / 2, y=pdf.get_y(), w=chart_width, h=chart_height)
    pdf.set_y(pdf.get_y() + chart_height + 2)

    top = pdf.get_y()
    left_width, gap = 86.0, 5.0
    _heading(pdf, "Money (£ a year)")
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    pdf.set_font("Helvetica", "", 7.8)
    with pdf.table(width=left_width, col_widths=(33, 17, 36), align="LEFT", line_height=3.7, headings_style=heading,
                   text_align=("LEFT", "RIGHT", "LEFT"), borders_layout="HORIZONTAL_LINES", padding=(0.6, 1)) as table:
        table.row([_text(t) for t in ("Item", "£ a year", "Basis")])
        for item, amount, basis in page.money:
            table.row([_text(item), f"{amount:,.0f}", _text(basis)])
    money_bottom = pdf.get_y()

    right = MARGIN_MM + left_width + gap
    pdf.set_left_margin(right)
    pdf.set_xy(right, top)
    _heading(pdf, "Need met (contacts a year)")
    pdf.set_font("Helvetica", "", 7.8)
    with pdf.table(width=width - left_width - gap, col_widths=(43, 16, 16, 10), align="LEFT", line_height=3.7,
                   headings_style=heading, text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES", padding=(0.6, 1)) as table:
        table.row(["Category", "Needed", "Served", "Met"])
        for category, needed, served, share in page.need:
            table.row([_text(category), f"{needed:,.0f}", f"{served:,.0f}", f"{share:.0%}"])
    pdf.set_left_margin(MARGIN_MM)
    pdf.set_xy(MARGIN_MM, max(money_bottom, pdf.get_y()) + 2)
    if page.unspent:
        pdf.set_font("Helvetica", "", 8.5)
        pdf.multi_cell(width, 4.0, _text(f"**Money unspent.** {' '.join(page.unspent)}"), markdown=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)

    _heading(pdf, "What limits you most (and what one more unit would buy)")
    pdf.set_font("Helvetica", "", 8.5)
    if not page.limits:
        pdf.multi_cell(width, 4.2, "No budget, room or staffing limit binds.", new_x="LMARGIN", new_y="NEXT")
    for number, (name, value, sentence) in enumerate(page.limits, start=1):
        heading = f"{number}. {name}: {value}" if value else f"{number}. {name}"
        pdf.multi_cell(width, 4.2, _text(f"**{heading}**"), markdown=True, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(MARGIN_MM + 4)
        pdf.multi_cell(width - 4, 4.0, _text(sentence), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.6)
    if page.other_limits:
        pdf.multi_cell(width, 4.0, _text(f"Also binding: {'; '.join(page.other_limits)}."),
                       new_x="LMARGIN", new_y="NEXT")

    notes = [*page.figure_notes, page.footer]
    pdf.set_font("Helvetica", "", 7)
    pdf.set_text_color(60, 60, 60)
    lines = sum(len(pdf.multi_cell(width, 3.3, _text(note), dry_run=True, output="LINES")) for note in notes)
    pdf.set_y(max(pdf.get_y() + 1, PAGE_HEIGHT_MM - MARGIN_MM + 4 - lines * 3.3))
    for note in notes:
        pdf.multi_cell(width, 3.3, _text(note), new_x="LMARGIN", new_y="NEXT")
    return pdf, pdf.get_y() - (PAGE_HEIGHT_MM - 4)


def _heading(pdf, text: str) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, _text(text), new_x="LMARGIN", new_y="NEXT")

