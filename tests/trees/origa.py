"""ORIGA fixture tree as in the Kaggle glaucoma bundle (OrigaList.csv, Images/, Masks/ with label values)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trees.images import write_mask, write_named_image

LISTED = 5  # 001, 002, 003, 004 listed without a file, 005 in a Set that is neither A nor B


def label_mask(cup_rows: int) -> np.ndarray:
    """0 background, 1 disc over rows 4..13 (10 rows), 2 cup over `cup_rows` rows from row 6."""
    mask = np.zeros((20, 20), np.uint8)
    mask[4:14, 5:15] = 1
    mask[6 : 6 + cup_rows, 7:12] = 2
    return mask


def write_tree(root: Path) -> Path:
    base = root / "ORIGA"
    rows = ["Eye,Filename,ExpCDR,Set,Glaucoma", "OD,001.jpg,0.7057,A,1", "OS,002.jpg,,A,0", "OD,003.jpg,0.5,B,0"]
    rows += ["OS,004.jpg,0.6,B,0", "OD,005.jpg,0.4,C,0"]
    base.mkdir(parents=True)
    (base / "OrigaList.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for name in ("001.jpg", "002.jpg", "003.jpg", "005.jpg"):
        write_named_image(base / "Images" / name)
        write_named_image(base / "Images_Cropped" / name)  # derived folder of the bundle: not read
    write_mask(base / "Masks/001.png", label_mask(7))
    write_mask(base / "Masks/002.png", label_mask(4))
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
