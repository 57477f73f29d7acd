"""Split assignment and the leakage check.

A record without an official split gets one from a hash of (seed, source, patient_id): every image of a
patient lands in the same split, the result never depends on record order or on other records, and no
global state is kept, so planning streams.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mgll_data import storage
from mgll_data.errors import ValidationError
from mgll_data.output_layout import SPLITS

_HASH_SCALE = float(2**64)


def patient_split(seed: int, source: str, patient_id: str, fractions: dict[str, float]) -> str:
    """The split of a patient under seeded fractions; the same inputs always give the same split."""
    digest = hashlib.sha256(f"{seed}\x00{source}\x00{patient_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / _HASH_SCALE
    cumulative = 0.0
    for split in SPLITS:
        cumulative += fractions[split]
        if position < cumulative and fractions[split] > 0:
            return split
    return next(s for s in reversed(SPLITS) if fractions[s] > 0)


def check_no_leakage(shards: Iterable[Path], max_examples: int = 5) -> None:
    """Raise if a patient of one source appears in two splits, or an id appears twice.

    Reads only the id, source, patient_id and split columns, shard by shard, keeping the distinct
    (source, patient, split) triples and the ids: memory grows with short strings per row, never with images.
    """
    triples, ids = [], []
    for path in shards:
        table = pq.read_table(storage.arrow_source(path), columns=["id", "source", "patient_id", "split"])
        keys = ["source", "patient_id", "split"]
        triples.append(table.select(keys).group_by(keys).aggregate([]))
        ids.append(table["id"])
    if not ids:
        return
    all_ids = pa.chunked_array([chunk for column in ids for chunk in column.chunks], type=pa.string())
    if pc.count_distinct(all_ids).as_py() != len(all_ids):
        counts = pa.table({"id": all_ids}).group_by("id").aggregate([("id", "count")])
        repeated = counts.filter(pc.greater(counts["id_count"], 1))["id"].to_pylist()[:max_examples]
        raise ValidationError(f"duplicate record ids in the shards (an adapter emitted an id twice): {repeated}")
    per_patient = pa.concat_tables(triples).group_by(["source", "patient_id"]).aggregate([("split", "count_distinct")])
    leaking = per_patient.filter(pc.greater(per_patient["split_count_distinct"], 1))
    if leaking.num_rows:
        pairs = [(row["source"], row["patient_id"]) for row in leaking.slice(0, max_examples).to_pylist()]
        raise leakage_error(leaking.num_rows, pairs, set(leaking["source"].to_pylist()))


def leakage_error(count: int, examples: list[tuple[str, str]], sources: Iterable[str]) -> ValidationError:
    """The one message for split leakage, whether the planner or the finished shards find it."""
    shown = ", ".join(f"{source}/{patient}" for source, patient in examples)
    return ValidationError(
        f"split leakage: {count} patient(s) appear in more than one split, e.g. {shown}. "
        f"The official split of {', '.join(sorted(set(sources)))} is not patient-grouped; set `split: policy` on "
        "that source in the recipe to re-split it by patient."
    )


class PatientSplits:
    """The split of every patient whose records keep an official split, so the planner finds leakage before any
    image is decoded. Policy splits are a function of the patient and cannot leak, so only official ones are kept
    (memory: one short key per such patient)."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], str] = {}
        self.leaking: dict[tuple[str, str], None] = {}

    def add(self, source: str, patient_id: str, split: str) -> None:
        key = (source, patient_id)
        if self.first.setdefault(key, split) != split:
            self.leaking[key] = None

    def check(self, max_examples: int = 5) -> None:
        if self.leaking:
            pairs = list(self.leaking)
            raise leakage_error(len(pairs), pairs[:max_examples], (source for source, _ in pairs))


def check_no_image_leakage(shards: Iterable[Path], max_examples: int = 5) -> None:
    """Raise if the same pixels sit in two splits: one image listed by two sources (RSNA and SIIM images are
    ChestX-ray14 images) whose patient keys differ, so the per-source patient check cannot see it.

    Reads the id, source, split and pixel hash columns only (short strings per row, never images).
    """
    pairs: list[pa.Table] = []
    for path in shards:
        table = pq.read_table(storage.arrow_source(path), columns=["id", "source", "split", "hashes"])
        pixel = pc.struct_field(table["hashes"], "pixel_sha256")
        columns = {"pixel": pixel, "source": table["source"], "split": table["split"], "id": table["id"]}
        pairs.append(pa.table(columns).filter(pc.is_valid(pixel)))
    if not pairs:
        return
    rows = pa.concat_tables(pairs)
    per_image = rows.group_by("pixel").aggregate(
        [("split", "count_distinct"), ("source", "count_distinct"), ("id", "list")]
    )
    splits, sources = per_image["split_count_distinct"], per_image["source_count_distinct"]
    leaking = per_image.filter(pc.and_(pc.greater(splits, 1), pc.greater(sources, 1)))
    if leaking.num_rows:
        examples = ["=".join(sorted(ids)) for ids in leaking["id_list"].to_pylist()[:max_examples]]
        raise ValidationError(
            f"split leakage: {leaking.num_rows} image(s) with identical pixels sit in more than one split, e.g. "
            f"{'; '.join(examples)}. The same image came through two sources; set `image.drop_exact_duplicates: "
            "true` in the recipe to keep one copy, or give both sources the same split."
        )
