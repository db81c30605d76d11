"""Run a function over chunks: in this process, in worker processes, or on Dask. Knows nothing of PCNs.

At most a few chunks are in flight at any time, so memory does not grow with the number of chunks.
Worker processes die with the parent: each watches the parent's process and exits when it is gone, so a
`kill -9` of the parent leaves no workers running.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from optimiser.batch.memory import freeze_long_lived

Finished = Callable[[Any], None]


def run_here(function: Callable, chunks: Iterable, finished: Finished) -> None:
    """In this process, as a worker would (see `freeze_long_lived`); the caller's objects are unfrozen after."""
    freeze_long_lived()
    try:
        for chunk in chunks:
            finished(function(chunk))
    finally:
        gc.unfreeze()


def start_pool(workers: int, warm: Callable[[], None] | None = None, preload: list[str] | None = None):
    """Worker processes, booting in the background while the parent does other work.

    Starting them waits for the fork server to import `preload` (most of a second), so a thread does it: the
    parent reads the table meanwhile, and its first chunk waits only for what is left.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload or [])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(), warm))

    def boot() -> None:
        try:
            for _ in range(workers):
                pool.submit(int)  # starts the processes now rather than at the first chunk
        except RuntimeError:  # the run stopped (and shut the pool down) before they started
            pass

    threading.Thread(target=boot, name="pool-boot", daemon=True).start()
    return pool


def _start_worker(parent: int, warm: Callable[[], None] | None) -> None:
    die_with(parent)
    if warm is not None:
        warm()


def die_with(parent: int) -> None:
    """Exit when `parent` exits: PR_SET_PDEATHSIG for a direct child on Linux, and a watch for every case."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: our direct parent (e.g. the forkserver)
    except (OSError, AttributeError):  # not Linux
        pass

    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_pool(function: Callable, chunks: Iterator, finished: Finished, pool, workers: int) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait

    pending: set = set()
    try:
        for chunk in chunks:
            pending.add(pool.submit(function, chunk))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(future.result())
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finished(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def run_dask(function: Callable, chunks: Iterator, finished: Finished, scheduler: str | None, local_workers: int | None,
             processes: bool = True) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=processes,
                                   dashboard_address=":0", silence_logs=50)  # a free port; only critical logs (Ctrl-C makes workers log tracebacks)
            client = Client(cluster)
        with client:
            limit = 2 * max(1, sum(client.nthreads().values()))
            chunks = iter(chunks)
            queue = as_completed()
            for chunk in chunks:
                queue.add(client.submit(function, chunk, pure=False))
                if queue.count() >= limit:
                    break
            for future in queue:
                finished(future.result())
                future.release()
                following = next(chunks, None)
                if following is not None:
                    queue.add(client.submit(function, following, pure=False))
    finally:
        if cluster is not None:
            cluster.close()
