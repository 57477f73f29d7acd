"""The output folder contract: every file and folder name of a built dataset, and how to read it.

The build writes, and card, validate, stats, push, export, the trainer and the synthetic benchmark read,
through these names, so the layout of DESIGN.md is spelled out once:

    OUT/README.md                                 dataset card
    OUT/manifest.json                             recipe, versions, counts, shard checksums
    OUT/rejects.parquet                           every input item not emitted, with its reason
    OUT/data/{split}-{i:05d}-of-{n:05d}.parquet   the shards
    OUT/.mgll-build/                              build state (hidden: load_dataset and push skip it):
        owner.json   marker: this folder is an mgll-data output of the named dataset
        lock         held (flock) by the running build, with its pid, host and start time
        state.json   recipe and code hash of the last build; tasks/, done/, plan-rejects.jsonl
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.parquet as pq

from mgll_data import storage
from mgll_data.errors import ValidationError
from mgll_data.records import Manifest

SPLITS: tuple[str, ...] = ("train", "validation", "test")
CARD_FILE = "README.md"
ManifestJson: TypeAlias = dict[str, Any]
"""`manifest.json` as read from disk (see records.Manifest for what the engine writes); readers check it first."""

MANIFEST_FILE = "manifest.json"
REJECTS_FILE = "rejects.parquet"
DATA_DIR = "data"
WORK_DIR = ".mgll-build"
MARKER_FILE = "owner.json"
LOCK_FILE = "lock"
STATE_FILE = "state.json"
TASKS_DIR = "tasks"
DONE_DIR = "done"
PLAN_REJECTS_FILE = "plan-rejects.jsonl"
# Files being written carry this prefix until an atomic rename gives them their final name.
TMP_PREFIX = ".tmp-"
# Shard names as the Hub's own uploads name them; `shard_file_name` writes them, `parse_shard_name` reads them.
SHARD_NAME = re.compile(r"^(?P<split>[A-Za-z_]+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.parquet$")
REJECTS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("item", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("record_id", pa.string()),
    ]
)
REJECT_COLUMNS: tuple[str, ...] = tuple(REJECTS_SCHEMA.names)
MANIFEST_KEYS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Manifest))
BATCH_ROWS = 256


@dataclass(frozen=True)
class ShardName:
    """What a shard's file name says: its split, index and the split's shard count."""

    split: str
    index: int
    count: int


def shard_file_name(split: str, index: int, count: int) -> str:
    """The file name of shard `index` (0-based) of `count` in `split`."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def split_glob(split: str) -> str:
    """The shards of `split` as a glob relative to the folder (Hub download patterns use it too)."""
    return f"{DATA_DIR}/{split}-*.parquet"


def parse_shard_name(name: str) -> ShardName | None:
    match = SHARD_NAME.match(name)
    if match is None:
        return None
    return ShardName(match["split"], int(match["index"]), int(match["count"]))


def require_output_dir(out_dir: Path | str | storage.AnyPath) -> storage.AnyPath:
    """The folder as a Path (a UPath for an object store URL), or a ValidationError when it is not a folder."""
    out_dir = storage.location(out_dir)
    if not out_dir.is_dir():
        raise ValidationError(f"{out_dir}: not a folder (expected a built output folder with {MANIFEST_FILE})")
    return out_dir


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """`manifest.json` as a dict; a ValidationError naming the file when it is missing or not a JSON object."""
    path = out_dir / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"{path}: missing (every built folder has a {MANIFEST_FILE})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: expected a JSON object with keys {', '.join(MANIFEST_KEYS)}")
    return data


def data_files(out_dir: Path) -> list[Path]:
    """Every `.parquet` file under `data/`, sorted by name (named or misnamed alike)."""
    data_dir = out_dir / DATA_DIR
    return sorted(data_dir.glob("*.parquet")) if data_dir.is_dir() else []


def shards_by_split(out_dir: Path) -> dict[str, list[Path]]:
    """Well-named shards grouped by the split their name gives, in index order."""
    grouped: dict[str, list[Path]] = {}
    for path in data_files(out_dir):
        name = parse_shard_name(path.name)
        if name is not None:
            grouped.setdefault(name.split, []).append(path)
    order = {split: rank for rank, split in enumerate(SPLITS)}
    return dict(sorted(grouped.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def iter_batches(
    path: Path, columns: Sequence[str] | None, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Stream `columns` (None: all) of one shard in small batches (image bytes never all in memory at once)."""
    parquet = pq.ParquetFile(storage.arrow_source(path))
    available = parquet.schema_arrow.names
    wanted = available if columns is None else [column for column in columns if column in set(available)]
    yield from parquet.iter_batches(batch_size=batch_rows, columns=wanted)

