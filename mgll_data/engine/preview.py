"""`mgll-data plan`: what a build of a recipe would read, keep and reject, found without decoding or writing.

A user with a partial or odd download sees it here in seconds, before a long build: per source entry the label
tables and parts it read (and the parts that are absent), the images listed, the rows and rejects by reason to
expect at planning, the source values that map to nothing, and whether the split is the source's own or the
recipe's. The checks are the planner's own (`plan.check_record`, `plan.Repeats`), so the preview and the build
agree; image-stage rejects (a file that does not decode) are the only ones it cannot foresee.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mgll_data.config_io import JsonObject
from mgll_data.engine.opening import open_sources
from mgll_data.engine.plan import Repeats, check_record, choose_split, plan_notes, split_origin
from mgll_data.published import path_in_source
from mgll_data.recipe import Recipe
from mgll_data.records import Reject
from mgll_data.sources.base import Source


@dataclass
class EntryPreview:
    """One recipe entry as the planner would see it."""

    entry: str
    adapter: str
    root: str
    listed: int = 0
    rows_by_split: Counter[str] = field(default_factory=Counter)
    rejects_by_reason: Counter[str] = field(default_factory=Counter)
    parts_read: Counter[str] = field(default_factory=Counter)  # label table (or folder) -> items it listed
    parts_missing: list[dict[str, str]] = field(default_factory=list)  # missing_part / unread_file rejects
    notes: JsonObject = field(default_factory=dict)  # split origin and unmapped values, as in the manifest

    def as_json(self) -> JsonObject:
        return {
            "entry": self.entry,
            "adapter": self.adapter,
            "root": self.root,
            "listed": self.listed,
            "rows": sum(self.rows_by_split.values()),
            "rows_by_split": dict(sorted(self.rows_by_split.items())),
            "rejects": sum(self.rejects_by_reason.values()),
            "rejects_by_reason": dict(sorted(self.rejects_by_reason.items())),
            "parts_read": dict(self.parts_read),
            "parts_missing": self.parts_missing,
            **self.notes,
        }


def preview_source(source: Source, recipe: Recipe, repeats: Repeats) -> EntryPreview:
    """Read one opened source's records once and count what the build's planner would do with them."""
    spec = next(s for s in recipe.sources if s.entry_id == source.entry_id)
    root = str(source.root)
    found = EntryPreview(source.entry_id, source.name, root)
    origins = {"official": 0, "policy": 0, "carried": 0}
    for item in source.records():
        found.listed += 1
        if isinstance(item, Reject):
            found.rejects_by_reason[item.reason] += 1
            if item.reason in ("missing_part", "unread_file"):
                where = path_in_source(item.item, root)
                found.parts_missing.append({"part": where, "reason": item.reason, "detail": item.detail})
                found.listed -= 1  # a part, not an image
            continue
        found.parts_read[item.source_file or "(walked folders)"] += 1
        item.source = spec.entry_id
        problem = check_record(item, spec, recipe, root) or repeats.check(item, spec, root)
        if problem is not None:
            found.rejects_by_reason[problem.reason] += 1
            continue
        origins[split_origin(item, spec, recipe)] += 1
        origins["carried"] += item.split is not None
        split = choose_split(item, spec, recipe)
        repeats.remember(item, split)
        found.rows_by_split[split] += 1
    found.notes = plan_notes(source, origins)
    return found


def preview_recipe(recipe: Recipe) -> list[EntryPreview]:
    """Every recipe entry, in recipe order; duplicate ids and images are found across entries as the build does."""
    sources = open_sources(recipe)
    repeats = Repeats(None, {source.entry_id: str(source.root) for source in sources})
    return [preview_source(source, recipe, repeats) for source in sources]
