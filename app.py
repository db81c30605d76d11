"""ARRS skill-mix optimiser for PCN managers: edit a scenario, see the best mix, lift caps, compare, save.

    streamlit run app.py

Layout and widgets only: every number comes from the `optimiser` package, and the conversions between
the scenario and the editable tables live in `optimiser.ui`, where they are unit-tested.
Environment: ARRS_SCENARIO_DIR is the folder scenarios are saved into (default: scenarios/);
ARRS_APP_SCENARIO is the file opened first (default: urban-deprived-2026-27.yaml).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import streamlit as st

from optimiser import charts, england, ui
from optimiser.catalogue_rules import available_years
from optimiser.errors import OptimiserError, ScenarioError, listed
from optimiser.pipeline import with_caps_lifted
from optimiser.results import tables
from optimiser.scenario import Scenario
from optimiser.scenario_files import load_scenario, save_scenario, scenario_from_text, scenario_to_text
from optimiser.scenario_yaml import MAX_SCENARIO_BYTES, TOO_LARGE
from optimiser.tables import csv_text
from optimiser.workbook import result_workbook

APP_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = APP_DIR / "scenarios"
SAVE_DIR = Path(os.environ.get("ARRS_SCENARIO_DIR") or BUNDLED_DIR)
DEFAULT_FILE = os.environ.get("ARRS_APP_SCENARIO") or "urban-deprived-2026-27.yaml"

st.set_page_config(page_title="ARRS skill-mix optimiser", page_icon="⚕", layout="wide")
ss = st.session_state


# ---------------------------------------------------------------- cached work


@st.cache_data(max_entries=256, show_spinner=False)
def solve_cached(canonical_json: str) -> ui.Outcome:
    """One solve per distinct scenario: the key is the scenario's canonical JSON."""
    return ui.solve_outcome(ui.scenario_from_canonical(canonical_json))


@st.cache_data(max_entries=32, show_spinner=False)
def excel_cached(canonical_json: str) -> bytes:
    return result_workbook(solve_cached(canonical_json).result)


@st.cache_data(max_entries=32, show_spinner=False)
def board_report_cached(canonical_json: str) -> bytes:
    from optimiser.pdf_report import board_report

    return board_report(solve_cached(canonical_json).result)


def files() -> dict[str, Path]:
    return ui.scenario_files([BUNDLED_DIR, SAVE_DIR])


# ---------------------------------------------------------------- state


def load(scenario: Scenario, source: str, saved: bool = True) -> None:
    """Make a scenario the page's base: every widget shows it, the table editors start afresh."""
    ss.loaded = scenario
    ss.gen = ss.get("gen", 0) + 1
    ss.source = source
    if saved:
        ss.saved_json = scenario.canonical_json()
    for key, value in ui.form_values(scenario).items():
        if key != "lifted_caps":
            ss[key] = value
    for role, row in ui.cap_table(scenario).iterrows():
        ss[f"lift_cap_{role}"] = bool(role in scenario.policy.remove_caps)
    ss.pop("last_valid", None)


def load_file(label: str) -> None:
    path = files().get(label)
    try:
        if path is None:
            raise ScenarioError(["no such scenario file in the scenario folders"], label)
        load(load_scenario(path), path.name)
        ss.open_file = label
        ss.load_error = None
    except ScenarioError as error:
        ss.load_error = str(error)


def on_pick() -> None:
    """Opening another file would drop unsaved edits, so ask first and keep the box on the open file."""
    if "current" in ss and ui.has_unsaved_changes(ss.current, ss.get("saved_json")):
        ss.pick_waiting = ss.picker
        ss.picker = ss.get("open_file", ss.picker)
    else:
        load_file(ss.picker)


def confirm_pick() -> None:
    ss.picker = ss.pop("pick_waiting")
    load_file(ss.picker)


def cancel_pick() -> None:
    ss.pop("pick_waiting", None)


PCN_CHOICES = england.picker_labels()


def start_from_pcn() -> None:
    """A scenario filled from the chosen real PCN's public data, with each value's source in the YAML it saves."""
    code = PCN_CHOICES.get(ss.real_pcn)
    if code is None:
        return
    try:
        load(scenario_from_text(england.scenario_text(code), code), code + england.APP_SOURCE_SUFFIX, saved=False)
        ss.load_error = None
    except OptimiserError as error:
        ss.load_error = str(error)


if "loaded" not in ss:
    available = files()
    ss.picker = DEFAULT_FILE if DEFAULT_FILE in available else next(iter(available), None)
    ss.compare_with = "the same scenario with all caps lifted"
    if ss.picker is None:
        st.error(f"No scenario files in {BUNDLED_DIR} or {SAVE_DIR}; add one or upload a YAML file.")
        st.stop()
    load_file(ss.picker)
    if "loaded" not in ss:
        st.error(ss.load_error)
        st.stop()

if "pending" in ss:  # a change of year or list size: re-synchronise every widget with the edited scenario
    load(ss.pop("pending"), ss.source, saved=False)


# ---------------------------------------------------------------- sidebar: choose and edit the scenario

with st.sidebar:
    st.header("Scenario")
    st.selectbox("Open a scenario file", list(files()), key="picker", on_change=on_pick,
                 help=f"Files in {BUNDLED_DIR.name}/" + ("" if SAVE_DIR == BUNDLED_DIR else f" and {SAVE_DIR}"))
    if ss.get("pick_waiting"):
        st.warning(f"Open {ss.pick_waiting}? Your unsaved edits to this scenario would be lost (download or save them first).")
        st.button(f"Open {ss.pick_waiting} and discard my edits", key="confirm_pick", on_click=confirm_pick)
        st.button("Keep editing", key="cancel_pick", on_click=cancel_pick)
    upload = st.file_uploader("…or upload a YAML scenario", type=["yaml", "yml", "json"], key="upload",
                              help=f"Up to {MAX_SCENARIO_BYTES // 1000:,} kB; parsed safely, never run.")
    if upload is not None and upload.file_id != ss.get("upload_id"):
        ss.upload_id = upload.file_id
        try:
            if upload.size > MAX_SCENARIO_BYTES:
                raise ScenarioError([TOO_LARGE], upload.name)
            try:
                text = upload.getvalue().decode("utf-8")
            except UnicodeDecodeError:
                raise ScenarioError(["the file is not UTF-8 text; is it a scenario?"], upload.name) from None
            load(scenario_from_text(text, upload.name), f"{upload.name} (uploaded)")
            ss.load_error = None
        except ScenarioError as error:
            ss.load_error = str(error)
    st.selectbox("…or start from a real PCN in England", list(PCN_CHOICES), index=None, key="real_pcn",
                 on_change=start_from_pcn, placeholder="Type a PCN name or ODS code",
                 help="Fills in its list size, an ESTIMATED weighted population and staff in post from NHS England's "
                      "public data (Open Government Licence v3.0): check them and edit.")
    if ss.source.endswith(england.APP_SOURCE_SUFFIX):
        st.info(england.sources_note(ss.loaded.pcn.ods_code))
    if ss.get("load_error"):
        st.error(ss.load_error)

    slots: dict = {}

    def field(widget, key: str, label: str, **kwargs):
        """A widget keyed for tests, with a slot right under it for its error message."""
        value = widget(label, key=key, **kwargs)
        slots[key] = st.empty()
        return value

    field(st.selectbox, "year", "Financial year", options=list(available_years()),
          help="Selects that year's role catalogue: amounts, caps and which roles exist.")
    st.subheader("PCN")
    field(st.text_input, "pcn_name", "PCN name")
    field(st.number_input, "list_size", "List size (patients)", min_value=1, max_value=1_000_000, step=500)
    field(st.number_input, "weighted_population", "Weighted population (patients)", min_value=1.0, max_value=2_000_000.0,
          step=500.0, format="%.0f", help="PCN Contractor Weighted Population (Carr-Hill) at 1 January.")
    st.subheader("Money")
    field(st.checkbox, "arrs_derive", "Derive the ARRS sum from the weighted population")
    field(st.number_input, "arrs_sum_gbp", "ARRS sum (£ a year)", min_value=0.0, step=10_000.0, format="%.0f",
          disabled=bool(ss.get("arrs_derive")))
    field(st.number_input, "top_up_budget_gbp", "Top-up budget (£ a year)", min_value=0.0, step=10_000.0, format="%.0f",
          help="The PCN's own money for costs above what ARRS reimburses, and for rented rooms.")
    st.subheader("Estate")
    field(st.number_input, "room_sessions_per_week", "Clinical room sessions free (sessions a week)", min_value=0.0,
          step=5.0, format="%.1f", help="A session is half a day in one clinical room.")
    field(st.number_input, "rentable_sessions_per_week", "Rentable room sessions (sessions a week)", min_value=0.0,
          step=5.0, format="%.1f")
    field(st.number_input, "rent_gbp_per_session", "Rent (£ per session)", min_value=0.0, step=5.0, format="%.2f")
    field(st.number_input, "desk_sessions_per_week", ui.label("desk_sessions_per_week"), min_value=0.0, step=5.0, format="%.1f",
          value=None, placeholder="no limit", help="Desk sessions a week for desk-based roles (care co-ordinators, "
          "digital leads); leave empty if desks do not limit you.")
    st.subheader("Caps")
    field(st.toggle, "remove_all_caps", "Remove all caps", help="See what the mix would be with no caps on any role.")
    caps = ui.cap_table(ss.loaded)
    if caps.empty:
        st.caption(f"No role has a cap in {ss.loaded.year} for a list of {ss.loaded.pcn.list_size:,}.")
    for role, row in caps.iterrows():
        field(st.toggle, f"lift_cap_{role}", f"Lift the {row['cap_wte']:g} WTE cap on {row['role_name']}",
              disabled=bool(ss.get("remove_all_caps")),
              help=f"Cap status: {row['cap_status']}" + ("" if row["cap_status"] == "published" else " — not a confirmed national rule."))
    st.subheader("Staffing")
    field(st.toggle, "whole_posts", "Whole posts only", help="Off: fractional WTE (fast LP). On: new staff come in whole posts.")
    field(st.number_input, "post_size_wte", "Size of one post (WTE)", min_value=0.05, max_value=1.0, step=0.05,
          disabled=not ss.get("whole_posts"))
    field(st.toggle, "allow_reducing_in_post", ui.label("allow_reducing_in_post"),
          help="Off: everyone in post stays. On: the mix may have fewer of a role than you employ now.")
    field(st.selectbox, "london_weighting", ui.label("london_weighting"), options=["none", "outer", "inner"],
          format_func={"none": "None", "outer": "Outer London", "inner": "Inner London"}.get,
          help="Raises the maximum reimbursable amounts by the London weighting of the year's rules.")


# ---------------------------------------------------------------- main: header and tabs

st.title("ARRS skill-mix optimiser")
header = st.container()
tab_result, tab_edit, tab_compare, tab_save, tab_plan, tab_check = st.tabs(
    ["Result", "Roles and demand", "Compare", "Save and share", "Plan ahead", "Check my plan"])

# The editors are drawn first (in their tab) because the scenario is composed from them.
with tab_edit:
    roles_base = ui.roles_table(ss.loaded)
    demand_base = ui.demand_table(ss.loaded)
    st.subheader("Roles")
    st.caption("Tick the roles the PCN would employ and set what you know. “No limit” in “Max new” means you could recruit as many as the money and rooms allow. "
               "Grey columns come from the year's catalogue.")
    roles_edited = st.data_editor(
        ui.roles_for_editor(roles_base), key=f"roles_editor_{ss.gen}", num_rows="fixed", width="stretch",
        disabled=["role_name", "max_reimbursable_gbp", "max_reimbursable_status"],
        column_order=list(ui.ROLE_COLUMNS), hide_index=True,
        column_config={
            "role_name": st.column_config.TextColumn(ui.ROLE_COLUMNS["role_name"], width="medium"),
            "include": st.column_config.CheckboxColumn(ui.ROLE_COLUMNS["include"], help="Untick to exclude the role"),
            "in_post_wte": st.column_config.NumberColumn(ui.ROLE_COLUMNS["in_post_wte"], min_value=0, max_value=500, step=0.1, format="%.2f"),
            "max_new_wte": st.column_config.TextColumn(ui.ROLE_COLUMNS["max_new_wte"],
                                                       help=f"Most new WTE you could recruit this year: a number, or “{ui.NO_LIMIT}”"),
            "cost_per_wte_gbp": st.column_config.NumberColumn(ui.ROLE_COLUMNS["cost_per_wte_gbp"], min_value=1, max_value=1_000_000,
                                                              step=100, format="£%.0f",
                                                              help="Salary + employer NI + pension; empty = the maximum reimbursable amount"),
            "remote_share": st.column_config.NumberColumn(ui.ROLE_COLUMNS["remote_share"], min_value=0, max_value=1, step=0.05, format="%.2f",
                                                          help="Share of time worked remotely (needs no clinical room)"),
            "max_reimbursable_gbp": st.column_config.NumberColumn(ui.ROLE_COLUMNS["max_reimbursable_gbp"], format="£%.0f"),
            "max_reimbursable_status": st.column_config.TextColumn(ui.ROLE_COLUMNS["max_reimbursable_status"],
                                                                   help="published = a national figure; derived or provisional = not published"),
        },
    )
    roles_edited = ui.roles_from_editor(roles_edited)
    roles_slot = st.empty()
    estimates = roles_base.loc[ui.estimate_roles(roles_base), "role_name"]
    if len(estimates):
        st.info(f"{len(estimates)} roles' maximum reimbursable amounts are not published national figures "
                f"(status “derived” or “provisional”, marked * in the results): {', '.join(estimates)}. "
                "Check them against your ICB's current figures before relying on them.")
    st.subheader("Demand")
    demand_edited = st.data_editor(
        demand_base, key=f"demand_editor_{ss.gen}", num_rows="fixed", width="stretch", hide_index=True,
        disabled=["category_name"], column_order=list(ui.DEMAND_COLUMNS),
        column_config={
            "category_name": st.column_config.TextColumn(ui.DEMAND_COLUMNS["category_name"], width="large"),
            "contacts_per_year": st.column_config.NumberColumn(ui.DEMAND_COLUMNS["contacts_per_year"], min_value=0, max_value=10_000_000,
                                                               step=100, format="%.0f", help="Empty = the default rate × list size"),
            "priority_weight": st.column_config.NumberColumn(ui.DEMAND_COLUMNS["priority_weight"], min_value=0, max_value=100, step=0.1,
                                                             format="%.2f", help="How much one contact in this category counts"),
        },
    )
    demand_slot = st.empty()

# ---------------------------------------------------------------- compose the current scenario

problems: list[str] = []
composed = ss.loaded
for apply, base, edited, slot in ((ui.apply_roles, roles_base, roles_edited, roles_slot),
                                  (ui.apply_demand, demand_base, demand_edited, demand_slot)):
    try:
        composed = apply(composed, base, edited)
    except ScenarioError as error:
        slot.error("\n".join(f"- {p}" for p in listed(error.problems)))
        problems += error.problems
values = {key: ss.get(key) for key in (*ui.FORM_FIELDS, "arrs_derive", "year")}
values["lifted_caps"] = [role for role in caps.index if ss.get(f"lift_cap_{role}")]
try:
    composed, dropped = ui.apply_form(composed, values)
    if dropped:
        ss.notice = f"Not in the {composed.year} catalogue, so left out: {', '.join(dropped)}."
except ui.FormError as error:
    for key, sentences in error.by_field.items():
        slots.get(key, header).error("\n".join(ui.in_words(sentence) for sentence in listed(sentences)))
    problems += error.problems

if not problems:
    ss.last_valid = composed
    if (composed.year, composed.pcn.list_size, composed.policy.london_weighting) != (
            ss.loaded.year, ss.loaded.pcn.list_size, ss.loaded.policy.london_weighting):
        ss.pending = composed  # the tables depend on these: redraw them for the new year or list size
        st.rerun()
current: Scenario = ss.get("last_valid", ss.loaded)
ss.current = current
outcome = solve_cached(current.canonical_json())

with header:
    unsaved = ui.has_unsaved_changes(current, ss.get("saved_json"))
    st.markdown(f"**{current.pcn.name}** · {current.year} · from `{ss.source}`"
                + (" · :orange-badge[Unsaved changes]" if unsaved else " · :gray-badge[Saved]"))
    if unsaved:
        st.caption("Your edits are kept while this tab is open. Download or save the scenario (Save and share) to keep them.")
    if ss.get("notice"):
        st.info(ss.pop("notice"))
    if problems:
        st.warning("Some input is not valid (see the message beside it). The result below is for the last valid scenario.")


# ---------------------------------------------------------------- result


def fmt_gbp(value: float) -> str:
    return f"£{value:,.0f}"


MIX_COLUMNS = ["Role", "In post (WTE)", "New (WTE)", "Total (WTE)", "Cap (WTE)", "ARRS claimed (£ a year)", "Top-up (£ a year)",
               "Room sessions (sessions a week)", "Max reimbursable (£ per WTE a year)"]
"""The mix table's columns on screen, short enough for a 1366-pixel laptop; the downloads keep every column."""
MIX_CONFIG = {
    "Role": st.column_config.TextColumn(width="medium"),
    "In post (WTE)": st.column_config.NumberColumn("In post", format="%.2f", help="WTE in post now", width="small"),
    "New (WTE)": st.column_config.NumberColumn("New", format="%.2f", help="WTE to recruit", width="small"),
    "Total (WTE)": st.column_config.NumberColumn("Total", format="%.2f", help="WTE in the mix", width="small"),
    "Cap (WTE)": st.column_config.TextColumn("Cap", help="The role's cap, WTE", width="small"),
    "ARRS claimed (£ a year)": st.column_config.NumberColumn("ARRS £/yr", format="localized", help="ARRS claimed, £ a year", width="small"),
    "Top-up (£ a year)": st.column_config.NumberColumn("Top-up £/yr", format="localized", help="Top-up used, £ a year", width="small"),
    "Room sessions (sessions a week)": st.column_config.NumberColumn("Rooms /wk", format="%.1f", help="Clinical room sessions a week",
                                                                     width="small"),
    "Max reimbursable (£ per WTE a year)": st.column_config.NumberColumn("Max £/WTE", format="localized", width="small",
                                                                         help="Maximum reimbursable amount, £ per WTE a year"),
}
CARE_COLUMNS = ["Demand category", "Served (contacts a year)", "Unmet (contacts a year)", "Served (%)",
                "Needed (contacts a year)", "Priority weight"]
"""Served and unmet first, so they are in view on a laptop whatever else the table holds."""
CARE_CONFIG = {
    "Demand category": st.column_config.TextColumn(width="medium"),
    "Served (contacts a year)": st.column_config.NumberColumn("Served /yr", format="localized", help="Contacts served a year", width="small"),
    "Unmet (contacts a year)": st.column_config.NumberColumn("Unmet /yr", format="localized", help="Contacts unmet a year", width="small"),
    "Served (%)": st.column_config.NumberColumn("Served %", format="%.0f", width="small"),
    "Needed (contacts a year)": st.column_config.NumberColumn("Needed /yr", format="localized", help="Contacts needed a year", width="small"),
    "Priority weight": st.column_config.NumberColumn("Priority", format="%.2f", width="small"),
}


def chart_as_text(chart) -> None:
    """Every chart's figures in words under it: the text alternative screen readers read, and a check for everyone."""
    st.caption(chart.to_dict()["description"])


def show_failure(result_outcome: ui.Outcome) -> None:
    if result_outcome.kind == "infeasible":
        st.error(ui.in_words(result_outcome.message))
        if result_outcome.conflicts is not None and not result_outcome.conflicts.empty:
            conflicts = ui.conflicts_display(result_outcome.conflicts)
            conflicts["What conflicts"] = conflicts["What conflicts"].map(ui.in_words)
            st.dataframe(conflicts, hide_index=True, width="stretch")
    else:
        st.error(result_outcome.message)


with tab_result:
    if not outcome.ok:
        show_failure(outcome)
    else:
        result = outcome.result
        summary = result.summary()
        cols = st.columns(4)
        cols[0].metric("Staff (WTE)", f"{summary['total_wte']:.1f}", f"{summary['new_wte']:+.1f} new", delta_color="off", delta_arrow="off")
        cols[1].metric("ARRS claimed (£ a year)", fmt_gbp(summary["arrs_claimed_gbp_per_year"]),
                       f"of {fmt_gbp(summary['arrs_sum_gbp_per_year'])}", delta_color="off", delta_arrow="off")
        cols[2].metric("ARRS unspent (£ a year)", fmt_gbp(summary["arrs_unspent_gbp_per_year"]))
        cols[3].metric("Contacts served (a year)", f"{summary['served_contacts_per_year']:,.0f}",
                       f"of {summary['demand_contacts_per_year']:,.0f} needed", delta_color="off", delta_arrow="off")
        st.caption(f"Solver: {result.status_text}; {result.solution.method}.")

        st.subheader("Staffing mix")
        st.markdown(f"**In words:** {ui.mix_in_words(result)}".replace(" *", " \\*"))
        mix_chart = charts.mix_chart(result)
        st.altair_chart(mix_chart, width="stretch")
        chart_as_text(mix_chart)
        mix = ui.mix_display(result)
        st.dataframe(mix, hide_index=True, width="stretch", column_order=MIX_COLUMNS, column_config=MIX_CONFIG)
        if (mix["Max reimbursable status"] != "published").any():
            st.caption(ui.ESTIMATE_NOTE)

        st.subheader("Money")
        money_chart = charts.money_chart(result)
        st.altair_chart(money_chart, width="stretch")
        chart_as_text(money_chart)
        st.dataframe(ui.money_display(result), hide_index=True, width="stretch", column_config={
            "Item": st.column_config.TextColumn(width="medium"),
            "£ a year": st.column_config.NumberColumn(format="localized", width="small"),
            "How": st.column_config.TextColumn(width="large")})

        st.subheader("Care served and unmet")
        care_chart = charts.care_chart(result)
        st.altair_chart(care_chart, width="stretch")
        chart_as_text(care_chart)
        care = ui.care_display(result)
        st.dataframe(care, hide_index=True, width="stretch", column_order=CARE_COLUMNS + [c for c in care.columns if c not in CARE_COLUMNS],
                     column_config=CARE_CONFIG)

        st.subheader("What limits you")
        limits = ui.limits_display(result)
        if limits.empty:
            st.success("Nothing binds: every need is met within every limit.")
        else:
            lead, rest = ui.lead_limits(result, limits)
            st.markdown("\n".join(f"- {ui.in_words(sentence)}" for sentence in lead["What limits you"]))
            if not rest.empty:
                with st.expander(f"{len(rest)} more limits, and the marginal value of each"):
                    st.markdown("\n".join(f"- {ui.in_words(sentence)}" for sentence in rest["What limits you"]))
                    st.dataframe(limits, hide_index=True, width="stretch", column_config={
                        "What limits you": st.column_config.TextColumn(width="large"),
                        "Marginal value": st.column_config.NumberColumn(format="%.2f", width="small")})
        for note in result.notes():
            st.info(ui.in_words(note))


# ---------------------------------------------------------------- compare


def pin_baseline() -> None:
    ss.baseline = ss.current
    ss.baseline_label = f"{ss.current.pcn.name}, pinned at {datetime.now():%H:%M:%S}"
    ss.compare_with = "the pinned baseline"


with tab_compare:
    st.button("Pin the current result as the baseline", key="pin", on_click=pin_baseline,
              help="Then change anything — top-up, rooms, caps — and compare.")
    st.radio("Compare the current scenario with", ["the same scenario with all caps lifted", "the pinned baseline"],
             key="compare_with", horizontal=True)
    if ss.compare_with == "the pinned baseline":
        if "baseline" not in ss:
            st.info("No baseline yet: press “Pin the current result as the baseline”, then change something.")
            first = second = None
        else:
            first, second = solve_cached(ss.baseline.canonical_json()), outcome
            names = ("Baseline", "Current")
            st.caption(f"Baseline: {ss.baseline_label}.")
    else:
        first, second = outcome, solve_cached(with_caps_lifted(current).canonical_json())
        names = ("As set", "Caps lifted")
        if not ui.cap_table(current).shape[0]:
            st.info(f"{current.year} has no role caps for a PCN of this size, so lifting caps changes nothing. "
                    "Try the 2024/25 rules, or pin a baseline and change something else.")
    if first is not None:
        if not (first.ok and second.ok):
            for label, item in zip(names, (first, second)):
                if not item.ok:
                    st.error(f"{label}: {item.message}")
        else:
            compared = ui.comparison_tables(first.result, second.result, names)
            changed = int(ui.changed_rows(compared["mix"]).sum())
            st.markdown(f"**{changed} roles change.** Rows that differ are in bold on yellow, and the Direction column says which way.")
            for title, key, number_format in (("Headline", "headline", "{:,.0f}"), ("Staffing mix", "mix", "{:,.2f}"),
                                              ("Contacts served", "care", "{:,.0f}")):
                st.subheader(title)
                st.dataframe(ui.highlight_changes(compared[key], number_format), hide_index=True, width="stretch")


# ---------------------------------------------------------------- check my plan

with tab_check:
    st.caption("Type the total WTE you intend for each role (in post included). The plan is checked against every rule, "
               "without optimising it, and shown beside the best mix.")
    plan_edited = st.data_editor(
        ui.plan_table(current), key=f"plan_editor_{ss.gen}", num_rows="fixed", width="stretch", hide_index=True,
        disabled=["role_name", "in_post_wte"], column_order=list(ui.PLAN_COLUMNS),
        column_config={key: st.column_config.NumberColumn(label, min_value=0, max_value=500, step=0.1, format="%.2f")
                       if key != "role_name" else st.column_config.TextColumn(label, width="large") for key, label in ui.PLAN_COLUMNS.items()},
    )
    if st.button("Check my plan", key="check_plan"):
        from optimiser.check import check_plan

        try:
            checked = check_plan(ui.with_plan(current, plan_edited))
        except OptimiserError as error:
            st.error(str(error))
        else:
            st.markdown(f"**{checked.headline()}**")
            for sentence in checked.breaches:
                st.warning(sentence)
            st.dataframe(checked.comparison().rename(columns={"role_name": "Role", "plan_wte": "Plan (WTE)", "best_wte": "Best (WTE)",
                                                              "change_wte": "Best − plan (WTE)"}), hide_index=True, width="stretch")
            st.dataframe(checked.care().rename(columns={"category_name": "Need", "demand_contacts_per_year": "Contacts needed a year",
                                                        "plan_served_share": "Plan: share met", "best_served_share": "Best: share met"}),
                         hide_index=True, width="stretch")


# ---------------------------------------------------------------- save and share


def save(confirmed: str | None = None) -> None:
    """Save under the typed name; an existing file is only replaced through `confirmed`, the name the user confirmed."""
    ss.save_error = ss.save_message = None
    try:
        path = ui.save_path(SAVE_DIR, confirmed or ss.get("save_name", ""))
    except ScenarioError as error:
        ss.save_error = str(error)
        return
    overwrite = confirmed is not None and path.name == confirmed
    if path.exists() and not overwrite:
        ss.confirm_overwrite = path.name
        return
    try:
        save_scenario(ss.current, path, overwrite=overwrite)
    except (OSError, OptimiserError) as error:
        ss.save_error = f"Could not save {path.name}: {error}"
        return
    ss.confirm_overwrite = None
    ss.saved_json = ss.current.canonical_json()
    ss.source = path.name
    ss.save_message = f"Saved as {path.name} in {SAVE_DIR}. Open it again from the scenario list."


def cancel_overwrite() -> None:
    ss.confirm_overwrite = None


with tab_save:
    stem = ui.safe_filename(current.pcn.name).removesuffix(".yaml") if any(c.isalnum() for c in current.pcn.name) else "scenario"
    st.subheader("Download")
    cols = st.columns(4)
    cols[0].download_button("Scenario (YAML)", scenario_to_text(current), file_name=f"{stem}.yaml", mime="application/yaml",
                            key="download_yaml", on_click="ignore")
    if outcome.ok:
        frames = tables(outcome.result)
        which = cols[1].selectbox("Result table", list(frames), key="csv_table", label_visibility="collapsed")
        cols[1].download_button(f"Result: {which} (CSV)", csv_text(frames[which]), file_name=f"{stem}-{which}.csv",
                                mime="text/csv", key="download_csv", on_click="ignore")
        key_json = current.canonical_json()
        cols[2].download_button("All results (Excel)", lambda: excel_cached(key_json), file_name=f"{stem}-results.xlsx",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="download_excel",
                                on_click="ignore")
        cols[3].download_button("Board report (PDF, one page)", lambda: board_report_cached(key_json), file_name=f"{stem}-board-report.pdf",
                                mime="application/pdf", key="download_board_report", on_click="ignore",
                                help="A4, for a board pack: the mix, the money, need met and the three limits that matter most.")
    else:
        cols[1].caption("No result to download: see the Result tab.")

    st.subheader(f"Save into {SAVE_DIR.name}/")
    if "save_name" not in ss:
        ss.save_name = stem
    st.text_input("Name", key="save_name", on_change=cancel_overwrite,  # a new name needs its own confirmation
                  help="Letters, digits, spaces, - and _; saved as <name>.yaml.")
    try:
        st.caption(f"Will be saved as `{ui.safe_filename(ss.save_name)}`.")
    except ScenarioError as error:
        st.caption(error.problems[0])
    st.button("Save", key="save", on_click=save, type="primary")
    if ss.get("confirm_overwrite"):
        st.warning(f"{ss.confirm_overwrite} already exists. Replace it?")
        c1, c2 = st.columns(2)
        c1.button(f"Overwrite {ss.confirm_overwrite}", key="overwrite", on_click=save, kwargs={"confirmed": ss.confirm_overwrite})
        c2.button("Cancel", key="cancel_overwrite", on_click=cancel_overwrite)
    if ss.get("save_error"):
        st.error(ss.save_error)
    if ss.get("save_message"):
        st.success(ss.save_message)


# ---------------------------------------------------------------- plan ahead (several years, several futures)


@st.cache_data(max_entries=32, show_spinner=False)
def plan_cached(canonical_json: str, mode: str):
    from optimiser import plan_ui

    return plan_ui.plan_outcome(ui.scenario_from_canonical(canonical_json), mode)


def show_plan() -> None:
    """The Plan ahead tab: early returns instead of st.stop, so nothing after it is cut off."""
    from optimiser import plan_charts, plan_ui
    from optimiser.plan_report import limits_lines, uncertainty_lines

    st.caption("Plan hiring over several years when pay awards, the ARRS sum and need are not yet known. This year's "
               "posts are decided once for every future; later years adapt to the future that comes. Growth rates not "
               "given in the scenario come from the planning defaults (each with its source).")
    plan_cols = st.columns([1, 2])
    plan_horizon = plan_cols[0].number_input("Years to plan", min_value=1, max_value=15, value=plan_ui.horizon_of(current),
                                             step=1, key="plan_horizon")
    plan_mode = plan_cols[1].radio("Own money must stay within the top-up budget", ["expected", "robust"], horizontal=True,
                                   key="plan_mode", format_func={"expected": "on average over the futures",
                                                                 "robust": "in every future"}.get)
    st.markdown(f"Futures (years: {', '.join(plan_ui.year_choices(current, int(plan_horizon)))}); the chances must add up to 1.")
    plan_futures = st.data_editor(plan_ui.futures_table(current), num_rows="dynamic", hide_index=True, width="stretch",
                                  key="plan_futures")
    try:
        planned = plan_ui.apply_futures(current, plan_futures, int(plan_horizon))
    except ScenarioError as error:
        st.error("\n".join(f"- {p}" for p in error.problems))
        return
    if not st.toggle("Make the plan", key="plan_on", help="Plans take a second or two; they are remade when anything changes."):
        return
    with st.spinner("Planning…"):
        plan_outcome = plan_cached(planned.canonical_json(), plan_mode)
    if not plan_outcome.ok:
        st.error(plan_outcome.message)
        return
    plan_result = plan_outcome.result
    st.markdown(f"**{plan_result.verdict()}**")
    st.markdown(plan_result.first_year_forecast())
    chosen_future = st.selectbox("Show the staff of the future", plan_result.inputs.futures, key="plan_future")
    st.altair_chart(plan_charts.mix_area_chart(plan_result, chosen_future), width="stretch")
    money_cols = st.columns(2)
    money_cols[0].altair_chart(plan_charts.own_money_chart(plan_result), width="stretch")
    money_cols[1].altair_chart(plan_charts.need_met_chart(plan_result), width="stretch")
    st.dataframe(plan_result.years(), hide_index=True, width="stretch")
    st.subheader("What limits you, year by year")
    st.markdown("\n".join(f"- {line}" for line in limits_lines(plan_result)) or "Nothing binds.")
    if plan_result.comparisons is not None:
        st.subheader("What the uncertainty costs")
        st.markdown("\n".join(f"- {line}" for line in uncertainty_lines(plan_result)))
    st.download_button("Download the plan (CSV of every year)", csv_text(plan_result.years()), file_name="plan_years.csv",
                       key="plan_download")
    st.download_button("Download the scenario with these futures", scenario_to_text(planned), file_name="plan.yaml",
                       key="plan_scenario_download")



with tab_plan:
    show_plan()
