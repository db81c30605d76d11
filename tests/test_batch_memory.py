"""A batch's parent memory does not grow with the table: rows are streamed to the workers, not planned whole first."""

from __future__ import annotations

import gc
from pathlib import Path

from optimiser.batch import load_base, run_batch
from optimiser.national import generate_national
from optimiser.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"


def _live_scenarios() -> int:
    gc.collect()
    return sum(isinstance(o, Scenario) for o in gc.get_objects())


def test_the_parent_holds_only_the_scenarios_of_the_chunks_in_flight(tmp_path):
    """24 PCNs × 2 policies in chunks of 2 tasks, run in this process; scenarios alive counted at each chunk's end.

    Streaming holds the chunk just solved (2 scenarios) and the row being read (its scenario under each policy:
    at most 2 more), and nothing of rows already run; the first chunk may stay referenced by the frames of the
    solver's first import (2 more). So never more than 6 above what was alive before, from first report to last.
    Planning the whole table first held every row's: 48 at every report.
    """
    base = load_base(BASE)
    table = generate_national(24, seed=3)
    before = _live_scenarios()
    alive: list[int] = []
    outcome = run_batch(table, base, ["as-published", "rooms+10%"], tmp_path, workers=1, chunk_size=2, formats=("parquet",),
                        on_progress=lambda _: alive.append(_live_scenarios() - before))
    assert outcome.ran == 48 and len(alive) == 24
    assert max(alive) <= 6, alive


def test_a_chunk_collects_young_objects_less_often_and_leaves_python_as_it_was():
    """Inside `fewer_collections` the youngest generation waits for YOUNG_OBJECTS_PER_COLLECTION new objects; after
    it, even when the work raised, Python's own thresholds are back, so a batch run in the caller's process (the app,
    a test) does not change how the caller collects garbage."""
    from optimiser.batch.memory import YOUNG_OBJECTS_PER_COLLECTION, fewer_collections

    before = gc.get_threshold()
    try:
        with fewer_collections():
            assert gc.get_threshold() == (YOUNG_OBJECTS_PER_COLLECTION, *before[1:])
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert gc.get_threshold() == before
