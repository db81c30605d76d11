"""The sidebar: open, upload or start a scenario, then edit the PCN, money, estate, caps and staffing policy.

Each widget is keyed by its scenario field (see `optimiser.edit_form.FORM_FIELDS`) so tests can reach it,
and has a slot right under it where its error message goes.
"""

from __future__ import annotations

import streamlit as st

from optimiser import england_pcn
from optimiser.app import state
from optimiser.catalogue_rules import available_years
from optimiser.edit_form import cap_table, label
from optimiser.errors import ScenarioError
from optimiser.scenario_io import scenario_from_text
from optimiser.scenario_yaml import MAX_SCENARIO_BYTES, TOO_LARGE

ss = st.session_state


def show() -> dict:
    """Draw the sidebar; return each widget key's error slot."""
    st.header("Scenario")
    choose_scenario()
    slots: dict = {}

    def field(widget, key: str, label: str, **kwargs):
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
    field(st.number_input, "desk_sessions_per_week", label("desk_sessions_per_week"), min_value=0.0, step=5.0, format="%.1f",
          value=None, placeholder="no limit", help="Desk sessions a week for desk-based roles (care co-ordinators, "
          "digital leads); leave empty if desks do not limit you.")
    st.subheader("Caps")
    field(st.toggle, "remove_all_caps", "Remove all caps", help="See what the mix would be with no caps on any role.")
    caps = cap_table(ss.loaded)
    if caps.empty:
        st.caption(f"No role has a cap in {ss.loaded.year} for a list of {ss.loaded.pcn.list_size:,}.")
    for role, row in caps.iterrows():
        field(st.toggle, f"lift_cap_{role}", f"Lift the {row['cap_wte']:g} WTE cap on {row['role_name']}",
              disabled=bool(ss.get("remove_all_caps")),
              help=f"Cap status: {row['cap_status']}" + ("" if row["cap_status"] == "published" else " — not a confirmed national rule."))
    st.subheader("Staffing")
    field(st.toggle, "whole_posts", "Whole posts only", help="Off: any fraction of a WTE (quickest). On: new staff come in whole posts.")
    field(st.number_input, "post_size_wte", "Size of one post (WTE)", min_value=0.05, max_value=1.0, step=0.05,
          disabled=not ss.get("whole_posts"))
    field(st.toggle, "allow_reducing_in_post", label("allow_reducing_in_post"),
          help="Off: everyone in post stays. On: the mix may have fewer of a role than you employ now.")
    field(st.selectbox, "london_weighting", label("london_weighting"), options=["none", "outer", "inner"],
          format_func={"none": "None", "outer": "Outer London", "inner": "Inner London"}.get,
          help="Raises the maximum reimbursable amounts by the London weighting of the year's rules.")
    return slots


def choose_scenario() -> None:
    """Open a file (asking before unsaved edits are dropped), upload one, or start from a real PCN."""
    save_dir = state.save_dir()
    st.selectbox("Open a scenario file", list(state.files()), index=None, key="picker", on_change=state.on_pick,
                 placeholder="Choose a file", help=f"Files in {state.BUNDLED_DIR.name}/" + ("" if save_dir == state.BUNDLED_DIR else f" and {save_dir}"))
    if ss.get("pick_waiting"):
        st.warning(f"Open {ss.pick_waiting}? Your unsaved edits to this scenario would be lost (download or save them first).")
        st.button(f"Open {ss.pick_waiting} and discard my edits", key="confirm_pick", on_click=state.confirm_pick)
        st.button("Keep editing", key="cancel_pick", on_click=state.cancel_pick)
    st.file_uploader("…or upload a YAML scenario", type=["yaml", "yml", "json"], key="upload", on_change=on_upload,
                     help=f"Up to {MAX_SCENARIO_BYTES // 1000:,} kB; parsed safely, never run.")
    st.selectbox("…or start from a real PCN in England", list(state.PCN_CHOICES), index=None, key="real_pcn",
                 on_change=state.start_from_pcn, placeholder="Type a PCN name or ODS code",
                 help="Fills in its list size, an ESTIMATED weighted population and staff in post from NHS England's "
                      "public data (Open Government Licence v3.0): check them and edit.")
    if ss.source.endswith(england_pcn.APP_SOURCE_SUFFIX):
        st.info(england_pcn.sources_note(ss.loaded.pcn.ods_code))
    if ss.get("load_error"):
        st.error(ss.load_error)


def on_upload() -> None:
    """A newly uploaded file becomes the base scenario (before the boxes are drawn, so they can be reset)."""
    if ss.upload is not None:
        open_upload(ss.upload)


def open_upload(upload) -> None:
    """An uploaded file becomes the base scenario, or a sentence saying why it cannot."""
    try:
        if upload.size > MAX_SCENARIO_BYTES:
            raise ScenarioError([TOO_LARGE], upload.name)
        try:
            text = upload.getvalue().decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError(["the file is not UTF-8 text; is it a scenario?"], upload.name) from None
        state.load(scenario_from_text(text, upload.name), f"{upload.name} (uploaded)")
        state.opened_from(None)
        ss.load_error = None
    except ScenarioError as error:
        ss.load_error = str(error)
