"""A whole build, as `mgll-data build` runs it: the engine makes the folder, then the export layer writes its card.

The engine stops at the manifest so that it never imports a layer above it; this module sits at the top,
with the CLI, and joins the two. Library users call `build` / `build_recipe` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mgll_data.engine import BuildProgress, BuildResult, open_sources
from mgll_data.engine import run_build as run_engine
from mgll_data.engine.backends import TaskRunner, check_backend
from mgll_data.engine.task import run_task
from mgll_data.export.card import write_card
from mgll_data.recipe import Recipe, load_recipe
from mgll_data.sources.base import Source


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
    """Build from already-constructed sources, then write the dataset card over the finished folder."""
    result = run_engine(recipe, sources, out_dir, workers, backend, progress, runner, break_lock, address)
    write_card(result.out_dir, result.manifest.to_json())
    return result


def build_recipe(
    recipe: Recipe,
    out: Path | str | None = None,
    workers: int = 1,
    backend: str = "local",
    progress: BuildProgress | None = None,
    break_lock: bool = False,
    address: str | None = None,
) -> BuildResult:
    """Build a validated recipe with the registered source adapters."""
    check_backend(backend)
    return run_build(
        recipe,
        open_sources(recipe),
        recipe.output_dir(out),
        workers,
        backend,
        progress,
        break_lock=break_lock,
        address=address,
    )


def build(
    recipe_path: Path | str,
    out: Path | str | None = None,
    workers: int = 1,
    backend: str = "local",
    progress: BuildProgress | None = None,
    break_lock: bool = False,
    address: str | None = None,
) -> BuildResult:
    """`mgll-data build`: load the recipe file and build it."""
    return build_recipe(load_recipe(recipe_path), out, workers, backend, progress, break_lock, address)
