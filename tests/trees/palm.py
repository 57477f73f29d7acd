"""PALM fixture trees in its three distributions: Baidu challenge, Baidu re-release and figshare."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trees.images import write_mask, write_named_image
from trees.refuge import write_book

LISTED = 5  # the figshare tree: P0003, H0004, N0005, V0001, T0001


def lesion(rows: int) -> np.ndarray:
    """Black-on-white 40x50 mask with `rows` full black rows (rows * 50 of 2,000 pixels)."""
    mask = np.full((40, 50), 255, np.uint8)
    mask[:rows] = 0
    return mask


def write_baidu(root: Path) -> Path:
    for name in ("P0001.jpg", "H0001.jpg", "N0001.jpg"):
        write_named_image(root / "PALM-Training400/PALM-Training400" / name)
    write_mask(root / "PALM-Training400-Annotation-D&F/Disc_Masks/P0001.bmp", lesion(4))
    write_mask(root / "PALM-Training400-Annotation-Lession/Lesion_Masks/Atrophy/P0001.bmp", lesion(8))
    for name in ("V0001.jpg", "V0002.jpg"):
        write_named_image(root / "PALM-Validation400" / name)
    write_book(
        root / "PALM-Validation-GT/PM_Label_and_Fovea_Location.xlsx",
        ["ID", "imgName", "Label", "Fovea_X", "Fovea_Y"],
        [[1, "V0001.jpg", 1, 100.5, 200], [2, "V0002.jpg", 0, 0, 0]],
    )
    return root


def write_rerelease(root: Path) -> Path:
    for name in ("P0002.jpg", "V0003.jpg"):
        write_named_image(root / "Train/fundus_image" / name)
    write_book(root / "Train/Fovea_Location_train.xlsx", ["imgName", "x", "y"], [["P0002.jpg", 30, 40]])
    write_named_image(root / "PALM-Testing400-Images/T0001.jpg")
    return root


def write_figshare(root: Path) -> Path:
    base = root / "PALM"
    for name in ("P0003.jpg", "H0004.jpg", "N0005.jpg"):
        write_named_image(base / "Training/Images" / name)
    write_mask(base / "Training/Disc Masks/P0003.bmp", lesion(2))
    write_mask(base / "Training/Lesion Masks/Atrophy/P0003.bmp", lesion(4))
    write_mask(base / "Training/Lesion Masks/Detachment/P0003.bmp", lesion(0))
    write_named_image(base / "Validation/Images/V0001.jpg")
    write_named_image(base / "Testing/Images/T0001.jpg")
    (root / "__MACOSX/PALM/Training/Images").mkdir(parents=True)
    (root / "__MACOSX/PALM/Training/Images/._P0003.jpg").write_bytes(b"resource fork")
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_figshare(root), {}
