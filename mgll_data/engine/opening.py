"""Opening a recipe's sources: kept apart from the build flow so `mgll-data plan` loads no worker, image or shard
code (importing the flow costs more CPU than previewing a small recipe)."""

from __future__ import annotations

from mgll_data.errors import RecipeError
from mgll_data.recipe import Recipe
from mgll_data.sources import get_source
from mgll_data.sources.base import Source


def open_sources(recipe: Recipe) -> list[Source]:
    """Construct each recipe source's adapter; adapter errors name the recipe key that caused them."""
    return [open_source(recipe, i) for i in range(len(recipe.sources))]


def open_source(recipe: Recipe, index: int) -> Source:
    """The adapter of the recipe's source `index`, its download's layout checked."""
    spec = recipe.sources[index]
    try:
        cls = get_source(spec.name)
    except RecipeError as error:
        raise RecipeError(f"{recipe.origin}: sources.{index}.name: {error}") from None
    try:
        source = cls(recipe.resolve_root(spec), **spec.options)
    except RecipeError as error:
        raise RecipeError(f"{recipe.origin}: sources.{index}.options: {error}") from None
    source.entry_id = spec.entry_id
    return source
