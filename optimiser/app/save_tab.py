"""The Save and share tab: download the scenario and its results, or save the scenario under a safe name."""

from __future__ import annotations

import streamlit as st

from optimiser.app import cached, state
from optimiser.errors import OptimiserError, ScenarioError
from optimiser.outcome import Outcome
from optimiser.scenario import Scenario
from optimiser.scenario_files import safe_filename, save_path
from optimiser.scenario_io import save_scenario, scenario_to_text

ss = st.session_state


def save(confirmed: str | None = None) -> None:
    """Save under the typed name; an existing file is only replaced through `confirmed`, the name the user confirmed."""
    ss.save_error = ss.save_message = None
    folder = state.save_dir()
    try:
        path = save_path(folder, confirmed or ss.get("save_name", ""))
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
    ss.save_message = f"Saved as {path.name} in {folder}. Open it again from the scenario list."


def cancel_overwrite() -> None:
    ss.confirm_overwrite = None


def show(current: Scenario, outcome: Outcome) -> None:
    stem = safe_filename(current.pcn.name).removesuffix(".yaml") if any(c.isalnum() for c in current.pcn.name) else "scenario"
    st.subheader("Download")
    downloads(current, outcome, stem)
    st.subheader(f"Save into {state.save_dir().name}/")
    if "save_name" not in ss:
        ss.save_name = stem
    st.text_input("Name", key="save_name", on_change=cancel_overwrite,  # a new name needs its own confirmation
                  help="Letters, digits, spaces, - and _; saved as <name>.yaml.")
    try:
        st.caption(f"Will be saved as `{safe_filename(ss.save_name)}`.")
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


def downloads(current: Scenario, outcome: Outcome, stem: str) -> None:
    """The scenario as YAML; the result as CSV, Excel and a one-page board report when there is one."""
    cols = st.columns(4)
    cols[0].download_button("Scenario (YAML)", scenario_to_text(current), file_name=f"{stem}.yaml", mime="application/yaml",
                            key="download_yaml", on_click="ignore")
    if not outcome.ok:
        cols[1].caption("No result to download: see the Result tab.")
        return
    key_json = current.canonical_json()
    which = cols[1].selectbox("Result table", list(cached.result_tables(key_json)), key="csv_table", label_visibility="collapsed")
    cols[1].download_button(f"Result: {which} (CSV)", cached.result_csv(key_json, which), file_name=f"{stem}-{which}.csv",
                            mime="text/csv", key="download_csv", on_click="ignore")
    cols[2].download_button("All results (Excel)", lambda: cached.excel(key_json), file_name=f"{stem}-results.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="download_excel",
                            on_click="ignore")
    cols[3].download_button("Board report (PDF, one page)", lambda: cached.board_report(key_json),
                            file_name=f"{stem}-board-report.pdf", mime="application/pdf", key="download_board_report",
                            on_click="ignore",
                            help="A4, for a board pack: the mix, the money, need met and the three limits that matter most.")
