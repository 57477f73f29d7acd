"""The build: open sources, plan shard tasks, run the ones not yet done, finalise the output folder.

Memory is bounded by the recipe, not by the dataset: planning holds three buffers of `shard_size`
records, a worker holds one task's records plus `row_group_size` encoded images, and finalisation reads
a few string columns. Resume works at shard granularity through the completion records in
`OUT/.mgll-build/done/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgll_data.build.backends import TaskRunner, check_backend, parallelism, run_tasks
from mgll_data.build.finalize import finalize
from mgll_data.build.plan import plan_tasks, source_meta
from mgll_data.build.progress import BuildProgress
from mgll_data.build.task import is_complete, run_task
from mgll_data.build.workdir import WorkDir, code_fingerprint
from mgll_data.errors import RecipeError
from mgll_data.recipe import Recipe, load_recipe
from mgll_data.sources import get_source
from mgll_data.sources.base import Source


@dataclass
class BuildResult:
    out_dir: Path
    manifest: dict[str, Any]
    tasks_run: int
    tasks_reused: int


def open_sources(recipe: Recipe) -> list[Source]:
    """Construct each recipe source's adapter; adapter errors name the recipe key that caused them."""
    opened = []
    for i, spec in enumerate(recipe.sources):
        try:
            cls = get_source(spec.name)
        except RecipeError as error:
            raise RecipeError(f"{recipe.origin}: sources.{i}.name: {error}") from None
        try:
            opened.append(cls(recipe.resolve_root(spec), **spec.options))
        except TypeError as error:
            raise RecipeError(f"{recipe.origin}: sources.{i}.options ({spec.name}): {error}") from None
    return opened


def run_build(
    recipe: Recipe,
    sources: Sequence[Source],
    out_dir: Path,
    workers: int = 1,
    backend: str = "local",
    progress: BuildProgress | None = None,
    runner: TaskRunner = run_task,
    address: str | None = None,
) -> BuildResult:
    """Build from already-constructed sources (one per recipe source, matched by name); `address` is the Ray
    cluster's (backend ray)."""
    check_backend(backend)
    specs = {spec.name: spec for spec in recipe.sources}
    missing = [source.name for source in sources if source.name not in specs]
    if missing or len(sources) != len(specs):
        raise RecipeError(f"{recipe.origin}: sources {missing or sorted(specs)} do not match the recipe's sources")
    ordered = sorted(sources, key=lambda source: list(specs).index(source.name))
    progress = progress or BuildProgress(quiet=True)
    work = WorkDir(Path(out_dir))
    code_hash = code_fingerprint()
    message = work.prepare(recipe.content_hash(), code_hash)
    with progress:
        if message:
            progress.log(message)
        progress.start_planning()
        pairs = [(specs[s.name], s) for s in ordered]
        tasks = plan_tasks(pairs, recipe, work, code_hash, progress.record_read, parallelism(backend, workers, address))
        pending = [task for task in tasks if not is_complete(task, work)]
        progress.start_tasks(len(tasks), len(tasks) - len(pending))
        metas = {source.name: source_meta(source) for source in ordered}
        for done in run_tasks(backend, pending, recipe, metas, work, workers, runner, address):
            progress.task_done(done["rows"])
    manifest = finalize(recipe, ordered, tasks, work)
    work.clear_tasks()
    return BuildResult(work.out, manifest, len(pending), len(tasks) - len(pending))


def build_recipe(
    recipe: Recipe,
    out: Path | str | None = None,
    workers: int = 1,
    backend: str = "local",
    progress: BuildProgress | None = None,
    address: str | None = None,
) -> BuildResult:
    """Build a validated recipe with the registered source adapters."""
    check_backend(backend)
    return run_build(
        recipe, open_sources(recipe), recipe.output_dir(out), workers, backend, progress, address=address
    )


def build(
    recipe_path: Path | str,
    out: Path | str | None = None,
    workers: int = 1,
    backend: str = "local",
    progress: BuildProgress | None = None,
    address: str | None = None,
) -> BuildResult:
    """`mgll-data build`: load the recipe file and build it."""
    return build_recipe(load_recipe(recipe_path), out, workers, backend, progress, address)
