"""Execution backends: they only run shard tasks and report each completion record as it arrives.

`local` runs tasks in this process (workers=1) or in a process pool; `ray` submits the same function
to a Ray cluster. All build logic stays in `run_task`, so backends stay small and interchangeable.
Tasks start largest first, so the short ones fill the gaps at the end; a pool or cluster is never given
more than a bounded window of tasks at once, so 10^5 tasks neither flood a scheduler nor pile up futures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from itertools import islice

from mgll_data.engine.endings import WorkerLost
from mgll_data.engine.plan import Task
from mgll_data.engine.pool import worker_pool, worker_result
from mgll_data.engine.task import run_task
from mgll_data.engine.workdir import WorkDir
from mgll_data.errors import MgllError
from mgll_data.recipe import Recipe
from mgll_data.records import CompletionRecord, EntryFacts

BACKENDS = ("local", "ray")
IN_FLIGHT_PER_WORKER = 2  # tasks submitted ahead per worker: one running, one queued behind it

TaskRunner = Callable[[Task, Recipe, dict[str, EntryFacts], WorkDir], CompletionRecord]


def largest_first(tasks: list[Task]) -> list[Task]:
    """Longest-processing-time order (plan order among equals): no long task is left to start last."""
    return sorted(tasks, key=lambda task: -task.rows)


def run_local(
    tasks: list[Task], recipe: Recipe, sources: dict[str, EntryFacts], work: WorkDir, workers: int, runner: TaskRunner
) -> Iterator[CompletionRecord]:
    if workers <= 1:
        for task in tasks:
            yield runner(task, recipe, sources, work)
        return
    queue = iter(tasks)
    with worker_pool(workers) as pool:
        pending = {
            pool.submit(runner, task, recipe, sources, work): task
            for task in islice(queue, workers * IN_FLIGHT_PER_WORKER)
        }
        # An early end (an error, Ctrl-C, a dead worker) abandons the running shards: their temporary files are
        # cleared by the next build, and no worker is left behind.
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            results = []
            for future in finished:
                del pending[future]
                results.append(worker_result(future, "shards were being built"))
            for task in islice(queue, len(finished)):  # keep the window full: every worker busy to the end
                pending[pool.submit(runner, task, recipe, sources, work)] = task
            yield from results


def check_backend(backend: str) -> None:
    """Fail before planning, not after: an unknown backend or a missing optional dependency."""
    if backend not in BACKENDS:
        raise MgllError(f"--backend: got {backend!r}, allowed values: {', '.join(BACKENDS)}")
    if backend == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise MgllError("the ray backend needs Ray: pip install 'mgll-data[ray]', or use --backend local") from None


def connect_ray(address: str | None) -> int:
    """Join the Ray cluster at `address` (`auto`: the one started on this machine with `ray start`; None:
    RAY_ADDRESS or a new local one) and return its CPU count, the workers the plan is sized for."""
    import ray

    if not ray.is_initialized():
        try:
            ray.init(address=address, log_to_driver=False)
        except ConnectionError as error:
            raise MgllError(f"--address {address}: no Ray cluster answered ({error})") from None
    resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return max(1, int(resources.get("CPU", 1)))


def run_ray(
    tasks: list[Task],
    recipe: Recipe,
    sources: dict[str, EntryFacts],
    work: WorkDir,
    runner: TaskRunner,
    address: str | None = None,
) -> Iterator[CompletionRecord]:
    """Ray schedules tasks over the cluster's CPUs (`--workers` is the local pool's setting), at most
    IN_FLIGHT_PER_WORKER per CPU submitted at a time. The recipe and source list go to the object store
    once, not once per task.

    Every Ray worker must see the output folder and the sources at the same paths (shared storage).
    """
    import ray

    cpus = connect_ray(address)
    remote = ray.remote(runner)
    shared = (ray.put(recipe), ray.put(sources))
    queue = iter(tasks)
    pending = [remote.remote(task, *shared, work) for task in islice(queue, cpus * IN_FLIGHT_PER_WORKER)]
    while pending:
        finished, pending = ray.wait(pending, num_returns=1)
        pending += [remote.remote(task, *shared, work) for task in islice(queue, 1)]
        try:
            done = ray.get(finished[0])
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError, ray.exceptions.ObjectLostError):
            # Ray already retried the task on the nodes left (a lost node's tasks rerun elsewhere); this is the end
            # of those retries. Its shard was never renamed into place, so a rerun builds it.
            raise WorkerLost("a Ray worker or node kept dying while shards were being built") from None
        yield done


def parallelism(backend: str, workers: int, address: str | None = None) -> int:
    """How many tasks run at once: the local pool's workers, or the Ray cluster's CPUs."""
    return connect_ray(address) if backend == "ray" else workers


def run_tasks(
    backend: str,
    tasks: list[Task],
    recipe: Recipe,
    sources: dict[str, EntryFacts],
    work: WorkDir,
    workers: int = 1,
    runner: TaskRunner = run_task,
    address: str | None = None,
) -> Iterator[CompletionRecord]:
    """Completion records in the order tasks finish (not plan order)."""
    check_backend(backend)
    ordered = largest_first(tasks)
    if backend == "ray":
        return run_ray(ordered, recipe, sources, work, runner, address)
    return run_local(ordered, recipe, sources, work, workers, runner)
