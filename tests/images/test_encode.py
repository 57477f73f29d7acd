"""Encoder settings change size and time only: every PNG level and lossless WebP keep the exact pixels."""

from __future__ import annotations

import io

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
