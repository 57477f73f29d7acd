"""JSIEC fixture tree as the Kaggle copy unpacks: 1000images/<class folder>/<uuid>..JPG."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

FILES = {  # class folder -> file names
    "0.0.Normal": ["a1..JPG", "a2..JPG"],
    "2.0.BRVO": ["b1..JPG"],
    "10.0.Possible glaucoma": ["c1..JPG", "Thumbs.db"],
    "29.1.Blur fundus with suspected PDR": ["d1..JPG"],
    "40.Unlisted class": ["e1..JPG"],
}
EMPTY = {"a2..JPG"}
LISTED = sum(len(names) for names in FILES.values())


def write_tree(root: Path) -> Path:
    for folder, names in FILES.items():
        (root / "1000images" / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            path = root / "1000images" / folder / name
            if name in EMPTY or not name.endswith(".JPG"):
                path.write_bytes(b"" if name in EMPTY else b"thumbnail cache")
            else:
                write_named_image(path)
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
