"""What measuring disc/cup masks at read time costs: REFUGE `records()` with and without the masks, same run.

Masks are read by the adapter (mgll_data/images/masks.py), so planning pays for them once per image. This builds a
REFUGE training tree of `--images` photographs (placeholder bytes: records() never decodes them) with disc/cup
BMPs at the real training size (2124x2056), times `records()` over it, then times the same tree with the masks
removed (the baseline), and prints both and their ratio.

    .venv/bin/python bench/challenge_masks.py --images 100
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from mgll_data.sources.refuge import RefugeSource

SIZE = (2056, 2124)  # rows, columns of a REFUGE training mask


def write_tree(root: Path, images: int) -> None:
    mask = np.full(SIZE, 255, np.uint8)
    mask[900:1300, 1000:1400] = 128
    mask[1000:1240, 1080:1320] = 0
    masks = root / "Annotation-Training400/Disc_Cup_Masks/Glaucoma"
    masks.mkdir(parents=True)
    (root / "Training400/Glaucoma").mkdir(parents=True)
    Image.fromarray(mask).save(masks / "g0000.bmp")
    for i in range(images):
        (root / f"Training400/Glaucoma/g{i:04d}.jpg").write_bytes(b"photo")
        if i:
            shutil.copyfile(masks / "g0000.bmp", masks / f"g{i:04d}.bmp")


def seconds(root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = sum(1 for _ in RefugeSource(root).records())
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_tree(root, args.images)
        with_masks, rows = seconds(root)
        shutil.rmtree(root / "Annotation-Training400")
        baseline, _ = seconds(root)
    print(f"images: {rows}, mask size {SIZE[1]}x{SIZE[0]}")
    print(f"records() without masks (baseline): {baseline:.3f} s")
    print(f"records() with masks measured:      {with_masks:.3f} s ({with_masks / rows * 1000:.1f} ms per mask)")
    print(f"ratio with / without: {with_masks / baseline:.1f}x")


if __name__ == "__main__":
    main()
