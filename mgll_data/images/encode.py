"""Stored bytes: PNG (lossless, 8 or 16 bit), lossless WebP, or JPEG / WebP at the recipe's quality; no metadata.

PNG's zlib level and lossless WebP's effort trade time for size only; the decoded pixels are the same at
every level, so the fast default costs disk, never pixels (bench/encode_levels.py has the table).

8-bit gray, 8-bit RGB and 16-bit gray PNGs (every image the pipeline stores) are written here rather than by
Pillow: one vectorised Sub filter for the whole image instead of Pillow's per-row trial of all five filters
makes encoding about a third cheaper at the same size, which on a 512 px chest X-ray is most of the per-image
cost beyond decoding (bench/build.py). Other modes go through Pillow.

The fast levels 1 and 2 deflate with Intel's ISA-L (the `isal` package) where it is installed: a standard zlib
stream that any PNG reader decodes, about 3.7x faster than zlib and no larger than zlib at the same level on
real photos and radiographs (bench/encode_levels.py). Level 0 and levels 3-9 keep zlib, which from level 3 on
compresses harder than ISA-L's best.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

try:
    from isal import isal_zlib
except ImportError:  # pragma: no cover - a platform without an isal wheel: zlib at every level
    isal_zlib = None

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
WEBP_MAX_METHOD = 6  # libwebp's slowest, smallest method


def encode(image: Image.Image, fmt: str, quality: int, compress_level: int = 1, lossless: bool = False) -> bytes:
    """Encode a fresh image (built from pixels, so no EXIF, ICC or text chunk can carry over).

    `compress_level` (0 fastest .. 9 smallest) is PNG's zlib level and, for lossless WebP, the effort
    (libwebp method 0-6 and quality 0-100 scaled from it); `lossless` applies to WebP only."""
    if fmt == "png" and image.mode in PNG_LAYOUTS:
        return encode_png(image, compress_level)
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


# Pillow mode -> (PNG bit depth, PNG colour type, bytes per pixel, numpy type of the rows as PNG stores them)
PNG_LAYOUTS = {"L": (8, 0, 1, np.uint8), "RGB": (8, 2, 3, np.uint8), "I;16": (16, 0, 2, np.dtype(">u2"))}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUB_FILTER = 1  # each byte minus the same byte of the pixel to its left (PNG filter type 1)
# zlib level -> the ISA-L level (0-3) that is at least as small on stored fundus, gray and 16-bit images
ISAL_LEVELS = {1: 2, 2: 3}


def deflate(data: bytes | memoryview, level: int) -> bytes:
    """A zlib stream of `data` at zlib level `level`, by ISA-L for the fast levels where it is installed."""
    if isal_zlib is not None and level in ISAL_LEVELS:
        return isal_zlib.compress(data, ISAL_LEVELS[level])
    return zlib.compress(data, level)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def encode_png(image: Image.Image, compress_level: int) -> bytes:
    """A PNG of an L, RGB or I;16 image: Sub-filtered rows in one zlib stream at `compress_level`."""
    depth, colour, step, dtype = PNG_LAYOUTS[image.mode]
    width, height = image.size
    raw = np.ascontiguousarray(np.asarray(image), dtype=dtype).view(np.uint8).reshape(height, width * step)
    rows = np.empty((height, width * step + 1), dtype=np.uint8)
    rows[:, 0] = SUB_FILTER
    rows[:, 1 : step + 1] = raw[:, :step]
    np.subtract(raw[:, step:], raw[:, :-step], out=rows[:, step + 1 :])  # modulo 256, as PNG's filters are
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", deflate(rows.data, compress_level)),
            _chunk(b"IEND", b""),
        )
    )
