"""The synthetic shapes benchmark's tree as its generator writes it, plus one row naming a shape outside the
vocabulary and one naming an image that is not there."""

from __future__ import annotations

from pathlib import Path

from mgll_data.demo.shapes_tree import write_shapes_tree

SIZES = {"train": 4, "test": 2}
LISTED = sum(SIZES.values()) + 2


def make_tree(root: Path) -> tuple[Path, dict]:
    write_shapes_tree(root, SIZES, image_size=24, seed=2)
    with (root / "labels.csv").open("a", encoding="utf-8") as handle:
        handle.write("images/train/train_000000.png,train,train-p09999,shape_hexagon,a hexagon\n")
        handle.write("images/test/absent.png,test,test-p09999,,\n")
    return root, {}
