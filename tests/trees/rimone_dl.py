"""RIM-ONE DL fixture tree: the same images in both partitions, and reference segmentations for one of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trees.images import write_mask, write_named_image

# partition -> (split folder, class folder, file)
FILES = {
    "partitioned_by_hospital": [
        ("training_set", "glaucoma", "r1_Im001.png"),
        ("training_set", "normal", "r1_Im002.png"),
        ("test_set", "normal", "r3_Im010.png"),
    ],
    "partitioned_randomly": [
        ("training_set", "normal", "r3_Im010.png"),
        ("test_set", "glaucoma", "r1_Im001.png"),
        ("test_set", "normal", "r1_Im002.png"),
    ],
}
LISTED = 3


def write_tree(root: Path) -> Path:
    images = root / "RIM-ONE_DL_images"
    for partition, files in FILES.items():
        for split, label, name in files:
            # the same picture in both partitions, as distributed
            write_named_image(images / partition / split / label / name, key=name)
    (images / "LICENSE.txt").write_text("research use only", encoding="utf-8")
    disc = np.zeros((30, 30), np.uint8)
    disc[5:25, 5:25] = 255
    cup = np.zeros((30, 30), np.uint8)
    cup[10:24, 8:20] = 255
    segmentations = root / "RIM-ONE_DL_reference_segmentations/glaucoma"
    write_mask(segmentations / "r1_Im001-1-Disc-T.png", disc)
    write_mask(segmentations / "r1_Im001-1-Cup-T.png", cup)
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {"partition": "by_hospital"}
