"""Compact row keys for the whole-dataset checks of finalisation (repeated ids, split leakage, cross-source copies).

Each check first reads its columns shard by shard into 64-bit keys of the strings and small exact group codes, a
few bytes a row where Arrow strings and their hash tables cost a few hundred, so finalising a million rows holds
megabytes, not gigabytes. Keys that match point at candidate rows; only those are read again and checked on the
real strings, so a key collision costs a re-read, never a wrong answer.
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


def in_several_groups(keys: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The keys that occur with more than one distinct group code."""
    if not keys.size:
        return keys
    order = np.lexsort((groups, keys))
    sorted_keys, sorted_groups = keys[order], groups[order]
    new_key = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    new_pair = new_key | np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    distinct = np.add.reduceat(new_pair.astype(np.int64), np.flatnonzero(new_key))
    return sorted_keys[new_key][distinct > 1]


def repeated(keys: np.ndarray) -> np.ndarray:
    """The keys that occur more than once."""
    ordered = np.sort(keys)
    return np.unique(ordered[1:][ordered[1:] == ordered[:-1]])


def scan(
    shards: list[Path], columns: list[str], keyed: Callable[[pa.Table], tuple[np.ndarray, ...]]
) -> tuple[list[np.ndarray], np.ndarray]:
    """`keyed(table)` (arrays of one value per row) over every shard's `columns`, each array concatenated over the
    shards, and the position where each shard starts."""
    parts: list[tuple[np.ndarray, ...]] = []
    starts = [0]
    for path in shards:
        table = pq.read_table(storage.arrow_source(path), columns=columns)
        parts.append(keyed(table))
        starts.append(starts[-1] + table.num_rows)
    if not parts:
        return [], np.array(starts, np.int64)
    return [np.concatenate(arrays) for arrays in zip(*parts, strict=True)], np.array(starts, np.int64)


def candidate_rows(
    shards: list[Path], starts: np.ndarray, hits: np.ndarray, columns: list[str]
) -> Iterable[tuple[int, pa.Table]]:
    """(shard number, its rows at the positions where `hits` is true, with a `row` column of their place in the
    shard) for each shard holding such a row, reading only those shards."""
    positions = np.flatnonzero(hits)
    owners = np.searchsorted(starts, positions, side="right") - 1
    for shard in np.unique(owners).tolist():
        rows = positions[owners == shard] - starts[shard]
        table = pq.read_table(storage.arrow_source(shards[shard]), columns=columns).take(pa.array(rows))
        yield shard, table.append_column("row", pa.array(rows, pa.int32()))
