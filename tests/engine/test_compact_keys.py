"""Finalisation's whole-dataset checks hold 64-bit keys, not strings: the answers stay exact whether keys collide
(every key forced equal here) or not, and a check reads again only the shards its candidate rows sit in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mgll_data.engine import keys
from mgll_data.engine.splits import check_no_image_leakage, check_no_leakage
from mgll_data.errors import ValidationError


def shard(path: Path, rows: list[tuple[str, str, str, str, str | None]]) -> Path:
    """(id, source, patient, split, pixel hash) rows in the columns the checks read."""
    ids, sources, patients, splits, pixels = (list(column) for column in zip(*rows, strict=True))
    hashes = pa.array([{"pixel_sha256": pixel} for pixel in pixels], pa.struct([("pixel_sha256", pa.string())]))
    table = pa.table({"id": ids, "source": sources, "patient_id": patients, "split": splits, "hashes": hashes})
    pq.write_table(table, path)
    return path


@pytest.fixture(params=["real keys", "colliding keys"])
def collide(request, monkeypatch) -> bool:
    if request.param == "colliding keys":
        monkeypatch.setattr(keys, "string_keys", lambda column: np.zeros(len(column), np.uint64))
    return request.param == "colliding keys"


def clean_shards(tmp_path: Path) -> list[Path]:
    a = shard(tmp_path / "a.parquet", [("a/1", "a", "p1", "train", "h1"), ("a/2", "a", "p1", "train", "h2")])
    b = shard(tmp_path / "b.parquet", [("b/1", "b", "p1", "test", "h3"), ("b/2", "b", "p2", "test", None)])
    c = shard(tmp_path / "c.parquet", [("c/1", "c", "p9", "test", "h3"), ("c/2", "c", "p8", "test", None)])
    return [a, b, c]  # patient p1 of two sources, h3 in two sources of one split, two null hashes: all allowed


def test_clean_shards_pass_whatever_the_keys(tmp_path: Path, collide: bool) -> None:
    check_no_leakage(clean_shards(tmp_path))
    check_no_image_leakage(clean_shards(tmp_path))


def test_no_shards_nothing_to_check() -> None:
    from mgll_data.engine.finalize import drop_cross_source_duplicates

    check_no_leakage([])
    check_no_image_leakage([])
    assert drop_cross_source_duplicates([], {}, None, None) == []  # type: ignore[arg-type]


def test_a_repeated_id_is_found(tmp_path: Path, collide: bool) -> None:
    shards = clean_shards(tmp_path) + [shard(tmp_path / "d.parquet", [("a/2", "d", "q", "train", "h9")])]
    with pytest.raises(ValidationError, match=r"duplicate record ids .*\['a/2'\]"):
        check_no_leakage(shards)


def test_a_patient_in_two_splits_is_found(tmp_path: Path, collide: bool) -> None:
    shards = clean_shards(tmp_path) + [shard(tmp_path / "d.parquet", [("a/3", "a", "p1", "validation", "h9")])]
    with pytest.raises(ValidationError, match=r"split leakage: 1 patient\(s\).*a/p1"):
        check_no_leakage(shards)


def test_pixels_in_two_splits_and_sources_are_found(tmp_path: Path, collide: bool) -> None:
    shards = clean_shards(tmp_path) + [shard(tmp_path / "d.parquet", [("d/1", "d", "q", "validation", "h1")])]
    with pytest.raises(ValidationError, match=r"split leakage: 1 image\(s\).*a/1=d/1"):
        check_no_image_leakage(shards)


def test_only_shards_with_candidate_rows_are_read_again(tmp_path: Path, monkeypatch) -> None:
    shards = clean_shards(tmp_path)
    read: list[str] = []
    real_read = keys._read
    monkeypatch.setattr(keys, "_read", lambda path, columns: read.append(Path(path).name) or real_read(path, columns))
    check_no_image_leakage(shards + [shard(tmp_path / "d.parquet", [("d/1", "d", "q", "validation", "h9")])])
    assert read == ["a.parquet", "b.parquet", "c.parquet", "d.parquet"]  # one pass; h3 stays in one split
    read.clear()
    with pytest.raises(ValidationError):
        check_no_leakage(shards + [shard(tmp_path / "d.parquet", [("d/1", "a", "p1", "test", "h9")])])
    assert read[4:] == ["a.parquet", "d.parquet"]  # a's p1 sits in a and d; b's p1 is another patient


def test_rows_whose_keys_repeat_or_span_groups() -> None:
    """Keys in parts (one per shard), as the checks hold them; a key is compared on its top 48 bits when grouped."""
    parts = [np.array([5, 5, 7], np.uint64) << np.uint64(16), np.array([7, 9, 9, 11, 11], np.uint64) << np.uint64(16)]
    groups = [np.array([0, 0, 1], np.int8), np.array([2, 3, -1, 4, 4], np.int8)]
    assert keys.rows_in_several_groups(parts, groups).tolist() == [False, False, True, True, True, True, False, False]
    near = [np.array([1 << 16, (1 << 16) + 1], np.uint64)]  # equal above the low 16 bits: one key, a superset
    assert keys.rows_in_several_groups(near, [np.array([0, 1], np.int32)]).tolist() == [True, True]
    with pytest.raises(ValueError, match="group codes"):
        keys.rows_in_several_groups(near, [np.array([0, 1 << 16], np.int32)])
    assert keys.rows_repeated([np.array([3, 1], np.uint64), np.array([3, 2, 1, 3], np.uint64)]).tolist() == [
        True, True, True, False, True, True]
    assert keys.rows_in_several_groups([], []).tolist() == [] and keys.rows_repeated([]).tolist() == []


def test_cross_source_copies_are_dropped_the_same_when_keys_collide(tmp_path: Path, monkeypatch) -> None:
    """The build test of dropped copies, every pixel key equal: the hashes decide, not the keys."""
    from test_engine import test_exact_duplicates_across_sources_are_dropped_and_recorded as dropped_and_recorded

    monkeypatch.setattr(keys, "string_keys", lambda column: np.zeros(len(column), np.uint64))
    dropped_and_recorded(tmp_path)
