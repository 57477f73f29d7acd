"""Exact and perceptual hashes, and the duplicate clusters built on them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mgll_data.images import ImagePolicy, process_image
from mgll_data.images.dedup import (
    exact_duplicate_clusters,
    hamming,
    near_duplicate_clusters,
    phash,
    pixel_sha256,
)


def test_same_pixels_from_different_containers_hash_equal(tmp_path, realdata):
    pixels = np.asarray(Image.open(realdata / "cxr/00000001_000.png").convert("L"))
    Image.fromarray(pixels).save(tmp_path / "a.png")
    Image.fromarray(pixels).save(tmp_path / "b.bmp")
    a, b = (process_image(tmp_path / name, "cxr", ImagePolicy(size=256)) for name in ("a.png", "b.bmp"))
    assert a.hashes["pixel_sha256"] == b.hashes["pixel_sha256"]
    assert len(a.hashes["phash"]) == 16 and int(a.hashes["phash"], 16) >= 0


def test_pixel_hash_depends_on_depth_and_shape():
    zeros = np.zeros((4, 4), np.uint8)
    assert pixel_sha256(zeros) != pixel_sha256(zeros.reshape(2, 8))
    assert pixel_sha256(zeros) != pixel_sha256(np.zeros((4, 2), np.uint16))


def test_phash_survives_resizing_and_jpeg_but_separates_different_images(realdata):
    first = Image.open(realdata / "cxr/00000001_000.png").convert("L")
    other = Image.open(realdata / "cxr/00027426_000.png").convert("L")
    buffer = io.BytesIO()
    first.resize((300, 300), Image.Resampling.BICUBIC).save(buffer, format="JPEG", quality=60)
    recompressed = Image.open(io.BytesIO(buffer.getvalue()))
    assert hamming(phash(first), phash(recompressed)) <= 4
    assert hamming(phash(first), phash(other)) >= 16


def test_exact_clusters():
    ids = ["a", "b", "c", "d", "e"]
    hashes = ["h1", "h2", "h1", None, "h1"]
    assert exact_duplicate_clusters(ids, hashes) == [["a", "c", "e"]]


def _flip(value: int, *bits: int) -> str:
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_near_clusters_follow_the_hamming_limit():
    base = 0x0123456789ABCDEF
    ids = ["base", "three_bits", "six_bits", "seven_bits", "far", "chained"]
    hashes = [
        _flip(base),
        _flip(base, 0, 20, 63),
        _flip(base, 1, 9, 17, 33, 41, 62),  # 6 from base, in different bands
        _flip(base, 2, 10, 18, 26, 34, 42, 50),  # 7 from base, 10 from three_bits
        _flip(~base & (2**64 - 1)),
        _flip(base, 2, 10, 18, 26, 34, 42, 50, 58),  # 1 from seven_bits
    ]
    assert near_duplicate_clusters(ids, hashes, max_distance=6) == [
        ["base", "six_bits", "three_bits"],
        ["chained", "seven_bits"],
    ]
    assert near_duplicate_clusters(ids, hashes, max_distance=0) == []
    assert near_duplicate_clusters(ids, hashes, max_distance=7) == [
        ["base", "chained", "seven_bits", "six_bits", "three_bits"]
    ]


def test_near_clusters_scale_to_many_hashes():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 2**63, size=20_000, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    hashes = [f"{int(v):016x}" for v in values]
    hashes[5000] = _flip(int(hashes[17], 16), 3, 40)
    ids = [f"img{i}" for i in range(len(hashes))]
    assert near_duplicate_clusters(ids, hashes, max_distance=4) == [["img17", "img5000"]]


@pytest.mark.parametrize("distance", [-1, 64])
def test_near_clusters_reject_impossible_limits(distance):
    with pytest.raises(ValueError, match="max_distance"):
        near_duplicate_clusters(["a"], ["0" * 16], max_distance=distance)
