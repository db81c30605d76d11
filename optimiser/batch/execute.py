"""Run a function over chunks: in this process, in worker processes, or on Dask. Knows nothing of PCNs.

At most a few chunks are in flight at any time, so memory does not grow with the number of chunks.
Worker processes die with the parent: each watches the parent's process and exits when it is gone, so a
`kill -9` of the parent leaves no workers running. How they start is `start_method`'s one rule.
"""

from __future__ import annotations

import ctypes
import gc
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
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


def start_method() -> str:
    """How worker processes start. "fork" copies this process in milliseconds, with everything it has imported and
    loaded, but is safe only when no other thread could be holding a lock the copy would inherit held: so it is used
    on Linux when this is the only Python thread (as in the `batch` command). Otherwise (an app, a notebook, another
    platform) a fork server starts, imports `preload` and forks the workers: most of a second before they start."""
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "forkserver"


class WorkerPool:
    """Worker processes for `run_pool`. Forked, they start at once; from a fork server they take most of a second,
    so a thread starts them while the parent works on chunks itself, and chunks submitted before every worker runs
    are held and handed over the moment they all do."""

    def __init__(self, workers: int, warm: Callable[[], None] | None = None, preload: list[str] | None = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = start_method()
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(preload or [])
        self.workers, self.start_method = workers, method
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                            initargs=(os.getpid(), warm))
        self.ready = threading.Event()
        self._held: list[tuple] = []
        self._lock = threading.Lock()
        if method == "fork":  # the first task forks every worker now, from this thread, before any other starts
            self.executor.submit(int)
            self.ready.set()
        else:
            threading.Thread(target=self._boot, name="pool-boot", daemon=True).start()

    def _boot(self) -> None:
        from concurrent.futures import wait

        try:
            wait([self.executor.submit(int) for _ in range(self.workers)])  # starts the processes now, not at the first chunk
        except RuntimeError:  # the run stopped (and shut the pool down) before they started
            pass
        with self._lock:
            self.ready.set()
            held, self._held = self._held, []
        for function, args, done in held:
            self._submit(function, args, done)

    def submit(self, function: Callable, *args, done: Callable[[Future], None]) -> None:
        """Run `function(*args)` in a worker; `done(future)` is called (in another thread) when it ends."""
        with self._lock:
            if not self.ready.is_set():
                self._held.append((function, args, done))
                return
        self._submit(function, args, done)

    def _submit(self, function: Callable, args: tuple, done: Callable[[Future], None]) -> None:
        try:
            self.executor.submit(function, *args).add_done_callback(done)
        except Exception as error:  # a broken or shut pool: the caller reads the error from the future
            failed = Future()
            failed.set_exception(error)
            done(failed)

    def call(self, function: Callable, *args) -> Future:
        """`function(*args)` in a worker, its answer in the future returned: for work after the chunks, once every
        worker is free (a fresh process would have to fork from a parent that by then runs the pool's threads)."""
        return self.executor.submit(function, *args)

    def shutdown(self, wait: bool = True) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=True)


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


def run_pool(function: Callable, chunks: Iterator, finished: Finished, pool: WorkerPool) -> None:
    """Chunks to the worker processes, at most two a worker in flight, and the chunks beyond those worked on in this
    process: this process is one of the batch's workers (the pool has one process fewer), so there are as many
    solving processes as workers, from the first chunk (the pool's processes take most of a second to start) to
    the last. Finished chunks are handed to `finished` between chunks."""
    results: queue.SimpleQueue[Future] = queue.SimpleQueue()
    in_flight, limit = 0, 2 * pool.workers
    freeze_long_lived()
    try:
        for chunk in chunks:
            while not results.empty():
                finished(results.get().result())
                in_flight -= 1
            if in_flight >= limit:
                finished(function(chunk))
            else:
                pool.submit(function, chunk, done=results.put)
                in_flight += 1
        for _ in range(in_flight):
            finished(results.get().result())
    except BaseException:
        pool.shutdown(wait=False)
        raise
    finally:
        gc.unfreeze()


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
