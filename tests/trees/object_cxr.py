"""Object-CXR as distributed: train.csv / dev.csv (image_name,annotation) + train/ and dev/ JPGs."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

TRAIN = """image_name,annotation
00001.jpg,0 1020 1262 1058 1307;1 1250 1420 1290 1460
00002.jpg,2 100 200 150 220 130 260
00003.jpg,
00004.jpg,3 1 2 3 4
00005.jpg,
"""
DEV = "image_name,annotation\n08001.jpg,\n"
MISSING = "00005.jpg"
LISTED = 6


def make_tree(root: Path) -> tuple[Path, dict]:
    write_text(root / "train.csv", TRAIN)
    write_text(root / "dev.csv", DEV)
    placeholders(root / "train" / f"0000{n}.jpg" for n in range(1, 5))
    placeholders([root / "dev" / "08001.jpg"])
    return root, {}
