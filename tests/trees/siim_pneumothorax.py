"""SIIM-ACR pneumothorax, stage 1 mirror layout: train-rle.csv (header with a leading space) + a DICOM tree."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

UID = "1.2.276.0.7230010.3.1.4.8323329.{}.1517875{}.{}"
IMAGES = {
    "neg": UID.format(6904, 201, 850819),
    "pos": UID.format(13666, 247, 117800),
    "spaced": UID.format(1000, 160, 100001),
    "missing": UID.format(1001, 160, 100002),
}
# the positive image has two regions (two rows, OR-ed); "spaced" is a negative written " -1"
RLE = (
    "ImageId, EncodedPixels\n"
    f"{IMAGES['neg']},-1\n"
    f"{IMAGES['pos']},10 4 1020 4\n"
    f"{IMAGES['pos']},1048000 100\n"
    f"{IMAGES['spaced']}, -1\n"
    f"{IMAGES['missing']},-1\n"
)
LISTED = 4


def make_tree(root: Path) -> tuple[Path, dict]:
    write_text(root / "train-rle.csv", RLE)
    for n, key in enumerate(("neg", "pos", "spaced")):
        study, series = f"1.2.276.0.7230010.3.1.2.8323329.{n}", f"1.2.276.0.7230010.3.1.3.8323329.{n}"
        placeholders([root / "dicom-images-train" / study / series / f"{IMAGES[key]}.dcm"])
    return root, {}
