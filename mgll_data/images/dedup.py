"""Duplicate detection: an exact hash of the stored pixels and a 64-bit DCT perceptual hash, plus the
clustering `stats` runs on them (the build engine drops cross-source exact copies itself, by recipe order)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from functools import cache

import numpy as np
from PIL import Image

from mgll_data.images.intensity import luma8

PHASH_SIDE, PHASH_LOW = 32, 8  # DCT of a 32x32 thumbnail, keeping the 8x8 lowest frequencies
COMPARE_ROWS = 1024  # rows of a band bucket compared at once, bounding memory on skewed buckets


def pixel_sha256(pixels: np.ndarray) -> str:
    """SHA-256 of the stored pixels together with their shape and type (so a 16-bit image never
    collides with an 8-bit one of the same bytes)."""
    digest = hashlib.sha256(f"{pixels.dtype.str}{pixels.shape}".encode())
    digest.update(np.ascontiguousarray(pixels).tobytes())
    return digest.hexdigest()


@cache
def _dct_matrix(n: int) -> np.ndarray:
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    matrix = np.sqrt(2 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    matrix[0] /= np.sqrt(2)
    return matrix


def phash(image: Image.Image) -> str:
    """64-bit perceptual hash as 16 hex characters: bits set where a low-frequency DCT coefficient of the
    32x32 grey thumbnail exceeds their median (the DC term left out of the median). Stable under
    re-encoding, resizing and small intensity changes; compare with `hamming`."""
    gray = image if image.mode == "L" else Image.fromarray(luma8(image))
    thumb = np.asarray(gray.resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.BOX), dtype=np.float64)
    dct = _dct_matrix(PHASH_SIDE)
    low = (dct @ thumb @ dct.T)[:PHASH_LOW, :PHASH_LOW].ravel()
    bits = low > np.median(low[1:])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex perceptual hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def exact_duplicate_clusters(ids: Sequence[str], pixel_hashes: Sequence[str | None]) -> list[list[str]]:
    """Groups of two or more ids with the same pixel hash, each sorted, the list sorted by first id."""
    groups: dict[str, list[str]] = defaultdict(list)
    for item, digest in zip(ids, pixel_hashes, strict=True):
        if digest:
            groups[digest].append(item)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def near_duplicate_clusters(
    ids: Sequence[str], phashes: Sequence[str | None], max_distance: int = 6
) -> list[list[str]]:
    """Connected groups of ids whose perceptual hashes differ in at most `max_distance` bits.

    Candidates come from bands: the 64 bits are cut into `max_distance + 1` bands, and two hashes that
    close must agree exactly on at least one band (pigeonhole), so only ids sharing a band value are
    compared. Roughly linear in the number of hashes for real data (100k in seconds)."""
    if not 0 <= max_distance < 64:
        raise ValueError(f"max_distance must be between 0 and 63, got {max_distance}")
    members: dict[int, list[str]] = defaultdict(list)
    for item, digest in zip(ids, phashes, strict=True):
        if digest:
            members[int(digest, 16)].append(item)
    unique = np.array(sorted(members), dtype=np.uint64)
    parent = np.arange(len(unique))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bounds = np.linspace(0, 64, max_distance + 2).astype(int)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        band = (unique >> np.uint64(start)) & np.uint64((1 << (stop - start)) - 1)
        order = np.argsort(band, kind="stable")
        cuts = np.nonzero(np.diff(band[order]))[0] + 1
        for bucket in np.split(order, cuts):
            if len(bucket) < 2:
                continue
            values = unique[bucket]
            for first in range(0, len(bucket), COMPARE_ROWS):
                rows = values[first : first + COMPARE_ROWS]
                close = np.bitwise_count(rows[:, None] ^ values[None, :]) <= max_distance
                for i, j in zip(*np.nonzero(close), strict=True):
                    a, b = root(int(bucket[first + i])), root(int(bucket[j]))
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    clusters: dict[int, list[str]] = defaultdict(list)
    for index, value in enumerate(unique):
        clusters[root(index)].extend(members[int(value)])
    return sorted(sorted(group) for group in clusters.values() if len(group) > 1)
