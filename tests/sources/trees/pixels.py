"""Tiny decodable pictures for fixture trees: each name gets its own colour, so no two rows are exact duplicates
unless a test writes the same bytes on purpose (MuReD reusing RFMiD images)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image


def picture(name: str, fmt: str = "PNG", size: tuple[int, int] = (16, 12)) -> bytes:
    """A small RGB picture whose colour derives from `name` (PNG, JPEG or BMP bytes)."""
    colour = tuple(hashlib.sha256(name.encode()).digest()[:3])
    pixels = np.empty((size[1], size[0], 3), np.uint8)
    pixels[:] = colour
    pixels[0, 0] = (255 - colour[0], 0, 0)  # one odd pixel keeps lossy formats from merging near colours
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def write_picture(path: Path, fmt: str | None = None) -> None:
    """Write `picture(path.name)` in the format the suffix names (jpg -> JPEG)."""
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
