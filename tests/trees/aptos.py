"""APTOS 2019 as downloaded from Kaggle: train.csv + train_images/, test.csv + test_images/."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_image

TRAIN = [("000c1434d8d7", "2"), ("001639a390f0", "4"), ("0024cdab0c1e", "1"), ("002c21358ce6", "0")]
TEST = ["0005cfc8afb6", "003f0afdcd15"]
MISSING = {"0024cdab0c1e"}  # listed in train.csv, absent on disk
LISTED = len(TRAIN) + len(TEST)


def make_tree(root: Path) -> tuple[Path, dict]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "train.csv").write_text("id_code,diagnosis\r\n" + "".join(f"{i},{g}\r\n" for i, g in TRAIN))
    (root / "test.csv").write_text("id_code\n" + "".join(f"{i}\n" for i in TEST))
    for seed, (image_id, _) in enumerate(TRAIN):
        if image_id not in MISSING:
            write_image(root / "train_images" / f"{image_id}.png", seed)
    for seed, image_id in enumerate(TEST, start=100):
        write_image(root / "test_images" / f"{image_id}.png", seed)
    return root, {}
