"""ADAM training fixture tree as the Baidu zips unpack."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_mask, write_named_image
from trees.palm import lesion
from trees.refuge import write_book

LISTED = 4  # A0001, A0002, N0001, and N0002 listed in the workbook without a file


def write_tree(root: Path) -> Path:
    images = root / "AMD-Training400/Training400"
    for name in ("AMD/A0001.jpg", "AMD/A0002.jpg", "Non-AMD/N0001.jpg"):
        write_named_image(images / name)
    notes = root / "DF-Annotation-Training400/Training400"
    write_mask(notes / "Disc_Masks/A0001.bmp", lesion(4))
    write_mask(notes / "Disc_Masks/A0002.bmp", lesion(0))  # all white: no disc visible
    write_book(
        notes / "Fovea_location.xlsx",
        ["ID", "imgName", "Fovea_X", "Fovea_Y"],
        [[1, "A0001.jpg", 1000, 1020.5], [2, "A0002.jpg", 0, 0], [3, "N0001.jpg", 990, 1001], [4, "N0002.jpg", 1, 2]],
    )
    masks = root / "Training400-Lesion/Training400-Lesion/Lesion_Masks"
    write_mask(masks / "drusen/A0001.bmp", lesion(2))
    write_mask(masks / "others/A0001.bmp", lesion(1))
    write_mask(masks / "scar/A0002.bmp", lesion(0))
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}


RELEASE_GT = {
    # Validation: one space between fields; V0003's label is neither 0 nor 1, V0004 has no file, V0005 no line
    "Validation/validation_classification_GT.txt": "V0001.jpg 1\nV0002.jpg 0\nV0003.jpg 2\nV0004.jpg 1\n",
    "Test/test_classification_GT.txt": "T0001.jpg  0\nT0002.jpg  1\n",  # two spaces between fields
}


def write_release(root: Path, test_images: str = "Test/Test-image-400") -> Path:
    """The organisers' full release as it unpacks, `root/ADAM/{Train,Validation,Test}/`; returns `root/ADAM`.
    `test_images`: the test image folder (one reader globs `Test/image/` instead); empty for a download without
    test images (its GT file stays)."""
    base = root / "ADAM"
    for name in ("AMD/A0001.jpg", "AMD/A0002.jpg", "Non-AMD/N0001.jpg"):
        write_named_image(base / "Train/Training-image-400" / name)
    for name in ("V0001.jpg", "V0002.jpg", "V0003.jpg", "V0005.jpg"):
        write_named_image(base / "Validation/image" / name)
    if test_images:
        for name in ("T0001.jpg", "T0002.jpg"):
            write_named_image(base / test_images / name)
    for path, text in RELEASE_GT.items():
        (base / path).parent.mkdir(parents=True, exist_ok=True)
        (base / path).write_text(text, encoding="utf-8")
    return base
