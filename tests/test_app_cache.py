"""The page keeps what it builds from a solved scenario (the Result tab's tables, charts and sentences; the download
tables and CSV; the comparison) per scenario: a rerun without an edit rebuilds none of it, an edit rebuilds each once."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from optimiser.app import cached
from tests.test_app import run, start

BUILDERS = ("build_result_view", "tables", "csv_text", "comparison_tables")
"""What `optimiser/app/cached.py` calls to build each kept item, by the name it calls it."""


def count_builds(monkeypatch) -> Counter:
    """Count each builder's calls (the builder still runs: nothing is replaced)."""
    calls: Counter = Counter()
    for name in BUILDERS:
        def counted(*args, _build=getattr(cached, name), _name=name, **kwargs):
            calls[_name] += 1
            return _build(*args, **kwargs)
        monkeypatch.setattr(cached, name, counted)
    return calls


def test_a_rerun_without_an_edit_rebuilds_nothing_and_an_edit_rebuilds_each_once(monkeypatch, tmp_path):
    """The large example opens on its result, the download of its summary table and the caps-lifted comparison: one
    build of each. A rerun (any click that changes no input) builds nothing; a new top-up budget is a new scenario,
    so each is built once more and the page shows the new answer."""
    st.cache_data.clear()  # other tests may have kept this scenario's results already
    calls = count_builds(monkeypatch)
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    assert calls == dict.fromkeys(BUILDERS, 1)
    run(at)
    run(at)
    assert calls == dict.fromkeys(BUILDERS, 1)
    before = at.session_state["current"].money.top_up_budget_gbp
    at.number_input(key="top_up_budget_gbp").set_value(before + 100_000)
    run(at)
    assert calls == dict.fromkeys(BUILDERS, 2)
    assert at.session_state["current"].money.top_up_budget_gbp == before + 100_000
