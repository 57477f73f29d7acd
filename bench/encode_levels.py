"""Stored size against encoding time for each `compress_level` of PNG and lossless WebP, on real photos.

Encodes the real fundus photos and chest X-rays of ../shared/realdata (resized to --size like a build
stores them) at every setting the recipe offers, and prints MiB and CPU milliseconds per image, with the
ratios to PNG level 6 (Pillow's default, which the build used before `compress_level`); "png zlib" rows are
the fast levels with zlib instead of ISA-L. The pixels decode
identically at every level (tests/images/test_encode.py), so this is the whole trade-off.

    .venv/bin/python bench/encode_levels.py [--realdata ../shared/realdata] [--size 512] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from PIL import Image

from mgll_data.images import encode as encode_module
from mgll_data.images.encode import encode

PICTURES = ("fundus/photos/*", "fundus/odir/preprocessed_images/*.jpg", "cxr/*.png", "cxr/tbx11k_test_data/imgs/*/*")
SETTINGS = (
    [("png", level) for level in (0, 1, 2, 3, 6, 9)]
    + [("png zlib", level) for level in (1, 2)]  # the fast levels without ISA-L, the baseline it replaces
    + [("webp lossless", level) for level in (0, 1, 6, 9)]
)


def load(realdata: Path, size: int) -> list[Image.Image]:
    """Each picture letterboxed to size x size, as the build would store it (gray stays gray)."""
    images = []
    for pattern in PICTURES:
        for path in sorted(realdata.glob(pattern)):
            with Image.open(path) as opened:
                image = opened.convert("L" if opened.mode in ("L", "I;16") else "RGB")
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            canvas = Image.new(image.mode, (size, size))
            canvas.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
            images.append(canvas)
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "realdata")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    images = load(args.realdata, args.size)
    results = {}
    isal = encode_module.isal_zlib
    for name, level in SETTINGS:
        fmt, lossless = ("webp", True) if name.startswith("webp") else ("png", False)
        encode_module.isal_zlib = None if name == "png zlib" else isal
        start, total = time.process_time(), 0
        for _ in range(args.rounds):
            total = sum(len(encode(image, fmt, 95, level, lossless)) for image in images)
        results[(name, level)] = (total / 2**20, (time.process_time() - start) / args.rounds / len(images) * 1000)
    base_mib, base_ms = results[("png", 6)]
    print(f"{len(images)} real photos and chest X-rays at {args.size}x{args.size}; CPU time, {args.rounds} rounds")
    print(f"{'setting':>18}{'MiB':>8}{'ms/img':>8}{'size vs png 6':>15}{'time vs png 6':>15}")
    for (name, level), (mib, ms) in results.items():
        print(f"{f'{name} {level}':>18}{mib:8.2f}{ms:8.1f}{mib / base_mib:15.2f}{ms / base_ms:15.2f}")


if __name__ == "__main__":
    main()
