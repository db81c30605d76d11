"""The one way benchmarks here time a step: the median of repeated runs, in milliseconds."""

from __future__ import annotations

import statistics
import time


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000
