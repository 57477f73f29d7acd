"""Encoder settings change size and time only: every PNG level and lossless WebP keep the exact pixels."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from mgll_data.images import ImagePolicy, process_image
from mgll_data.images.encode import encode


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("relative", ["fundus/photos/sample_macular_hole.png", "cxr/00000001_000.png"])
def test_png_levels_keep_pixels_and_trade_size(realdata, relative):
    image = Image.open(realdata / relative)
    sizes = {}
    for level in (0, 1, 6, 9):
        data = encode(image, "png", 95, compress_level=level)
        np.testing.assert_array_equal(np.asarray(decode(data)), np.asarray(image))
        sizes[level] = len(data)
    assert sizes[0] > sizes[1] >= sizes[6] >= sizes[9]


@pytest.mark.parametrize("relative", ["fundus/photos/severe_nonprol_dr.jpg", "cxr/00027426_000.png"])
def test_lossless_webp_keeps_pixels(realdata, relative, stored):
    modality = "fundus" if relative.startswith("fundus") else "cxr"
    webp = process_image(realdata / relative, modality, ImagePolicy(size=256, format="webp", webp_lossless=True))
    png = process_image(realdata / relative, modality, ImagePolicy(size=256))
    assert decode(webp.data).format == "WEBP"
    reference = stored(png)
    pixels = np.asarray(decode(webp.data).convert("RGB" if reference.ndim == 3 else "L"))
    np.testing.assert_array_equal(pixels, reference)  # gray is stored as RGB with three equal channels
    assert webp.hashes["pixel_sha256"] == png.hashes["pixel_sha256"]


def test_lossless_webp_needs_the_webp_format():
    with pytest.raises(ValueError, match="webp_lossless needs format webp"):
        ImagePolicy(webp_lossless=True)


@pytest.mark.parametrize("mode", ["L", "RGB", "I;16"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (64, 48)])
def test_own_png_writer_stores_what_pillows_writer_stores(mode, size):
    """The stored modes are written by `encode_png` (one Sub filter, one zlib stream); decoded, every level
    gives exactly the pixels Pillow's own PNG writer stores, including 16-bit values and 1-pixel images."""
    rng = np.random.default_rng(sum(size))
    width, height = size
    if mode == "I;16":
        pixels = rng.integers(0, 1 << 16, (height, width), dtype=np.uint16)
    else:
        pixels = rng.integers(0, 256, (height, width, 3) if mode == "RGB" else (height, width), dtype=np.uint8)
    pixels[: height // 2] //= 3  # some smooth area beside the noise
    image = Image.fromarray(pixels)
    assert image.mode == mode
    reference = io.BytesIO()
    image.save(reference, format="PNG", compress_level=6)
    for level in (0, 1, 2, 3, 9):
        data = encode(image, "png", 95, compress_level=level)
        stored = decode(data)
        assert stored.mode == decode(reference.getvalue()).mode
        np.testing.assert_array_equal(np.asarray(stored), np.asarray(decode(reference.getvalue())))
        idat = zlib.decompress(data[data.index(b"IDAT") + 4 :])  # one IDAT chunk, then its CRC and IEND
        row = len(idat) // height
        assert {idat[i * row] for i in range(height)} == {1}, "every row Sub-filtered"


def _chest_like(side: int = 256) -> np.ndarray:
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:side, :side] / side
    smooth = 60 + 120 * np.exp(-(((xx - 0.5) / 0.12) ** 2)) + 50 * yy
    return np.clip(smooth + rng.normal(0, 5, (side, side)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("level", [1, 2])
def test_fast_levels_deflate_by_isal_no_larger_than_zlib(level, monkeypatch):
    """Levels 1 and 2 go through ISA-L: a different stream from zlib's, decoding to the same rows, and no larger."""
    from mgll_data.images import encode as encode_module

    image = Image.fromarray(_chest_like())
    fast = encode(image, "png", 95, compress_level=level)
    monkeypatch.setattr(encode_module, "isal_zlib", None)  # a platform without the isal wheel
    plain = encode(image, "png", 95, compress_level=level)
    assert fast != plain and len(fast) <= len(plain)
    np.testing.assert_array_equal(np.asarray(decode(fast)), np.asarray(decode(plain)))


def test_without_isal_every_level_is_zlib(monkeypatch):
    from mgll_data.images import encode as encode_module

    monkeypatch.setattr(encode_module, "isal_zlib", None)
    rows = _chest_like(32).tobytes()
    assert encode_module.deflate(rows, 1) == zlib.compress(rows, 1)
