"""After every task is done: cross-source deduplication, rejects, leakage check and manifest.

Everything here reads shards column by column or row group by row group, so finalisation needs memory
for a few short strings per row (ids, patient ids, pixel hashes), never for the images.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mgll_data import storage
from mgll_data.checksums import file_sha256
from mgll_data.config_io import JsonObject
from mgll_data.engine import keys
from mgll_data.engine.plan import Task, read_plan_notes, read_plan_rejects
from mgll_data.engine.splits import check_no_image_leakage, check_no_leakage
from mgll_data.engine.workdir import WorkDir, atomic_write_text
from mgll_data.engine.writer import ShardWriter
from mgll_data.errors import MgllError
from mgll_data.output_layout import MANIFEST_FILE, REJECTS_FILE, REJECTS_SCHEMA, SPLITS
from mgll_data.published import portable_root
from mgll_data.recipe import Recipe
from mgll_data.records import (
    CompletionRecord,
    Manifest,
    ManifestCounts,
    ManifestEntry,
    Reject,
    ShardEntry,
    SplitEntry,
)
from mgll_data.schema import SCHEMA_VERSION
from mgll_data.sources.base import Source

LIBRARIES = ("pyarrow", "datasets", "pillow", "numpy", "pydicom", "pydantic", "spacy", "huggingface-hub")


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _completed(task: Task, work: WorkDir) -> CompletionRecord:
    record = work.read_done(task.shard_name)
    if record is None:  # run_tasks returned, so every task wrote one: its loss is a fault, not a resume case
        raise MgllError(f"{work.done_path(task.shard_name)}: completion record missing or damaged; rerun the build")
    return record


def remove_stale(tasks: list[Task], work: WorkDir) -> None:
    """Drop shards and completion records of an earlier plan (e.g. a different shard count)."""
    current = {task.shard_name for task in tasks}
    for shard in work.data.glob("*.parquet"):
        if shard.name not in current:
            shard.unlink()
    for done in work.done.glob("*.parquet.json"):
        if done.name.removesuffix(".json") not in current:
            done.unlink()


def drop_cross_source_duplicates(
    tasks: list[Task], done: dict[str, CompletionRecord], recipe: Recipe, work: WorkDir
) -> list[str]:
    """Remove rows whose pixels equal an earlier row's from another source; record them as rejects; return
    the names of the shards rewritten.

    "Earlier" is recipe source order, then plan order, so the kept copy is the same on every build. One pass
    reads the pixel-hash column of every shard into compact keys (`keys.py`, a dozen bytes a row); only shards
    holding a key seen in two sources are opened again (and the hashes compared, in Arrow columns, not a Python
    object a candidate), and only those that lose rows
    are rewritten (atomically, their completion records updated: rows, bytes, sha256, rejects), so a resumed
    build neither reuses a stale checksum nor forgets the rejects.
    """
    if not tasks:
        return []
    rank = {spec.entry_id: i for i, spec in enumerate(recipe.sources)}
    in_recipe_order = pa.array(list(rank))
    shards = [work.data / task.shard_name for task in tasks]

    def keyed(table: pa.Table) -> tuple[np.ndarray, ...]:
        pixel = pc.struct_field(table["hashes"], "pixel_sha256")
        ranks = np.array(pc.index_in(table["source"], value_set=in_recipe_order), np.int32)
        return keys.string_keys(pixel), ranks, np.array(pc.is_valid(pixel))

    (pixels, ranks, valid), starts = keys.scan(shards, ["source", "hashes"], keyed)
    again = keys.rows_in_several_groups(pixels, ranks)
    again &= np.concatenate(valid)
    del pixels, ranks, valid
    found = [
        pa.table({
            "pixel": pc.struct_field(table["hashes"], "pixel_sha256"),
            "source": table["source"],
            "id": table["id"],
            "order": pa.array(np.full(table.num_rows, order, np.int32)),
            "row": table["row"],
        })
        for order, table in keys.candidate_rows(shards, starts, again, ["id", "source", "hashes"])
    ]
    if not found:
        return []
    candidates = pa.concat_tables(found)
    spread = candidates.group_by("pixel").aggregate([("source", "count_distinct")])
    shared = spread.filter(pc.greater(spread["source_count_distinct"], 1))["pixel"]  # keys met, pixels equal
    candidates = candidates.filter(pc.is_in(candidates["pixel"], value_set=shared))
    candidates = candidates.append_column("rank", pc.index_in(candidates["source"], value_set=in_recipe_order))
    earliest = candidates.sort_by([(name, "ascending") for name in ("pixel", "rank", "order", "row")])
    kept = earliest.group_by("pixel", use_threads=False).aggregate([("id", "first"), ("source", "first")])
    pairs = zip(kept["id_first"].to_pylist(), kept["source_first"].to_pylist(), strict=True)
    first = dict(zip(kept["pixel"].to_pylist(), pairs, strict=True))
    rewritten = []
    for shard in sorted(pc.unique(candidates["order"]).to_pylist()):
        task = tasks[shard]
        if _rewrite_without_duplicates(task, done[task.shard_name], first, recipe, work):
            rewritten.append(task.shard_name)
    return rewritten


def _rewrite_without_duplicates(
    task: Task,
    record: CompletionRecord,
    first: dict[str, tuple[str, str]],
    recipe: Recipe,
    work: WorkDir,
) -> bool:
    shard = work.data / task.shard_name
    source_file = pq.ParquetFile(storage.arrow_source(shard))
    columns = ["id", "source", "hashes", "provenance"]
    duplicates = []
    for row in source_file.read(columns=columns).to_pylist():
        kept = first.get(row["hashes"]["pixel_sha256"] or "")
        if kept and kept[1] != row["source"]:
            duplicates.append((row, kept[0]))
    if not duplicates:
        return False
    drop = {row["id"] for row, _ in duplicates}
    with ShardWriter(shard, recipe.output.row_group_size, source_file.schema_arrow) as writer:
        for batch in source_file.iter_batches(batch_size=recipe.output.row_group_size):
            table = pa.Table.from_batches([batch])
            writer.write_table(table.filter(pc.invert(pc.is_in(table["id"], pa.array(sorted(drop))))))
    by_source = Counter(record.by_source)
    by_source.subtract(row["source"] for row, _ in duplicates)
    record.rows, record.bytes, record.sha256 = writer.rows, shard.stat().st_size, file_sha256(shard)
    record.by_source = {k: v for k, v in sorted(by_source.items()) if v}
    record.rejects = record.rejects + [
        Reject(
            row["source"],
            row["provenance"]["image_file"],
            "finalize",
            "exact_duplicate",
            f"same pixels as {kept_id}",
            row["id"],
        )
        for row, kept_id in duplicates
    ]
    work.write_done(task.shard_name, record)
    return True


def all_rejects(work: WorkDir, done: Iterable[CompletionRecord]) -> Iterator[Reject]:
    """Adapter rejects in source order, then task rejects in plan order."""
    yield from read_plan_rejects(work)
    for record in done:
        yield from record.rejects


def write_rejects(out_dir: Path, rejects: Iterable[Reject], batch_rows: int = 10_000) -> Counter[tuple[str, str]]:
    """Stream every reject into `rejects.parquet`; return counts per (source, reason)."""
    counts: Counter[tuple[str, str]] = Counter()
    with ShardWriter(out_dir / REJECTS_FILE, batch_rows, REJECTS_SCHEMA) as writer:
        for reject in rejects:
            counts[(reject.source, reject.reason)] += 1
            writer.write(reject.as_row())
    return counts


def build_manifest(
    recipe: Recipe,
    sources: Sequence[Source],
    records: list[CompletionRecord],
    reject_counts: Counter[tuple[str, str]],
    notes: dict[str, JsonObject] | None = None,
) -> Manifest:
    """The manifest from the shards' completion records (in output order) and the reject counts. `notes` are the
    planner's per-entry split origin and unmapped values (`plan.plan_notes`); an entry without notes states none.
    """
    notes = notes or {}
    by_source_split: dict[str, dict[str, int]] = {spec.entry_id: {} for spec in recipe.sources}
    text_filters: Counter[str] = Counter()
    flagged: dict[str, Counter[str]] = {}
    for record in records:
        text_filters.update(record.text_filters)
        for source, counts in record.flagged.items():
            flagged.setdefault(source, Counter()).update(counts)
        for source, rows in record.by_source.items():
            split_counts = by_source_split[source]
            split_counts[record.split] = split_counts.get(record.split, 0) + rows
    rejects_by_reason: Counter[str] = Counter()
    rejects_by_source: Counter[str] = Counter()
    for (source, reason), n in reject_counts.items():
        rejects_by_reason[reason] += n
        rejects_by_source[source] += n
    roots = {spec.entry_id: portable_root(spec.root, spec.entry_id) for spec in recipe.sources}
    return Manifest(
        schema_version=SCHEMA_VERSION,
        tool_version=_version("mgll-data"),
        recipe=recipe.as_json(),
        recipe_hash=recipe.content_hash(),
        libraries={name: v for name in LIBRARIES if (v := _version(name))},
        sources={
            source.entry_id: ManifestEntry(
                adapter=source.name,
                root=roots[source.entry_id],
                licence_class=source.licence_class,
                citation=source.citation,
                homepage=source.homepage,
                version=source.version,
                modality=source.modality,
                rows=sum(by_source_split[source.entry_id].values()),
                rejects=rejects_by_source[source.entry_id],
                **notes.get(source.entry_id, {}),
            )
            for source in sources
        },
        splits={
            split: SplitEntry(
                rows=sum(r.rows for r in records if r.split == split),
                shards=[r.file for r in records if r.split == split],
            )
            for split in SPLITS
            if any(r.split == split for r in records)
        },
        shards=[ShardEntry(r.file, r.split, r.rows, r.bytes, r.sha256) for r in records],
        counts=ManifestCounts(
            by_source_split=by_source_split,
            rejects_by_reason=dict(sorted(rejects_by_reason.items())),
            text_filters=dict(sorted(text_filters.items())),
            flagged_rows={source: dict(sorted(c.items())) for source, c in sorted(flagged.items())},
        ),
    )


def write_manifest(out_dir: Path, manifest: Manifest) -> Path:
    path = out_dir / MANIFEST_FILE
    atomic_write_text(path, json.dumps(manifest.to_json(), indent=2, sort_keys=False) + "\n")
    return path


def finalize(recipe: Recipe, sources: list[Source], tasks: list[Task], work: WorkDir) -> Manifest:
    """Turn completed shards into a finished folder; the manifest is written only if every check passes."""
    remove_stale(tasks, work)
    done = {task.shard_name: _completed(task, work) for task in tasks}
    if recipe.image.drop_exact_duplicates:
        drop_cross_source_duplicates(tasks, done, recipe, work)
    reject_counts = write_rejects(work.out, all_rejects(work, done.values()))
    if not any(record.rows for record in done.values()):
        reasons = ", ".join(f"{source}: {reason} {n}" for (source, reason), n in sorted(reject_counts.items()))
        reasons = reasons or "the sources listed no records"
        raise MgllError(f"{work.out}: the build produced no rows ({reasons}); see {work.out / REJECTS_FILE}")
    check_no_leakage(work.data / task.shard_name for task in tasks)
    check_no_image_leakage(work.data / task.shard_name for task in tasks)
    records = [done[task.shard_name] for task in tasks]
    manifest = build_manifest(recipe, sources, records, reject_counts, read_plan_notes(work))
    write_manifest(work.out, manifest)
    return manifest
