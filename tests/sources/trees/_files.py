"""Writing fixture files fast: placeholder bytes for adapter-only trees, tiny decodable images for builds."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image


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


def grey_image(path: Path, seed: int, size: tuple[int, int] = (40, 32)) -> None:
    """A small random greyscale PNG or JPEG (by suffix) that every decoder reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (size[1], size[0]), dtype=np.uint8)
    Image.fromarray(pixels, mode="L").save(path)


def write_text(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())
    return path
