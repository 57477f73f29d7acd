"""Stored bytes: PNG (lossless, 8 or 16 bit) or JPEG / WebP at the recipe's quality, with no metadata."""

from __future__ import annotations

import io

from PIL import Image

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    """Encode a fresh image (built from pixels, so no EXIF, ICC or text chunk can carry over)."""
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, format="PNG")
    else:
        image.save(buffer, format=PIL_FORMATS[fmt], quality=quality)
    return buffer.getvalue()
