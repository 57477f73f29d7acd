"""Mask measurements: vertical cup-to-disc ratio, disc centre and areas from both disc/cup mask conventions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mgll_data.images.masks import (
    MaskError,
    contour_cup_to_disc,
    dark_region,
    disc_cup_attributes,
    read_contour,
    read_mask,
    vertical_cup_to_disc,
)


def refuge_mask(height: int = 40, width: int = 50) -> np.ndarray:
    """White background, a grey disc over rows 10..29 (20 rows) and cols 20..29, a black cup over rows 14..25 (12)."""
    mask = np.full((height, width), 255, np.uint8)
    mask[10:30, 20:30] = 128
    mask[14:26, 22:28] = 0
    return mask


def test_refuge_grey_levels(tmp_path: Path) -> None:
    Image.fromarray(refuge_mask()).save(tmp_path / "g0001.bmp")
    attributes = disc_cup_attributes(read_mask(tmp_path / "g0001.bmp"), "grey_levels")
    assert attributes == {"cup_to_disc_ratio": 0.6, "od_center": [24.5, 19.5], "mask_area_fraction": 0.1}


def test_label_values() -> None:
    mask = np.zeros((10, 10), np.uint8)
    mask[2:7, 2:7] = 1
    mask[3:5, 3:5] = 2
    assert disc_cup_attributes(mask, "label_values")["cup_to_disc_ratio"] == 0.4


def test_no_disc_gives_nothing() -> None:
    assert disc_cup_attributes(np.full((8, 8), 255, np.uint8), "grey_levels") == {}
    assert vertical_cup_to_disc(np.zeros((4, 4), bool), np.zeros((4, 4), bool)) is None


def test_dark_region_of_a_colour_mask(tmp_path: Path) -> None:
    rgb = np.full((4, 4, 3), 255, np.uint8)
    rgb[0, :2] = 0
    Image.fromarray(rgb).save(tmp_path / "lesion.png")
    assert int(dark_region(read_mask(tmp_path / "lesion.png")).sum()) == 2


def test_unreadable_mask_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.bmp").write_bytes(b"not a bitmap")
    with pytest.raises(MaskError, match="bad.bmp"):
        read_mask(tmp_path / "bad.bmp")


def test_contours(tmp_path: Path) -> None:
    (tmp_path / "disc.txt").write_text("0 10\n5 30\n10 10\n", encoding="utf-8")
    (tmp_path / "cup.txt").write_text("2 15\n5 25\n8 15\n", encoding="utf-8")
    assert contour_cup_to_disc(read_contour(tmp_path / "disc.txt"), read_contour(tmp_path / "cup.txt")) == 0.5
    (tmp_path / "bad.txt").write_text("1 2 3\n", encoding="utf-8")
    with pytest.raises(MaskError, match="bad.txt"):
        read_contour(tmp_path / "bad.txt")
