"""FIVES fixture tree as the RAR unpacks: train/ and test/ with Original/ and Ground truth/."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trees.images import write_mask, write_named_image

FILES = {
    "train": ["1_A.png", "10_A.png", "2_D.png", "Thumbs.db"],
    "test": ["10_A.png", "3_G.png", "4_N.png", "5_X.png"],
}
LISTED = 8


def write_tree(root: Path) -> Path:
    base = root / "FIVES A Fundus Image Dataset for AI-based Vessel Segmentation"
    for split, names in FILES.items():
        for name in names:
            if name == "Thumbs.db":
                (base / split / "Original").mkdir(parents=True, exist_ok=True)
                (base / split / "Original" / name).write_bytes(b"thumbnail cache")
                continue
            write_named_image(base / split / "Original" / name)
            write_mask(base / split / "Ground truth" / name, np.zeros((4, 4), np.uint8))
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
