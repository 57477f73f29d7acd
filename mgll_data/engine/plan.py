"""Planning: one streaming pass over the adapters' records, cut into shard tasks on disk.

Records are assigned a split and appended, each pickled once, to that split's records file, with its digest beside
it (and its byte offset in a local temporary file); the planner keeps only its duplicate checks (`Repeats`, about 20
bytes a row), so its memory barely grows with the dataset's records. Adapter rejects stream to a JSON-lines file.
Once every source is read, the counts are known and each split's file is cut into tasks, byte ranges of it, one per
shard `{split}-{i:05d}-of-{n:05d}.parquet`; a worker reads its range and unpickles its records, so a record crosses
from the planner to a worker once. Tasks are sized for the workers: `shard_size` is the most rows a shard holds, and
with several workers a shard holds fewer, so that every worker has about `TASKS_PER_WORKER` tasks and none sits idle
while another finishes a long one (the remainder of a split is its last shard). The rows never depend on the worker
count; how they are grouped into shards does (and a resumed build with another worker count rebuilds the shards
whose grouping changed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import pickle
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from mgll_data.config_io import JsonObject
from mgll_data.engine.pool import planning_map
from mgll_data.engine.splits import PatientSplits, patient_split
from mgll_data.engine.workdir import WorkDir
from mgll_data.errors import RecipeError
from mgll_data.output_layout import SPLITS, shard_file_name
from mgll_data.published import path_in_source, published_item, relative_text
from mgll_data.recipe import Recipe, SourceEntry
from mgll_data.records import EntryFacts, RawRecord, Reject
from mgll_data.sources.base import Source

TASKS_PER_WORKER = 8  # with equal tasks handed out largest first, the last one to finish idles the others < 1/8


@dataclass(frozen=True)
class Task:
    """One output shard: the byte range of a records file it is built from and the hash of everything that
    shapes it."""

    split: str
    index: int
    count: int
    records_file: Path
    key: str
    rows: int
    start: int = 0
    end: int = 0

    @property
    def shard_name(self) -> str:
        return shard_file_name(self.split, self.index, self.count)


def source_meta(source: Source, synthetic: bool = False) -> EntryFacts:
    return EntryFacts(source.entry_id, str(source.root), source.version, source.licence_class, source.name, synthetic)


def _record_digest(record: RawRecord) -> bytes:
    """SHA-256 of a record's canonical JSON, for task hashes that do not depend on pickle details (pickle
    output varies with object identity). A record's fields hold no dataclasses, so its `__dict__` serialises
    exactly as `dataclasses.asdict` would, without the deep copy."""
    return hashlib.sha256(json.dumps(vars(record), sort_keys=True, default=str).encode()).digest()


class SplitChooser:
    """The split of each record of one recipe entry and where it came from: the source's own split when it has one
    and the recipe keeps it ('official'), else the patient hash ('policy'). What the recipe says is read once per
    entry, not once per record."""

    def __init__(self, spec: SourceEntry, recipe: Recipe):
        self.entry_id, self.keep_official = spec.entry_id, recipe.keeps_official_split(spec)
        self.seed, self.fractions = recipe.split.seed, recipe.split.fractions()

    def choose(self, record: RawRecord) -> tuple[str, str]:
        """(split, origin) of `record`."""
        if record.split is not None and self.keep_official:
            return record.split, "official"
        return patient_split(self.seed, self.entry_id, record.patient_id, self.fractions), "policy"


def origin_label(counts: dict[str, int]) -> str:
    """One word for a source's split origin: official, policy, or mixed (some records carry no official split)."""
    present = sorted(origin for origin, n in counts.items() if n)
    return present[0] if len(present) == 1 else ("mixed" if present else "none")


def plan_notes(has_official_split: bool, unmapped: Mapping[str, Counter[str]], origins: dict[str, int]) -> JsonObject:
    """What the manifest says about a planned source beyond rows and rejects: where its split came from (records
    per origin, and whether the source defines a split at all: its class says so, or its records carried one, as
    MIMIC-CXR's do through the JPG release) and the source values that mapped to nothing (`Source.unmapped`)."""
    return {
        "split_origin": origin_label({k: origins.get(k, 0) for k in ("official", "policy")}),
        "split_records": {"official": origins.get("official", 0), "policy": origins.get("policy", 0)},
        "official_split_defined": bool(has_official_split or origins.get("carried", 0)),
        "unmapped": {field: dict(sorted(values.items())) for field, values in sorted(unmapped.items())},
    }


def read_plan_notes(work: WorkDir) -> dict[str, JsonObject]:
    return json.loads(work.plan_notes.read_text(encoding="utf-8")) if work.plan_notes.exists() else {}


def record_item(record: RawRecord, root: str) -> str:
    """The image as a reject names it; computed only for a reject (it costs path arithmetic per record)."""
    return published_item(record.image_path, root, record.published_path)


def check_record(record: RawRecord, spec: SourceEntry, recipe: Recipe, root: str) -> Reject | None:
    """The planning reject of a record (no patient key, an unknown official split, no label at all), or None."""
    if not record.patient_id:
        return Reject(spec.entry_id, record_item(record, root), "plan", "missing_patient_id", "", record.id)
    if record.split is not None and recipe.keeps_official_split(spec) and record.split not in SPLITS:
        detail = f"{record.split!r}; expected one of {', '.join(SPLITS)}"
        return Reject(spec.entry_id, record_item(record, root), "plan", "unknown_split", detail, record.id)
    if not record.is_labelled():
        if spec.unlabelled == "reject":
            detail = "listed without labels; set `unlabelled: keep` on the source entry to keep it"
            return Reject(spec.entry_id, record_item(record, root), "label", "unlabelled", detail, record.id)
        record.attributes["unlabelled"] = True
    return None


def _key64(text: str) -> int:
    """A 64-bit key of a string for `_SeenTable`. Python's own string hash: keys live only in this process's tables,
    a collision is told apart by the caller, and a `str` caches its hash."""
    return hash(text) & 0xFFFF_FFFF_FFFF_FFFF


class _SeenTable:
    """Open-addressing multimap of 64-bit keys to 32-bit values, 6 bytes a slot where a dict of the strings would
    hold a few hundred bytes of Python objects a row. It is cut into `SEGMENTS` small tables by the key's low bits,
    each growing on its own (by half at 4/5 full, its first size staggered), so no growth copies more than a sliver
    and the whole table's load stays even as rows come: about 1.5 slots an entry. A slot holds a 16-bit tag of the
    key (never zero: zero is an empty slot), which also picks its place in the segment, and the value. A lookup
    returns the values of every key sharing segment and tag, a superset the caller tells apart (it compares the
    strings)."""

    SEGMENT_BITS = 10
    SEGMENTS = 1 << SEGMENT_BITS
    FIRST = 16  # slots of the smallest segment; segment i starts with FIRST + FIRST * i // SEGMENTS
    MOST = 1 << 16  # slots a segment may have: the tag picks the place, so more would crowd (~5 * 10^7 rows)

    def __init__(self) -> None:
        self._tags = [array("H", [0]) * (self.FIRST + self.FIRST * i // self.SEGMENTS) for i in range(self.SEGMENTS)]
        self._values = [array("I", [0]) * len(tags) for tags in self._tags]
        self._sizes = [0] * self.SEGMENTS

    @property
    def size(self) -> int:
        return sum(self._sizes)

    @property
    def capacity(self) -> int:
        return sum(len(tags) for tags in self._tags)

    def get_all(self, key: int) -> list[int]:
        """The values of every key whose segment and tag `key` shares (a list, usually empty: cheaper than a
        generator to make and to end)."""
        segment, tag = key & (self.SEGMENTS - 1), (key >> self.SEGMENT_BITS) & 0xFFFF or 1
        tags, found = self._tags[segment], []
        capacity = len(tags)
        slot = tag % capacity
        while here := tags[slot]:
            if here == tag:
                found.append(self._values[segment][slot])
            slot = slot + 1 if slot + 1 < capacity else 0
        return found

    def put(self, key: int, value: int) -> None:
        if value >> 32 or value < 0:
            raise ValueError(f"a seen-table value must fit 32 bits, not {value}")
        segment, tag = key & (self.SEGMENTS - 1), (key >> self.SEGMENT_BITS) & 0xFFFF or 1
        tags, size = self._tags[segment], self._sizes[segment] + 1
        if 5 * size > 4 * len(tags):
            tags = self._grow(segment)
        capacity = len(tags)
        slot = tag % capacity
        while tags[slot]:
            slot = slot + 1 if slot + 1 < capacity else 0
        tags[slot], self._values[segment][slot] = tag, value
        self._sizes[segment] = size

    def _grow(self, segment: int) -> array[int]:
        """Give `segment` half as many slots again, its entries placed anew; return its new tags."""
        old_tags, old_values = self._tags[segment], self._values[segment]
        capacity = len(old_tags) * 3 // 2
        if capacity > self.MOST:
            raise RecipeError(
                f"more than about {self.SEGMENTS * self.MOST * 4 // 5:,} records in one build: build in parts"
            )
        tags, values = array("H", [0]) * capacity, array("I", [0]) * capacity
        for tag, value in zip(old_tags, old_values, strict=True):
            if tag:  # placed as `put` places: past occupied slots only, so a lookup stopping at a free slot saw it
                slot = tag % capacity
                while tags[slot]:
                    slot = slot + 1 if slot + 1 < capacity else 0
                tags[slot], values[slot] = tag, value
        self._tags[segment], self._values[segment] = tags, values
        return tags


_INDEX_BITS = 30  # a kept record's place: its split's number above its index in the split (2^30 rows a split)


class RecordRef(NamedTuple):
    """What the duplicate checks and their rejects need of a record: strings only, so holding one a row costs the
    garbage collector nothing to scan (whole records, with their lists and dicts, made every pass slower) and a
    worker can send them back cheaply."""

    id: str
    image: str
    source: str
    published_path: str | None
    source_file: str | None
    source_entry: str | None

    @classmethod
    def of(cls, record: RawRecord) -> RecordRef:
        return cls(record.id, str(record.image_path), record.source, record.published_path, record.source_file,
                   record.source_entry)


class Repeats:
    """Ids and image files already planned: a second record with either becomes a reject naming both entries,
    found here, before any shard is written (the first entry, in source order, is kept).

    Memory stays about 20 bytes a row: the tables keep 26 bits of each key (segment and tag) and where the kept
    record sits in its split's records file; the kept record is read back from there only to name it in a reject
    and to rule out a collision, which then counts as no repeat."""

    def __init__(self, files: dict[str, _SplitFile] | None, roots: dict[str, str]) -> None:
        """`files` None (the `plan` preview, which writes nothing): the kept records are held in memory instead."""
        self.files, self.roots = files, roots
        self.splits = list(files or SPLITS)
        self.held: list[RecordRef] = []
        self.ids = _SeenTable()
        self.images = _SeenTable()

    def _kept(self, table: _SeenTable, key: int, same: Callable[[RecordRef], bool]) -> RecordRef | None:
        """The kept record under `key` for which `same` holds (others under the key are collisions)."""
        for place in table.get_all(key):
            kept = self._stored(place)
            if same(kept):
                return kept
        return None

    def _stored(self, place: int) -> RecordRef:
        """The kept record at `place`: held here, or read back from its split's records file."""
        split, index = divmod(place, 1 << _INDEX_BITS)
        if self.files is None:
            return self.held[index]
        return RecordRef.of(self.files[self.splits[split]].read(index))

    def _entry(self, ref: RecordRef) -> str:
        item = published_item(ref.image, self.roots[ref.source], ref.published_path)
        return f"{ref.source_file or item}:{ref.source_entry or ''}".rstrip(":")

    def check(self, ref: RecordRef, spec: SourceEntry, root: str) -> Reject | None:
        """The `duplicate_id` or `duplicate_image` reject of a record whose id or image a kept record has."""
        kept = self._kept(self.ids, _key64(ref.id), lambda kept: kept.id == ref.id)
        reason = "duplicate_id"
        if kept is not None:
            detail = f"{self._entry(ref)} repeats the id of {self._entry(kept)} (kept)"
        else:
            kept = self._kept(self.images, _key64(ref.image), lambda kept: kept.image == ref.image)
            if kept is None:
                return None
            reason = "duplicate_image"
            detail = f"{self._entry(ref)} lists the image of {kept.id} ({self._entry(kept)}, kept)"
        item = published_item(ref.image, root, ref.published_path)
        return Reject(spec.entry_id, item, "plan", reason, detail, ref.id)

    def remember(self, ref: RecordRef, split: str) -> None:
        """The record of `ref` is about to be added to `split`'s file (the strings cache their hashes)."""
        if self.files is None:
            place = len(self.held)
            self.held.append(ref)
        else:
            if self.files[split].count >> _INDEX_BITS:
                raise RecipeError(f"more than {1 << _INDEX_BITS:,} rows in the {split} split: build in parts")
            place = self.splits.index(split) << _INDEX_BITS | self.files[split].count
        self.ids.put(_key64(ref.id), place)
        self.images.put(_key64(ref.image), place)


class _SplitFile:
    """One split's planned records, appended to `{split}.records` (each pickled on its own), with their 32-byte
    digests in `{split}.digests`, and where each record starts in an unnamed local temporary file (8 bytes each, the
    end of the last once closed; the planner alone reads it, wherever the output lives): nothing a row stays in
    memory."""

    DIGEST = 32
    OFFSET = 8

    def __init__(self, split: str, work: WorkDir):
        self.split = split
        self.path = work.tasks / f"{split}.records"
        self.digests_path = work.tasks / f"{split}.digests"
        self._records = self.path.open("wb")
        self._digests = self.digests_path.open("wb")
        self._offsets = tempfile.TemporaryFile()  # noqa: SIM115 - closed by forget_offsets, or with the process
        self._end = 0
        self.count = 0

    def add(self, record: RawRecord) -> None:
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        self._offsets.write(self._end.to_bytes(self.OFFSET, "little"))
        self._records.write(data)
        self._digests.write(_record_digest(record))
        self._end += len(data)
        self.count += 1

    def offset(self, index: int) -> int:
        """Where record `index` starts (`count`: where the last one ends, once closed)."""
        self._offsets.flush()
        return int.from_bytes(os.pread(self._offsets.fileno(), self.OFFSET, index * self.OFFSET), "little")

    def read(self, index: int) -> RawRecord:
        """Record `index` of this split, read back from the file being written."""
        self._records.flush()
        with self.path.open("rb") as handle:
            handle.seek(self.offset(index))
            record: RawRecord = pickle.load(handle)
            return record

    def close(self) -> None:
        """Close the records and digests; the offsets stay readable until `forget_offsets`."""
        self._offsets.write(self._end.to_bytes(self.OFFSET, "little"))
        self._records.close()
        self._digests.close()

    def forget_offsets(self) -> None:
        self._offsets.close()  # an unnamed temporary file: closing it removes it


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
    sources: list[tuple[SourceEntry, Source]],
    recipe: Recipe,
    work: WorkDir,
    code_hash: str,
    on_record: Callable[[], None] = lambda: None,
    workers: int = 1,
    planning_workers: int = 1,
) -> list[Task]:
    """Read every source once; write task files and adapter rejects; return the tasks in output order.

    `workers` sizes the tasks; `planning_workers` processes run the adapters' per-item work (`planning_map`),
    which leaves the records and their order as one process would make them.

    A task's key hashes its records, its place in the output, the recipe and the code that builds it.
    """
    recipe_hash = recipe.content_hash()
    files = {split: _SplitFile(split, work) for split in SPLITS}
    repeats = Repeats(files, {spec.entry_id: str(source.root) for spec, source in sources})
    patients = PatientSplits()
    notes: dict[str, JsonObject] = {}
    try:
        with work.plan_rejects.open("w", encoding="utf-8") as rejects_file, planning_map(planning_workers) as mapper:
            for spec, source in sources:
                source.planning_map = mapper
                origins, splits = {"official": 0, "policy": 0, "carried": 0}, SplitChooser(spec, recipe)
                for item in source.records():
                    on_record()
                    root = str(source.root)
                    if isinstance(item, Reject):
                        moved = dataclasses.replace(
                            item,
                            source=spec.entry_id,
                            item=path_in_source(item.item, root),
                            detail=relative_text(item.detail, root),
                        )
                        rejects_file.write(json.dumps(moved.as_row()) + "\n")
                        continue
                    item.source = spec.entry_id  # the entry id prefixes row ids, so two entries never collide
                    ref = RecordRef.of(item)
                    problem = check_record(item, spec, recipe, root) or repeats.check(ref, spec, root)
                    if problem is not None:
                        rejects_file.write(json.dumps(problem.as_row()) + "\n")
                        continue
                    split, origin = splits.choose(item)
                    origins[origin] += 1
                    origins["carried"] += item.split is not None
                    if origin == "official":
                        patients.add(item.source, item.patient_id, split)
                    repeats.remember(ref, split)
                    files[split].add(item)
                notes[spec.entry_id] = plan_notes(source.has_official_split, source.unmapped, origins)
    finally:
        for split_file in files.values():
            split_file.close()
    patients.check()  # before any task is written, so a leaking recipe costs no image decoding
    work.plan_notes.write_text(json.dumps(notes, sort_keys=True), encoding="utf-8")
    most = task_rows(sum(f.count for f in files.values()), recipe.output.shard_size, workers)
    tasks = []
    for split, split_file in files.items():
        sizes = shard_sizes(split_file.count, most)
        first = 0
        with split_file.digests_path.open("rb") as digests:
            for index, rows in enumerate(sizes):
                digest = hashlib.sha256(digests.read(rows * _SplitFile.DIGEST))
                fields = (recipe_hash, code_hash, split, str(index), str(len(sizes)), digest.hexdigest())
                key = hashlib.sha256("\x00".join(fields).encode()).hexdigest()
                start, end = split_file.offset(first), split_file.offset(first + rows)
                tasks.append(Task(split, index, len(sizes), split_file.path, key, rows, start, end))
                first += rows
        assert first == split_file.count, "every planned record goes into exactly one task"
        split_file.digests_path.unlink()
        split_file.forget_offsets()
    return tasks


def read_plan_rejects(work: WorkDir) -> Iterator[Reject]:
    with work.plan_rejects.open(encoding="utf-8") as handle:
        for line in handle:
            yield Reject.from_row(json.loads(line))


def load_task_records(task: Task) -> list[RawRecord]:
    """The task's records: one read of its byte range, unpickled record by record."""
    with task.records_file.open("rb") as handle:
        handle.seek(task.start)
        data = io.BytesIO(handle.read(task.end - task.start))
    return [pickle.load(data) for _ in range(task.rows)]
