"""The local process pool, shared by shard building and parallel planning, and the planning map that runs on it.

Workers never outlive the build (`orphans.init_worker`); an early end (an error, Ctrl-C, a dead worker) stops
them instead of waiting for their queued work.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from itertools import islice
from typing import TypeVar

from mgll_data.engine.endings import WorkerLost
from mgll_data.engine.orphans import init_worker
from mgll_data.sources.pool import PlanningMap, call_each, serial_map

A = TypeVar("A")
P = TypeVar("P")
R = TypeVar("R")

PLANNING_CHUNK = 256  # items per submitted chunk: ~50 ms of sectioning, so the pipe and pickling cost little
CHUNKS_PER_WORKER = 2  # chunks submitted ahead per worker: one running, one queued behind it


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, else every core)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _preload_worker_modules() -> None:
    """Import, before the pool forks, what every task imports on first use, so each worker inherits it instead of
    importing it again: pyarrow pulls in pandas on its first conversion from Python objects (about a third of a
    CPU-second per process), and Pillow registers its plugins on the first open. The build process needs both
    anyway (finalize writes Arrow tables), so a 1-worker build pays the same."""
    import pyarrow as pa
    from PIL import Image

    pa.array([""])
    Image.init()


def worker_result(future: Future[R], doing: str) -> R:
    """A pool task's result; a worker that died under it (a signal, the out-of-memory killer) ends the work with a
    `WorkerLost` saying what was being done."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise WorkerLost(
            f"a worker process died while {doing} (killed by a signal or by the system's out-of-memory killer)"
        ) from None


@contextmanager
def worker_pool(workers: int, preload: bool = True) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` processes, started on first use; left normally it waits for its work, left by an
    exception it abandons queued work and terminates the workers. `preload` False: the workers import what their
    work needs themselves, at once (when this process would not otherwise need it)."""
    if preload:
        _preload_worker_modules()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(os.getpid(),))
    ended = False
    try:
        yield pool
        ended = True
    finally:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=ended, cancel_futures=True)
        if not ended:
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
            # The pool's manager thread closes its wake-up pipe as it sees the workers gone; waiting for it here
            # keeps that close from racing the interpreter's exit hook, which writes to the same pipe (EBADF).
            if manager is not None:
                manager.join(timeout=5)


def pooled_map(
    pool: ProcessPoolExecutor, workers: int, function: Callable[[A], R], items: Iterable[tuple[A, P]]
) -> Iterator[tuple[P, R]]:
    """A `PlanningMap` over `pool`: chunks of arguments go out, at most `CHUNKS_PER_WORKER` per worker ahead of
    the one being handed back, so the payloads held here stay bounded whatever the source's size."""
    listed = iter(items)
    chunks = iter(lambda: list(islice(listed, PLANNING_CHUNK)), [])
    window: deque[tuple[list[P], Future[list[R]]]] = deque()

    def submit(chunk: list[tuple[A, P]]) -> None:
        arguments = [argument for argument, _ in chunk]
        window.append(([payload for _, payload in chunk], pool.submit(call_each, function, arguments)))

    for chunk in islice(chunks, workers * CHUNKS_PER_WORKER):
        submit(chunk)
    while window:
        payloads, future = window.popleft()
        results = worker_result(future, "sources were being planned")
        for chunk in islice(chunks, 1):
            submit(chunk)
        yield from zip(payloads, results, strict=True)


@contextmanager
def planning_map(workers: int) -> Iterator[PlanningMap]:
    """The map adapters plan with: serial for one worker, else `pooled_map` over a pool open until the end."""
    if workers <= 1:
        yield serial_map
        return
    with worker_pool(workers) as pool:
        yield partial(pooled_map, pool, workers)
