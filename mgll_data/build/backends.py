"""Execution backends: they only run shard tasks and report each completion record as it arrives.

`local` runs tasks in this process (workers=1) or in a process pool; `ray` submits the same function
to a Ray cluster. All build logic stays in `run_task`, so backends stay small and interchangeable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from mgll_data.build.endings import WorkerLost
from mgll_data.build.orphans import init_worker
from mgll_data.build.plan import SourceMeta, Task
from mgll_data.build.task import run_task
from mgll_data.build.workdir import WorkDir
from mgll_data.errors import MgllError
from mgll_data.recipe import Recipe

BACKENDS = ("local", "ray")

TaskRunner = Callable[[Task, Recipe, dict[str, SourceMeta], WorkDir], dict[str, Any]]


def run_local(
    tasks: list[Task], recipe: Recipe, sources: dict[str, SourceMeta], work: WorkDir, workers: int, runner: TaskRunner
) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        for task in tasks:
            yield runner(task, recipe, sources, work)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(os.getpid(),))
    pending = {pool.submit(runner, task, recipe, sources, work): task for task in tasks}
    ended = False
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    raise WorkerLost(f"a worker process died while building {task.shard_name}") from None
                yield result
        ended = True
    finally:
        # An early end (an error, Ctrl-C, a dead worker) abandons the running shards: their temporary files are
        # cleared by the next build, and no worker is left behind.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=ended, cancel_futures=True)
        if not ended:
            for process in processes:
                process.terminate()


def check_backend(backend: str) -> None:
    """Fail before planning, not after: an unknown backend or a missing optional dependency."""
    if backend not in BACKENDS:
        raise MgllError(f"--backend: got {backend!r}, allowed values: {', '.join(BACKENDS)}")
    if backend == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise MgllError("the ray backend needs Ray: pip install 'mgll-data[ray]', or use --backend local") from None


def run_ray(
    tasks: list[Task], recipe: Recipe, sources: dict[str, SourceMeta], work: WorkDir, runner: TaskRunner
) -> Iterator[dict[str, Any]]:
    """Ray schedules tasks over the cluster's CPUs (`--workers` is the local pool's setting).

    Every Ray worker must see the output folder and the sources at the same paths (shared storage).
    """
    import ray

    if not ray.is_initialized():
        ray.init()
    remote = ray.remote(runner)
    pending = [remote.remote(task, recipe, sources, work) for task in tasks]
    while pending:
        finished, pending = ray.wait(pending, num_returns=1)
        yield ray.get(finished[0])


def run_tasks(
    backend: str,
    tasks: list[Task],
    recipe: Recipe,
    sources: dict[str, SourceMeta],
    work: WorkDir,
    workers: int = 1,
    runner: TaskRunner = run_task,
) -> Iterator[dict[str, Any]]:
    """Completion records in the order tasks finish (not plan order)."""
    check_backend(backend)
    if backend == "ray":
        return run_ray(tasks, recipe, sources, work, runner)
    return run_local(tasks, recipe, sources, work, workers, runner)
