"""Compact row keys for the whole-dataset checks of finalisation (repeated ids, split leakage, cross-source copies).

Each check first reads its columns shard by shard into 64-bit keys of the strings and small exact group codes, a
few bytes a row where Arrow strings and their hash tables cost a few hundred, so finalising a million rows holds
megabytes, not gigabytes; the keys stay in their per-shard arrays, and the one whole-dataset array a check makes is
the sorted copy it finds repeats in. Keys that match point at candidate rows; only those are read again and checked
on the real strings, so a key collision costs a re-read, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mgll_data import storage

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def string_keys(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit key per string (equal strings, equal keys; nulls key as the empty string): FNV-1a over the UTF-8
    bytes and the length, one array step per byte position, so a shard's thousand strings cost a few dozen steps."""
    encoded = [value.encode("utf-8", "surrogateescape") if value else b"" for value in column.to_pylist()]
    table = np.array(encoded, dtype=bytes)
    width = table.dtype.itemsize
    data = table.view(np.uint8).reshape(len(encoded), width) if width else np.zeros((len(encoded), 0), np.uint8)
    keys = np.full(len(encoded), _FNV_OFFSET, np.uint64)
    for position in range(width):
        keys = (keys ^ data[:, position]) * _FNV_PRIME
    return (keys ^ np.array([len(value) for value in encoded], np.uint64)) * _FNV_PRIME


class Codes:
    """Small exact integer codes of strings met shard by shard (source names, splits): groups are never merged."""

    def __init__(self) -> None:
        self.known: dict[str, int] = {}

    def __call__(self, column: pa.Array | pa.ChunkedArray) -> np.ndarray:
        for value in pc.unique(column).to_pylist():
            self.known.setdefault(value, len(self.known))
        return np.array(pc.index_in(column, value_set=pa.array(list(self.known), pa.string())), np.int32)


GROUP_BITS = 16  # a group code shares a sort word with the top 48 bits of its key


def rows_in_several_groups(keys: list[np.ndarray], groups: list[np.ndarray]) -> np.ndarray:
    """Per row (the parts concatenated), whether its key occurs with more than one distinct group code. Memory: one
    sorted 8-byte word a row (a key's top bits above its group code), where sorting keys and groups side by side
    held four times that; keys equal in their top 48 bits count as one, a superset the caller checks on strings."""
    total = sum(len(part) for part in keys)
    if not total:
        return np.zeros(0, bool)
    codes = [part for part in groups if part.size]
    if min(int(part.min()) for part in codes) < -1 or max(int(part.max()) for part in codes) + 1 >> GROUP_BITS:
        raise ValueError(f"group codes must lie in [-1, {(1 << GROUP_BITS) - 2}]")
    low = np.uint64((1 << GROUP_BITS) - 1)
    words = np.empty(total, np.uint64)
    start = 0
    for key, group in zip(keys, groups, strict=True):  # -1 (no group) is a group of its own
        words[start : start + len(key)] = (key & ~low) | (group.astype(np.int64) + 1).astype(np.uint64)
        start += len(key)
    words.sort()
    new_group = words[1:] != words[:-1]
    words >>= np.uint64(GROUP_BITS)
    new_group &= words[1:] == words[:-1]  # the same key's next group
    shared = np.unique(words[1:][new_group])
    del words, new_group
    return _member(keys, shared, GROUP_BITS)


def rows_repeated(keys: list[np.ndarray]) -> np.ndarray:
    """Per row (the parts concatenated), whether its key occurs more than once."""
    if not keys:
        return np.zeros(0, bool)
    ordered = np.concatenate(keys)
    ordered.sort()
    repeats = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    return _member(keys, repeats, 0)


def _member(keys: list[np.ndarray], values: np.ndarray, shift: int) -> np.ndarray:
    """Per row, whether its key shifted right by `shift` is one of `values`, a part at a time (no transient a row)."""
    if not values.size:
        return np.zeros(sum(len(part) for part in keys), bool)
    return np.concatenate([np.isin(part >> np.uint64(shift), values) for part in keys])


def scan(
    shards: list[Path], columns: list[str], keyed: Callable[[pa.Table], tuple[np.ndarray, ...]]
) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """`keyed(table)` (arrays of one value per row) over every shard's `columns`: per keyed value, its list of
    per-shard arrays (never concatenated, so no copy of them all is ever made), and the position where each shard
    starts."""
    parts: list[tuple[np.ndarray, ...]] = []
    starts = [0]
    for path in shards:
        table = _read(path, columns)
        parts.append(keyed(table))
        starts.append(starts[-1] + table.num_rows)
    return [list(arrays) for arrays in zip(*parts, strict=True)], np.array(starts, np.int64)


def _read(path: Path, columns: list[str]) -> pa.Table:
    """One shard's columns. Through `ParquetFile`, not `read_table`, which imports pyarrow.dataset (and pandas)."""
    with pq.ParquetFile(storage.arrow_source(path)) as shard:
        return shard.read(columns=columns)


def candidate_rows(
    shards: list[Path], starts: np.ndarray, hits: np.ndarray, columns: list[str]
) -> Iterable[tuple[int, pa.Table]]:
    """(shard number, its rows at the positions where `hits` is true, with a `row` column of their place in the
    shard) for each shard holding such a row, reading only those shards."""
    positions = np.flatnonzero(hits)
    owners = np.searchsorted(starts, positions, side="right") - 1
    for shard in np.unique(owners).tolist():
        rows = positions[owners == shard] - starts[shard]
        table = _read(shards[shard], columns).take(pa.array(rows))
        yield shard, table.append_column("row", pa.array(rows, pa.int32()))
