"""How a batch shares its work: the parent is one of its workers (from before the worker processes start), and chunks
shrink near the end."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

from optimiser.batch import load_base
from optimiser.batch.execute import WorkerPool, run_pool
from optimiser.batch.tasks import Planner, Stream
from optimiser.national import generate_national

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "national" / "base-2026-27.yaml"


def where_run(chunk: int) -> tuple[int, int]:
    return chunk, os.getpid()


def test_the_parent_works_on_chunks_while_its_workers_start_and_the_held_ones_reach_the_workers():
    """Two workers that take a second to start: the first 2 × 2 chunks are held for them (two in flight each), and
    the parent, rather than wait, works on every later chunk itself; each chunk is done exactly once."""
    pool = WorkerPool(2, warm=functools.partial(time.sleep, 1.0))
    done = []
    try:
        run_pool(where_run, iter(range(12)), done.append, pool)
    finally:
        pool.shutdown()
    assert sorted(chunk for chunk, _ in done) == list(range(12))
    by_parent = sorted(chunk for chunk, pid in done if pid == os.getpid())
    assert by_parent == list(range(4, 12))
    assert all(pid != os.getpid() for chunk, pid in done if chunk < 4)


def slow_where_run(chunk: int) -> tuple[int, int]:
    time.sleep(0.05)
    return where_run(chunk)


def test_a_started_pool_and_the_parent_share_the_chunks():
    """The parent is one of the batch's workers: with one worker process started (two chunks in flight), chunk 2 finds
    both in flight and the parent works on it; every chunk is done exactly once, some by each."""
    pool = WorkerPool(1)
    pool.ready.wait(30)
    done = []
    try:
        run_pool(slow_where_run, iter(range(10)), done.append, pool)
    finally:
        pool.shutdown()
    assert sorted(chunk for chunk, _ in done) == list(range(10))
    by_parent = {chunk for chunk, pid in done if pid == os.getpid()}
    assert 2 in by_parent and {0, 1}.isdisjoint(by_parent)
    assert len(by_parent) < 10


def _chunk_sizes(pcns: int, workers: int | None, chunk_size: int = 100) -> list[int]:
    planner = Planner(generate_national(pcns, 2025), load_base(BASE), ["as-published"], None, "expected")
    return [len(chunk.numbers) for chunk in Stream(planner, set(), chunk_size, workers)]


def test_chunks_shrink_near_the_end_so_the_workers_finish_together():
    """1,250 tasks, 2 workers, chunks of 100: full chunks while more than 2 × 2 × 100 tasks are left, then what is left
    shared over the 4 chunks in flight (two a worker), rounded up, down to a tenth of a chunk (10): after nine chunks 350 are
    left → 88, then 262 → 66, 196 → 49, 147 → 37, 110 → 28, 82 → 21, 61 → 16, 45 → 12, 33 → 10, 23 → 10, 13 → 10, and the
    last 3."""
    assert _chunk_sizes(1250, workers=2) == [100] * 9 + [88, 66, 49, 37, 28, 21, 16, 12, 10, 10, 10, 3]


def test_without_workers_to_balance_every_chunk_is_full():
    assert _chunk_sizes(250, workers=None) == [100, 100, 50]
