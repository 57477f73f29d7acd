"""A bring-your-own ImageFolder tree: class folders, a loose image, an empty file."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_image

LISTED = 4


def make_tree(root: Path) -> tuple[Path, dict]:
    write_image(root / "cataract" / "a.png", 1)
    write_image(root / "normal" / "b.JPG", 2)
    write_image(root / "loose.png", 3)
    (root / "normal" / "zero.png").write_bytes(b"")
    return root, {"modality": "fundus"}
