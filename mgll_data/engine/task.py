"""One shard task: records in, one Parquet shard and a completion record out.

A pure function of its task file and the recipe, so any backend can run it in any process. The
completion record is written after the shard is in place, so a build killed at any point either has
both (the task is skipped on resume) or redoes the task, overwriting the shard atomically.
"""

from __future__ import annotations

from collections import Counter

from mgll_data.checksums import file_sha256
from mgll_data.engine.heap import keep_freed_buffers
from mgll_data.engine.plan import Task, load_task_records
from mgll_data.engine.rows import make_row
from mgll_data.engine.workdir import WorkDir
from mgll_data.engine.writer import ShardWriter
from mgll_data.images import ImageRejected, process_image
from mgll_data.published import path_in_source, published_item, relative_text
from mgll_data.recipe import Recipe
from mgll_data.records import CompletionRecord, EntryFacts, Reject
from mgll_data.schema import FLAG_ATTRIBUTES
from mgll_data.text import record_texts


def is_complete(task: Task, work: WorkDir) -> bool:
    """A task is done when its completion record matches its content hash and the shard on disk has the
    recorded checksum: a shard damaged or replaced since (same size or not) is rebuilt, not reused."""
    done = work.read_done(task.shard_name)
    shard = work.data / task.shard_name
    if not done or done.key != task.key or not shard.is_file() or shard.stat().st_size != done.bytes:
        return False
    return file_sha256(shard) == done.sha256


def run_task(task: Task, recipe: Recipe, sources: dict[str, EntryFacts], work: WorkDir) -> CompletionRecord:
    """Build the shard of `task`; return (and store) its completion record."""
    keep_freed_buffers()
    rejects: list[Reject] = []
    by_source: Counter[str] = Counter()
    text_filters: Counter[str] = Counter()
    flagged: dict[str, Counter[str]] = {}
    shard = work.data / task.shard_name
    with ShardWriter(shard, recipe.output.row_group_size) as writer:
        for record in load_task_records(task):
            try:
                image = process_image(record.image_path, record.modality, recipe.image)
            except ImageRejected as error:
                root = sources[record.source].root
                real = path_in_source(record.image_path, root)
                item = published_item(record.image_path, root, record.published_path)
                detail = relative_text(error.detail, root).replace(real, item)
                rejects.append(Reject(record.source, item, "image", error.reason, detail, record.id))
                continue
            record, texts = record_texts(record, recipe.text)
            text_filters.update(texts.dropped)
            writer.write(make_row(record, task.split, image, texts, sources[record.source]))
            by_source[record.source] += 1
            flags = [name for name in FLAG_ATTRIBUTES if record.attributes.get(name) is True]
            if flags:
                flagged.setdefault(record.source, Counter()).update(flags)
    done = CompletionRecord(
        key=task.key,
        file=f"data/{task.shard_name}",
        split=task.split,
        rows=writer.rows,
        bytes=shard.stat().st_size,
        sha256=file_sha256(shard),
        by_source=dict(sorted(by_source.items())),
        rejects=rejects,
        text_filters=dict(sorted(text_filters.items())),
        flagged={source: dict(sorted(counts.items())) for source, counts in sorted(flagged.items())},
    )
    work.write_done(task.shard_name, done)
    return done
