"""Tiny decodable pictures for fixture trees: each name gets its own pattern, so no two rows are exact or
perceptual duplicates unless a test writes the same bytes on purpose (MuReD reusing RFMiD images)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image


def picture(name: str, fmt: str = "PNG", size: tuple[int, int] = (24, 24)) -> bytes:
    """A small RGB picture: coarse random blocks seeded by `name` (PNG, JPEG, TIFF or BMP bytes)."""
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    blocks = np.random.default_rng(seed).integers(0, 256, (size[1] // 4, size[0] // 4, 3), dtype=np.uint8)
    pixels = blocks.repeat(4, axis=0).repeat(4, axis=1)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def write_picture(path: Path, fmt: str | None = None) -> None:
    """Write a picture seeded by the whole path, in the format the suffix names (jpg -> JPEG)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.casefold().lstrip(".")
    fmt = fmt or {"jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF"}.get(suffix, suffix.upper())
    path.write_bytes(picture(path.as_posix(), fmt))


def write_mask(path: Path, pixels: np.ndarray) -> None:
    """Write a label mask (2-D uint8) in the format the suffix names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def disc_cup_grey(height: int = 40, width: int = 50, cup_rows: int = 12) -> np.ndarray:
    """REFUGE-style disc/cup mask: disc grey 128 over 20 rows (10..29), black cup over `cup_rows` rows from row 14."""
    mask = np.full((height, width), 255, np.uint8)
    mask[10:30, 20:30] = 128
    mask[14 : 14 + cup_rows, 22:28] = 0
    return mask
