"""Stored bytes: PNG (lossless, 8 or 16 bit), lossless WebP, or JPEG / WebP at the recipe's quality; no metadata.

PNG's zlib level and lossless WebP's effort trade time for size only; the decoded pixels are the same at
every level, so the fast default costs disk, never pixels (bench/encode_levels.py has the table).
"""

from __future__ import annotations

import io

from PIL import Image

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
WEBP_MAX_METHOD = 6  # libwebp's slowest, smallest method


def encode(image: Image.Image, fmt: str, quality: int, compress_level: int = 1, lossless: bool = False) -> bytes:
    """Encode a fresh image (built from pixels, so no EXIF, ICC or text chunk can carry over).

    `compress_level` (0 fastest .. 9 smallest) is PNG's zlib level and, for lossless WebP, the effort
    (libwebp method 0-6 and quality 0-100 scaled from it); `lossless` applies to WebP only."""
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, format="PNG", compress_level=compress_level)
    elif fmt == "webp" and lossless:
        effort = compress_level / 9
        method = round(WEBP_MAX_METHOD * effort)
        image.save(buffer, format="WEBP", lossless=True, quality=round(100 * effort), method=method)
    else:
        image.save(buffer, format=PIL_FORMATS[fmt], quality=quality)
    return buffer.getvalue()
