"""Memory freed by a batch's Python and Arrow objects given back to the system, so a long run's footprint stays flat."""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterator

YOUNG_OBJECTS_PER_COLLECTION = 20_000
"""While a worker works a chunk, the collector's youngest generation is collected after this many new objects instead
of Python's 700: a PCN's scenario, model and records make thousands of small objects that live until its record is
written, and collecting them every 700 took about a fifth of the time spent validating rows."""
_THRESHOLDS = gc.get_threshold()


def give_back_memory() -> None:
    """Return freed memory to the system: C's heap (glibc, on Linux) and Arrow's pool otherwise keep it, scattered
    between live objects, and a process that works through many chunks or blocks grows with their number."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc (Windows cannot open the process itself)
        pass


def use_the_c_heap() -> None:
    """Arrow's memory from now on in this process comes from C's heap, which `give_back_memory` can return: Arrow's
    default pool (mimalloc) keeps what it frees for reuse, so the parent of a large batch grew by a tenth from 1,250
    to 12,500 PCNs with nothing more alive. Reading and writing Parquet parts is no slower measurably."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def freeze_long_lived() -> None:
    """Leave the objects alive now (modules, the catalogue, the caller's data) out of the garbage collector's full
    passes, which would otherwise walk them all again and again: about 0.07 ms of a worker's time a PCN. They are still
    freed when no longer used; only reference cycles among them wait for `gc.unfreeze`."""
    gc.freeze()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect young objects less often for a while (see `YOUNG_OBJECTS_PER_COLLECTION`), then as Python does again.
    It ends at Python's own setting whatever happened meanwhile, so chunks worked at once in threads cannot leave it raised."""
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *_THRESHOLDS[1:])
    try:
        yield
    finally:
        gc.set_threshold(*_THRESHOLDS)
