"""The build: open sources, plan shard tasks, run the ones not yet done, finalise the output folder.

Memory is bounded by the recipe, not by the dataset, apart from a few dozen bytes a row: planning keeps
a byte offset and repeat-check keys per record (the records themselves go straight to disk), a worker
holds one task's records plus `row_group_size` encoded images, and finalisation reads a few string columns.
Resume works at shard granularity through the completion records in `OUT/.mgll-build/done/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mgll_data import storage
from mgll_data.engine import guard
from mgll_data.engine.backends import TaskRunner, check_backend, parallelism, run_tasks
from mgll_data.engine.endings import WorkerLost, explain, sigterm_as_interrupt
from mgll_data.engine.finalize import finalize
from mgll_data.engine.plan import plan_tasks, source_meta
from mgll_data.engine.progress import BuildProgress
from mgll_data.engine.task import is_complete, run_task
from mgll_data.engine.workdir import WorkDir, code_fingerprint
from mgll_data.errors import RecipeError
from mgll_data.recipe import Recipe, is_synthetic_root
from mgll_data.records import Manifest
from mgll_data.sources.base import Source


@dataclass
class BuildResult:
    out_dir: Path
    manifest: Manifest
    tasks_run: int
    tasks_reused: int
    elapsed_s: float = 0.0
    rows_written: int = 0


@dataclass
class ShardTally:
    """Shards done and planned so far, for the message a stopped build ends with (total None: not planned yet)."""

    done: int = 0
    total: int | None = None


def run_build(
    recipe: Recipe,
    sources: Sequence[Source],
    out_dir: Path,
    workers: int = 1,
    backend: str = "local",
    progress: BuildProgress | None = None,
    runner: TaskRunner = run_task,
    break_lock: bool = False,
    address: str | None = None,
) -> BuildResult:
    """Build from already-constructed sources (one per recipe entry, matched by entry id).

    The folder is checked (ours or empty, apart from every input) before anything is written, and written
    only under its lock; a build that stops early ends with one `BuildStopped` line saying how to resume.
    `address` is the Ray cluster's (backend ray).
    """
    check_backend(backend)
    specs = {spec.entry_id: spec for spec in recipe.sources}
    missing = [source.entry_id for source in sources if source.entry_id not in specs]
    if missing or len(sources) != len(specs):
        raise RecipeError(f"{recipe.origin}: sources {missing or sorted(specs)} do not match the recipe's sources")
    ordered = sorted(sources, key=lambda source: list(specs).index(source.entry_id))
    out = storage.location(out_dir)
    guard.refuse_overlap(out, {source.entry_id: source.root for source in ordered})
    guard.check_claimable(out, recipe.name)
    guard.refuse_foreign_files(out)
    work = WorkDir(out)
    counts = ShardTally()
    try:
        work.root.mkdir(parents=True, exist_ok=True)
        with sigterm_as_interrupt(), guard.build_lock(out, break_lock):
            guard.write_marker(out, recipe.name)
            return _locked_build(recipe, ordered, work, workers, backend, progress, runner, counts, address)
    except (KeyboardInterrupt, OSError, WorkerLost) as error:
        ending = explain(error, out, counts.done, counts.total)
        if ending is None:
            raise
        raise ending from None


def _locked_build(
    recipe: Recipe,
    ordered: list[Source],
    work: WorkDir,
    workers: int,
    backend: str,
    progress: BuildProgress | None,
    runner: TaskRunner,
    counts: ShardTally,
    address: str | None,
) -> BuildResult:
    """Plan, run and finalise while holding the lock; `counts` tracks shards done for the ending message."""
    specs = {spec.entry_id: spec for spec in recipe.sources}
    progress = progress or BuildProgress(quiet=True)
    code_hash = code_fingerprint()
    message = work.prepare(recipe.content_hash(), code_hash)
    with progress:
        if message:
            progress.log(message)
        progress.start_planning()
        pairs = [(specs[s.entry_id], s) for s in ordered]
        sized = parallelism(backend, workers, address)
        tasks = plan_tasks(pairs, recipe, work, code_hash, progress.record_read, sized, planning_workers=workers)
        pending = [task for task in tasks if not is_complete(task, work)]
        counts.done, counts.total = len(tasks) - len(pending), len(tasks)
        progress.start_tasks(len(tasks), len(tasks) - len(pending))
        metas = {s.entry_id: source_meta(s, is_synthetic_root(specs[s.entry_id].root)) for s in ordered}
        for done in run_tasks(backend, pending, recipe, metas, work, workers, runner, address):
            counts.done += 1
            progress.task_done(done.rows)
    manifest = finalize(recipe, ordered, tasks, work)
    work.write_state(recipe.content_hash(), code_hash, finished=True)
    work.clear_tasks()
    return BuildResult(
        work.out, manifest, len(pending), len(tasks) - len(pending), progress.elapsed(), progress.rows_written
    )
