"""Split assignment and the leakage check.

A record without an official split gets one from a hash of (seed, source, patient_id): every image of a
patient lands in the same split, the result never depends on record order or on other records, and no
global state is kept, so planning streams.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mgll_data.engine import keys
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

    Reads the id, source, patient_id and split columns shard by shard into compact keys (`keys.py`, about 20
    bytes a row); only rows whose keys repeat are read again and checked on their strings.
    """
    shards = list(shards)
    if not shards:
        return

    def keyed(table: pa.Table) -> tuple[np.ndarray, ...]:
        patient = pc.binary_join_element_wise(table["source"], table["patient_id"], "\x00")
        split = np.array(pc.index_in(table["split"], value_set=pa.array(SPLITS)).fill_null(-1), np.int8)
        return keys.string_keys(table["id"]), keys.string_keys(patient), split

    (ids, patients, splits), starts = keys.scan(shards, ["id", "source", "patient_id", "split"], keyed)
    columns = ["id", "source", "patient_id", "split"]
    again = keys.rows_repeated(ids)
    if again.any():
        candidates = [table["id"] for _, table in keys.candidate_rows(shards, starts, again, columns)]
        all_ids = pa.chunked_array([chunk for column in candidates for chunk in column.chunks], type=pa.string())
        counts = pa.table({"id": all_ids}).group_by("id").aggregate([("id", "count")])
        repeats = counts.filter(pc.greater(counts["id_count"], 1))["id"].to_pylist()[:max_examples]
        if repeats:
            raise ValidationError(f"duplicate record ids in the shards (an adapter emitted an id twice): {repeats}")
    again = keys.rows_in_several_groups(patients, splits)
    if not again.any():
        return
    triple = ["source", "patient_id", "split"]
    triples = [table.select(triple) for _, table in keys.candidate_rows(shards, starts, again, columns)]
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

    Reads the source, split and pixel hash columns into compact keys; only rows whose pixel key is met in two
    splits and two sources are read again (with their ids) and checked on their hashes.
    """
    shards = list(shards)
    sources = keys.Codes()

    if not shards:
        return

    def keyed(table: pa.Table) -> tuple[np.ndarray, ...]:
        pixel = pc.struct_field(table["hashes"], "pixel_sha256")
        split = np.array(pc.index_in(table["split"], value_set=pa.array(SPLITS)).fill_null(-1), np.int8)
        return keys.string_keys(pixel), sources(table["source"]), split, np.array(pc.is_valid(pixel))

    (pixels, source_codes, splits, valid), starts = keys.scan(shards, ["source", "split", "hashes"], keyed)
    again = keys.rows_in_several_groups(pixels, splits)
    again &= keys.rows_in_several_groups(pixels, source_codes)
    again &= np.concatenate(valid)
    del pixels, source_codes, splits, valid
    pairs: list[pa.Table] = []
    for _, table in keys.candidate_rows(shards, starts, again, ["id", "source", "split", "hashes"]):
        pixel = pc.struct_field(table["hashes"], "pixel_sha256")
        pairs.append(pa.table({"pixel": pixel, "source": table["source"], "split": table["split"], "id": table["id"]}))
    if not pairs:
        return
    rows = pa.concat_tables(pairs)
    per_image = rows.group_by("pixel").aggregate(
        [("split", "count_distinct"), ("source", "count_distinct"), ("id", "list")]
    )
    split_counts, source_counts = per_image["split_count_distinct"], per_image["source_count_distinct"]
    leaking = per_image.filter(pc.and_(pc.greater(split_counts, 1), pc.greater(source_counts, 1)))
    if leaking.num_rows:
        examples = ["=".join(sorted(ids)) for ids in leaking["id_list"].to_pylist()[:max_examples]]
        raise ValidationError(
            f"split leakage: {leaking.num_rows} image(s) with identical pixels sit in more than one split, e.g. "
            f"{'; '.join(examples)}. The same image came through two sources; set `image.drop_exact_duplicates: "
            "true` in the recipe to keep one copy, or give both sources the same split."
        )
