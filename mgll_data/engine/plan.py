"""Planning: one streaming pass over the adapters' records, cut into shard tasks spilled to disk.

Records are assigned a split, buffered per split and spilled every `shard_size` records, so the planner
holds at most three buffers of `shard_size` records whatever the size of the dataset. Adapter rejects
stream to a JSON-lines file. Once every source is read, the counts are known and the spills are re-cut
into tasks, one per shard `{split}-{i:05d}-of-{n:05d}.parquet`, sized for the workers: `shard_size` is
the most rows a shard holds, and with several workers a shard holds fewer, so that every worker has
about `TASKS_PER_WORKER` tasks and none sits idle while another finishes a long one (the remainder of a
split is its last shard). The rows never depend on the worker count; how they are grouped into shards
does (and a resumed build with another worker count rebuilds the shards whose grouping changed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mgll_data.engine.rows import path_in_source, relative_text
from mgll_data.engine.splits import PatientSplits, patient_split
from mgll_data.engine.workdir import WorkDir
from mgll_data.output_layout import SPLITS, shard_file_name
from mgll_data.recipe import Recipe, SourceSpec
from mgll_data.records import RawRecord, Reject
from mgll_data.sources.base import Source

TASKS_PER_WORKER = 8  # with equal tasks handed out largest first, the last one to finish idles the others < 1/8


@dataclass(frozen=True)
class SourceMeta:
    """What a task needs to know about a record's source (the Source instance stays in the planner)."""

    name: str
    root: str
    version: str
    licence_class: str
    adapter: str
    synthetic: bool = False  # drawn and written by mgll-data (a demo:// root): its rows say so


@dataclass(frozen=True)
class Task:
    """One output shard: the records file it is built from and the hash of everything that shapes it."""

    split: str
    index: int
    count: int
    records_file: Path
    key: str
    rows: int

    @property
    def shard_name(self) -> str:
        return shard_file_name(self.split, self.index, self.count)


def source_meta(source: Source, synthetic: bool = False) -> SourceMeta:
    return SourceMeta(source.entry_id, str(source.root), source.version, source.licence_class, source.name, synthetic)


def _record_digest(record: RawRecord) -> bytes:
    """Canonical bytes of a record, for task hashes that do not depend on pickle details."""
    return json.dumps(dataclasses.asdict(record), sort_keys=True, default=str).encode()


def official_split(record: RawRecord, spec: SourceSpec, recipe: Recipe) -> str | None:
    """The source's own split of `record`, when it has one and the recipe keeps it."""
    return record.split if record.split is not None and recipe.keeps_official_split(spec) else None


def choose_split(record: RawRecord, spec: SourceSpec, recipe: Recipe) -> str:
    official = official_split(record, spec, recipe)
    if official is not None:
        return official
    return patient_split(recipe.split.seed, spec.entry_id, record.patient_id, recipe.split.fractions())


def _check(record: RawRecord, spec: SourceSpec, recipe: Recipe, root: str) -> Reject | None:
    item = record.published_path or path_in_source(record.image_path, root)
    if not record.patient_id:
        return Reject(spec.entry_id, item, "plan", "missing_patient_id", "", record.id)
    if record.split is not None and recipe.keeps_official_split(spec) and record.split not in SPLITS:
        detail = f"{record.split!r}; expected one of {', '.join(SPLITS)}"
        return Reject(spec.entry_id, item, "plan", "unknown_split", detail, record.id)
    if not record.is_labelled():
        if spec.unlabelled == "reject":
            detail = "listed without labels; set `unlabelled: keep` on the source entry to keep it"
            return Reject(spec.entry_id, item, "label", "unlabelled", detail, record.id)
        record.attributes["unlabelled"] = True
    return None


class _Repeats:
    """Ids and image files already planned: a second record with either becomes a reject naming both entries,
    found here, before any shard is written (the first entry, in source order, is kept)."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.images: dict[str, tuple[str, str]] = {}

    def check(self, record: RawRecord, spec: SourceSpec, item: str) -> Reject | None:
        entry = f"{record.source_file or item}:{record.source_entry or ''}".rstrip(":")
        if record.id in self.ids:
            detail = f"{entry} repeats the id of {self.ids[record.id]} (kept)"
            return Reject(spec.entry_id, item, "plan", "duplicate_id", detail, record.id)
        image = str(record.image_path)
        if image in self.images:
            kept_id, kept_entry = self.images[image]
            detail = f"{entry} lists the image of {kept_id} ({kept_entry}, kept)"
            return Reject(spec.entry_id, item, "plan", "duplicate_image", detail, record.id)
        self.ids[record.id] = entry
        self.images[image] = (record.id, entry)
        return None


class _SplitBuffer:
    """Records of one split waiting to be spilled to disk; the spills are re-cut into tasks after planning."""

    def __init__(self, split: str, work: WorkDir, shard_size: int):
        self.split, self.work, self.shard_size = split, work, shard_size
        self.records: list[RawRecord] = []
        self.spills: list[Path] = []
        self.count = 0

    def add(self, record: RawRecord) -> None:
        self.records.append(record)
        self.count += 1
        if len(self.records) >= self.shard_size:
            self.spill()

    def spill(self) -> None:
        if not self.records:
            return
        path = self.work.tasks / f"{self.split}-spill-{len(self.spills):05d}.pkl"
        _dump(path, self.records)
        self.spills.append(path)
        self.records = []

    def stream(self) -> Iterator[RawRecord]:
        """Every record in plan order, one spill in memory at a time; each spill is removed once read."""
        self.spill()
        for path in self.spills:
            with path.open("rb") as handle:
                yield from pickle.load(handle)
            path.unlink()


def _dump(path: Path, records: list[RawRecord]) -> None:
    with path.open("wb") as handle:
        pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)


def task_rows(total: int, shard_size: int, workers: int) -> int:
    """The most rows a task (shard) takes: `shard_size`, or less so that `workers` get about
    `TASKS_PER_WORKER` tasks each."""
    if workers <= 1:
        return shard_size
    return max(1, min(shard_size, -(-total // (workers * TASKS_PER_WORKER))))


def shard_sizes(count: int, most: int) -> list[int]:
    """`count` rows in shards of `most` rows, the remainder last."""
    full, rest = divmod(count, most)
    return [most] * full + ([rest] if rest else [])


def plan_tasks(
    sources: list[tuple[SourceSpec, Source]],
    recipe: Recipe,
    work: WorkDir,
    code_hash: str,
    on_record: Callable[[], None] = lambda: None,
    workers: int = 1,
) -> list[Task]:
    """Read every source once; write task files and adapter rejects; return the tasks in output order.

    A task's key hashes its records, its place in the output, the recipe and the code that builds it.
    """
    recipe_hash = recipe.content_hash()
    buffers = {split: _SplitBuffer(split, work, recipe.output.shard_size) for split in SPLITS}
    repeats = _Repeats()
    patients = PatientSplits()
    with work.plan_rejects.open("w", encoding="utf-8") as rejects_file:
        for spec, source in sources:
            for item in source.records():
                on_record()
                root = str(source.root)
                if isinstance(item, Reject):
                    problem = dataclasses.replace(
                        item,
                        source=spec.entry_id,
                        item=path_in_source(item.item, root),
                        detail=relative_text(item.detail, root),
                    )
                else:
                    item.source = spec.entry_id  # the entry id prefixes row ids, so two entries never collide
                    problem = _check(item, spec, recipe, root) or repeats.check(
                        item, spec, item.published_path or path_in_source(item.image_path, root)
                    )
                if problem is not None:
                    rejects_file.write(json.dumps(problem.as_row()) + "\n")
                    continue
                split = choose_split(item, spec, recipe)
                if official_split(item, spec, recipe) is not None:
                    patients.add(item.source, item.patient_id, split)
                buffers[split].add(item)
    patients.check()  # before any task is written, so a leaking recipe costs no image decoding
    most = task_rows(sum(b.count for b in buffers.values()), recipe.output.shard_size, workers)
    tasks = []
    for split, buffer in buffers.items():
        sizes = shard_sizes(buffer.count, most)
        records = buffer.stream()
        for index, rows in enumerate(sizes):
            chunk = [next(records) for _ in range(rows)]
            digest = hashlib.sha256()
            for record in chunk:
                digest.update(_record_digest(record))
            path = work.tasks / f"{split}-{index:05d}.pkl"
            _dump(path, chunk)
            fields = (recipe_hash, code_hash, split, str(index), str(len(sizes)), digest.hexdigest())
            key = hashlib.sha256("\x00".join(fields).encode())
            tasks.append(Task(split, index, len(sizes), path, key.hexdigest(), rows))
        assert next(records, None) is None, "every planned record goes into exactly one task"
    return tasks


def read_plan_rejects(work: WorkDir) -> Iterator[Reject]:
    with work.plan_rejects.open(encoding="utf-8") as handle:
        for line in handle:
            yield Reject.from_row(json.loads(line))


def load_task_records(task: Task) -> list[RawRecord]:
    with task.records_file.open("rb") as handle:
        return pickle.load(handle)
