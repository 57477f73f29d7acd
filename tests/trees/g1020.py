"""G1020 fixture tree as in the Kaggle glaucoma bundle (G1020.csv, Images/, Masks/ with label values)."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_mask, write_named_image
from trees.origa import label_mask

LISTED = 4


def write_tree(root: Path) -> Path:
    base = root / "G1020"
    base.mkdir(parents=True)
    # ids not contiguous, last row out of order, as distributed; image_7 has no file
    rows = ["imageID,binaryLabels", "image_0.jpg,0", "image_2.jpg,1", "image_7.jpg,0", "image_2568.jpg,1"]
    (base / "G1020.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for name in ("image_0.jpg", "image_2.jpg", "image_2568.jpg"):
        write_named_image(base / "Images" / name)
    write_mask(base / "Masks/image_2.png", label_mask(8))
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
