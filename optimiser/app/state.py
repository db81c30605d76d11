"""The page's base scenario in session state: where files come from, opening one, and starting afresh.

The page keeps one scenario as its base (`loaded`: the one opened, or last re-synchronised) and, on every
run, applies the widgets' values and the table editors' cells to it.
Environment: ARRS_SCENARIO_DIR is the folder scenarios are saved into (default: scenarios/);
ARRS_APP_SCENARIO is the file opened first (default: urban-deprived-2026-27.yaml).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from optimiser import england_pcn
from optimiser.edit_form import cap_table, form_values
from optimiser.errors import OptimiserError, ScenarioError
from optimiser.scenario import Scenario
from optimiser.scenario_files import has_unsaved_changes, scenario_files
from optimiser.scenario_io import load_scenario, scenario_from_text

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_FILE = "urban-deprived-2026-27.yaml"
PCN_CHOICES = england_pcn.picker_labels()
CAPS_LIFTED, BASELINE = "the same scenario with all caps lifted", "the pinned baseline"  # what Compare sets beside the scenario
ss = st.session_state


def save_dir() -> Path:
    """Read on every run, so the folder can be set per session (and per test)."""
    return Path(os.environ.get("ARRS_SCENARIO_DIR") or BUNDLED_DIR)


def files() -> dict[str, Path]:
    return scenario_files([BUNDLED_DIR, save_dir()])


def load(scenario: Scenario, source: str, saved: bool = True) -> None:
    """Make a scenario the page's base: every widget shows it, the table editors start afresh."""
    ss.loaded = scenario
    ss.gen = ss.get("gen", 0) + 1
    if source != ss.get("source"):
        ss.pop("save_name", None)  # Save and share offers the new scenario's name, not the last one's
    ss.source = source
    if saved:
        ss.saved_json = scenario.canonical_json()
    for key, value in form_values(scenario).items():
        if key != "lifted_caps":
            ss[key] = value
    for role in cap_table(scenario).index:
        ss[f"lift_cap_{role}"] = bool(role in scenario.policy.remove_caps)
    ss.pop("last_valid", None)


def load_file(label: str) -> None:
    path = files().get(label)
    try:
        if path is None:
            raise ScenarioError(["no such scenario file in the scenario folders"], label)
        load(load_scenario(path), path.name)
        opened_from("picker")
        ss.open_file = label
        ss.load_error = None
    except ScenarioError as error:
        ss.load_error = str(error)


SOURCE_PICKERS = ("picker", "real_pcn")
"""The sidebar's boxes that open a scenario: a file, a real PCN (an upload is the third source)."""


def opened_from(picker: str | None) -> None:
    """Only the box the scenario came from shows a choice (None: an upload), so choosing the same file or PCN again
    after another source replaced it opens it afresh, and the box never names a scenario that is not the one shown."""
    for other in SOURCE_PICKERS:
        if other != picker:
            ss[other] = None
    if picker != "picker":
        ss.pop("open_file", None)


def on_pick() -> None:
    """Opening another file would drop unsaved edits, so ask first and keep the box on the open file."""
    if "current" in ss and has_unsaved_changes(ss.current, ss.get("saved_json")):
        ss.pick_waiting = ss.picker
        ss.picker = ss.get("open_file")
    elif ss.picker is not None:
        load_file(ss.picker)


def confirm_pick() -> None:
    ss.picker = ss.pop("pick_waiting")
    load_file(ss.picker)


def cancel_pick() -> None:
    ss.pop("pick_waiting", None)


def start_from_pcn() -> None:
    """A scenario filled from the chosen real PCN's public data, with each value's source in the YAML it saves."""
    code = PCN_CHOICES.get(ss.real_pcn)
    if code is None:
        return
    try:
        load(scenario_from_text(england_pcn.scenario_text(code), code), code + england_pcn.APP_SOURCE_SUFFIX, saved=False)
        opened_from("real_pcn")
        ss.load_error = None
    except OptimiserError as error:
        ss.load_error = str(error)


def start() -> None:
    """Open the first file on a new session; after a change of year or list size, re-synchronise every widget."""
    if "loaded" not in ss:
        available = files()
        first = os.environ.get("ARRS_APP_SCENARIO") or DEFAULT_FILE
        ss.picker = first if first in available else next(iter(available), None)
        ss.compare_with = CAPS_LIFTED
        if ss.picker is None:
            st.error(f"No scenario files in {BUNDLED_DIR} or {save_dir()}; add one or upload a YAML file.")
            st.stop()
        load_file(ss.picker)
        if "loaded" not in ss:
            st.error(ss.load_error)
            st.stop()
    if "pending" in ss:
        load(ss.pop("pending"), ss.source, saved=False)
