"""Reader commands check a built folder before they use it (`validate`, `stats`, `export`, `push`, `rejects`).

A damaged, foreign, changed or half-rebuilt folder ends as one line naming the file (exit 2), never as a traceback
from deep inside a reader: the manifest's keys, every listed shard's Parquet footer (and, for export and push, its
SHA-256), the rejects file, and the build lock are checked first.
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from mgll_data import storage
from mgll_data.checksums import file_sha256
from mgll_data.config_io import JsonObject
from mgll_data.errors import ValidationError
from mgll_data.output_layout import (
    LOCK_FILE,
    MANIFEST_FILE,
    MANIFEST_KEYS,
    REJECT_COLUMNS,
    REJECTS_FILE,
    WORK_DIR,
    ManifestJson,
    read_manifest,
    require_output_dir,
)


def being_rebuilt(out_dir: Path) -> bool:
    """True while a build holds the folder's lock (it replaces shards and the manifest as it finishes). In an object
    store the lock is a file created only when absent and removed when the build ends, so it is held while it exists."""
    if storage.is_remote(out_dir):
        return bool((out_dir / WORK_DIR / LOCK_FILE).exists())
    try:
        fd = os.open(out_dir / WORK_DIR / LOCK_FILE, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _manifest_shards(manifest: ManifestJson, path: Path) -> list[JsonObject]:
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ValidationError(f"{path}: missing key(s) {', '.join(missing)} (a damaged or foreign manifest)")
    shards = manifest["shards"]
    fields = {"file": str, "split": str, "rows": int, "sha256": str}
    if not isinstance(shards, list) or not all(
        isinstance(entry, dict) and all(isinstance(entry.get(k), t) for k, t in fields.items()) for entry in shards
    ):
        raise ValidationError(f"{path}: 'shards' must be a list of {{file, split, rows, sha256}} entries")
    if not isinstance(manifest["counts"], dict):
        raise ValidationError(f"{path}: 'counts' must be an object")
    return shards


def _readable_parquet(path: Path, what: str) -> pq.ParquetFile:
    if storage.is_remote(path):
        if not path.is_file():
            raise ValidationError(f"{path}: {what} is missing")
    else:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise ValidationError(f"{path}: {what} is missing") from None
        if not stat.S_ISREG(mode):
            raise ValidationError(f"{path}: {what} is not a regular file")
    try:
        return pq.ParquetFile(storage.arrow_source(path))
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ValidationError(f"{path}: {what} is not a readable Parquet file ({str(exc).splitlines()[0]})") from None


def check_output(out_dir: Path | str, checksums: bool = False) -> JsonObject:
    """Check a built folder before a reader command uses it, and return its manifest: a folder, not being
    rebuilt, a manifest with its keys, every listed shard a readable Parquet file (with its recorded SHA-256 when
    `checksums`), and a readable rejects file. Raises a one-line ValidationError naming the damaged file."""
    out_dir = require_output_dir(out_dir)
    if being_rebuilt(out_dir):
        raise ValidationError(f"{out_dir}: a build is rewriting this folder now; run this again when it ends")
    manifest = read_manifest(out_dir)
    shards = _manifest_shards(manifest, out_dir / MANIFEST_FILE)
    for entry in shards:
        path = out_dir / entry["file"]
        if Path(entry["file"]).is_absolute() or ".." in Path(entry["file"]).parts:
            raise ValidationError(f"{out_dir / MANIFEST_FILE}: shard path {entry['file']!r} leaves the folder")
        parquet = _readable_parquet(path, f"a shard listed in {MANIFEST_FILE}")
        if parquet.metadata.num_rows != entry["rows"]:
            raise ValidationError(f"{path}: {parquet.metadata.num_rows} rows, {MANIFEST_FILE} says {entry['rows']}")
        if checksums and file_sha256(path) != entry["sha256"]:
            raise ValidationError(
                f"{path}: SHA-256 differs from {MANIFEST_FILE} (changed after the build); rebuild the folder"
            )
    rejects = out_dir / REJECTS_FILE
    if rejects.exists() or rejects.is_symlink():
        names = _readable_parquet(rejects, "the rejects file").schema_arrow.names
        if missing := [column for column in REJECT_COLUMNS if column not in names]:
            raise ValidationError(f"{rejects}: lacks column(s) {', '.join(missing)}")
    return manifest
