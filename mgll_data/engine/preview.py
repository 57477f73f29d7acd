"""`mgll-data plan`: what a build of a recipe would read, keep and reject, found without decoding or writing.

A user with a partial or odd download sees it here in seconds, before a long build: per source entry the label
tables and parts it read (and the parts that are absent), the images listed, the rows and rejects by reason to
expect at planning, the source values that map to nothing, and whether the split is the source's own or the
recipe's. The checks are the planner's own (`plan.check_record`, `plan.Repeats`), so the preview and the build
agree; image-stage rejects (a file that does not decode) are the only ones it cannot foresee.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from mgll_data.config_io import JsonObject
from mgll_data.engine.opening import open_source, open_sources
from mgll_data.engine.plan import RecordRef, Repeats, SplitChooser, check_record, plan_notes
from mgll_data.engine.pool import worker_pool, worker_result
from mgll_data.errors import MgllError
from mgll_data.published import path_in_source
from mgll_data.recipe import Recipe, SourceEntry
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


class _Listed(NamedTuple):
    """One item of an entry's listing as the preview counts it; strings only, so a worker sends it back cheaply."""

    reason: str | None  # why it will not be a row (the adapter's or the planner's reject); None with a `ref`
    part: str | None  # the label table (or walk) that listed a record; None for an adapter's reject
    missing: dict[str, str] | None  # a missing part or unread file: a part of the download, not an image
    ref: RecordRef | None = None
    split: str = ""
    origin: str = ""
    carried: bool = False


def _listing(source: Source, spec: SourceEntry, recipe: Recipe) -> Iterator[_Listed]:
    """Everything the preview needs of one entry's records, found without any other entry: adapter rejects,
    planning checks and splits (the duplicate checks across entries come after, in recipe order)."""
    root, splits = str(source.root), SplitChooser(spec, recipe)
    for item in source.records():
        if isinstance(item, Reject):
            missing = None
            if item.reason in ("missing_part", "unread_file"):
                missing = {"part": path_in_source(item.item, root), "reason": item.reason, "detail": item.detail}
            yield _Listed(item.reason, None, missing)
            continue
        item.source = spec.entry_id
        part = item.source_file or "(walked folders)"
        problem = check_record(item, spec, recipe, root)
        if problem is not None:
            yield _Listed(problem.reason, part, None)
            continue
        split, origin = splits.choose(item)
        yield _Listed(None, part, None, RecordRef.of(item), split, origin, item.split is not None)


def _count(found: EntryPreview, spec: SourceEntry, listed: Iterable[_Listed], repeats: Repeats) -> dict[str, int]:
    """Count an entry's listing into `found`, with the duplicate checks against every entry counted before it; the
    kept records per split origin."""
    origins = {"official": 0, "policy": 0, "carried": 0}
    for item in listed:
        if item.missing is not None:
            found.parts_missing.append(item.missing)
        else:
            found.listed += 1
        if item.part is not None:
            found.parts_read[item.part] += 1
        if item.ref is None:  # the adapter's or the planner's reject
            found.rejects_by_reason[item.reason or ""] += 1
            continue
        problem = repeats.check(item.ref, spec, found.root)
        if problem is not None:
            found.rejects_by_reason[problem.reason] += 1
            continue
        origins[item.origin] += 1
        origins["carried"] += item.carried
        repeats.remember(item.ref, item.split)
        found.rows_by_split[item.split] += 1
    return origins


class _EntryListing(NamedTuple):
    """What a worker sends back of one entry: its adapter's facts and its listing, or a user error's message (an
    `MgllError`'s own arguments do not always survive pickling; its message does)."""

    entry: str = ""
    adapter: str = ""
    root: str = ""
    has_official_split: bool = False
    unmapped: Mapping[str, Counter[str]] | None = None
    listed: Sequence[_Listed] = ()
    error: str | None = None


def _listing_in_worker(recipe: Recipe, index: int) -> _EntryListing:
    """Open entry `index` here (its walk of the download runs beside the other entries') and list it."""
    try:
        source = open_source(recipe, index)
        listed = list(_listing(source, recipe.sources[index], recipe))
    except MgllError as error:
        return _EntryListing(error=str(error))
    return _EntryListing(source.entry_id, source.name, str(source.root), source.has_official_split, source.unmapped,
                         listed)


def preview_recipe(recipe: Recipe, workers: int = 1) -> list[EntryPreview]:
    """Every recipe entry, in recipe order; duplicate ids and images are found across entries as the build does.
    With several workers and entries, each entry is opened and listed in a worker process at once; the counting,
    with its duplicate checks, stays here in recipe order, so the result is the same."""
    repeats = Repeats(None, {})  # each entry's root is added before its records are counted
    previews = []
    if workers <= 1 or len(recipe.sources) < 2:
        for source, spec in zip(open_sources(recipe), recipe.sources, strict=True):
            found = EntryPreview(source.entry_id, source.name, str(source.root))
            repeats.roots[found.entry] = found.root
            origins = _count(found, spec, _listing(source, spec, recipe), repeats)
            found.notes = plan_notes(source.has_official_split, source.unmapped, origins)
            previews.append(found)
        return previews
    # no preload: the workers read the label tables (pandas), each importing it beside the other; only the
    # counting runs here
    with worker_pool(min(workers, len(recipe.sources)), preload=False) as pool:
        futures = [pool.submit(_listing_in_worker, recipe, i) for i in range(len(recipe.sources))]
        for spec, future in zip(recipe.sources, futures, strict=True):
            entry = worker_result(future, "the recipe was being previewed")
            if entry.error is not None:
                raise MgllError(entry.error)
            found = EntryPreview(entry.entry, entry.adapter, entry.root)
            repeats.roots[found.entry] = found.root
            origins = _count(found, spec, entry.listed, repeats)
            found.notes = plan_notes(entry.has_official_split, entry.unmapped or {}, origins)
            previews.append(found)
    return previews
