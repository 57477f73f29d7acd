"""From an image file to stored bytes plus attributes: the one entry point the build engine calls."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mgll_data.images.policy import ImagePolicy


@dataclass
class ProcessedImage:
    """An encoded image and what the record stores about it (keys follow the record schema)."""

    data: bytes
    format: str
    width: int
    height: int
    attributes: dict[str, Any] = field(default_factory=dict)
    geometry: dict[str, Any] = field(default_factory=dict)
    hashes: dict[str, Any] = field(default_factory=dict)


class ImageRejected(Exception):
    """The file cannot become a row; `reason` is a short code stored in rejects.parquet."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def process_image(path: Path, modality: str, policy: ImagePolicy) -> ProcessedImage:
    """Decode, normalise, resize and encode one image file."""
    path = Path(path)
    if not path.is_file():
        raise ImageRejected("missing_file", str(path))
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError) as error:
        raise ImageRejected("unreadable", f"{path}: {error}") from error
    image = image.convert("L" if modality == "cxr" else "RGB")
    orig_w, orig_h = image.size
    scale, pad_left, pad_top = 1.0, 0, 0
    if policy.size:
        scale = policy.size / max(orig_w, orig_h)
        new_w, new_h = max(1, round(orig_w * scale)), max(1, round(orig_h * scale))
        image = image.resize((new_w, new_h), Image.Resampling.LANCZOS)
        canvas = Image.new(image.mode, (policy.size, policy.size))
        pad_left, pad_top = (policy.size - new_w) // 2, (policy.size - new_h) // 2
        canvas.paste(image, (pad_left, pad_top))
        image = canvas
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pixels = np.asarray(image)
    return ProcessedImage(
        data=buffer.getvalue(),
        format="png",
        width=image.width,
        height=image.height,
        attributes={"bit_depth": 8},
        geometry={
            "policy": "letterbox", "orig_width": orig_w, "orig_height": orig_h, "crop_x": 0, "crop_y": 0,
            "crop_width": orig_w, "crop_height": orig_h, "scale": scale, "pad_left": pad_left,
            "pad_top": pad_top, "resample": "lanczos",
        },
        hashes={"pixel_sha256": hashlib.sha256(pixels.tobytes()).hexdigest(), "phash": None},
    )
