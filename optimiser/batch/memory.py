"""Memory freed by a batch's Python and Arrow objects given back to the system, so a long run's footprint stays flat."""

from __future__ import annotations

import ctypes


def give_back_memory() -> None:
    """Return freed memory to the system: C's heap (glibc, on Linux) and Arrow's pool otherwise keep it, scattered
    between live objects, and a process that works through many chunks or blocks grows with their number."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc (Windows cannot open the process itself)
        pass
