"""Tiny real image files for fixture trees (decodable, distinct per seed, a few hundred bytes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_image(path: Path, seed: int, size: tuple[int, int] = (16, 12), mode: str = "RGB") -> Path:
    """A random image at `path` in the format its suffix names (PNG, JPEG, TIFF ...)."""
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(path)
    return path
