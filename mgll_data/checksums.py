"""File checksums: the manifest's shard sha256, written by the engine and checked by validate, export and push."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mgll_data import storage


def file_sha256(path: Path | storage.AnyPath, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks so a large shard never sits in memory whole."""
    digest = hashlib.sha256()
    with storage.location(path).open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
