"""Fixture files written fast: placeholder bytes for adapter-only trees (adapters never decode), text files
with chosen line ends. Decodable images come from `trees.images`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def placeholders(paths: Iterable[Path], data: bytes = b"\x00") -> int:
    """Create non-empty files (adapters never decode), with plain os calls: trees of 100k files in seconds."""
    made_dirs: set[Path] = set()
    count = 0
    for path in paths:
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(handle, data)
        os.close(handle)
        count += 1
    return count


def write_text(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())
    return path
