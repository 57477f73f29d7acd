"""A synthetic shapes build fast: the tree drawn in parallel processes, then one ordinary `mgll-data build`.

For timed windows (bench/gpu_check.sh must have its data in under 60 s): a 512 px image costs about 65 CPU ms
to draw, so 2,560 of them take close to three minutes in one process (`write_synthetic_dataset`) and seconds
on 16 cores. Each process draws a slice of the rows with `write_shapes_tree` (its own seed); the slices are
joined into one tree (images renumbered, patients kept in pairs) and built like any source.

    python bench/synthetic_build.py OUT --train 2048 --validation 256 --test 256 --size 512
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

from mgll_data.demo.shapes_tree import COLUMNS, LABELS_FILE, write_shapes_tree


def draw_slice(root: Path, split: str, rows: int, size: int, seed: int) -> Path:
    return write_shapes_tree(root, {split: rows}, size, seed)


def join_slices(slices: list[tuple[str, Path]], root: Path) -> None:
    """One tree from slices: image k of a split's slices becomes `<split>_<k>`, patient `<split>-p<k // 2>`."""
    lines, counters = [], {}
    for split, part in slices:
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        with (part / LABELS_FILE).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                index = counters.get(split, 0)
                counters[split] = index + 1
                name = f"images/{split}/{split}_{index:06d}.png"
                (part / row["image"]).rename(root / name)
                lines.append([name, split, f"{split}-p{index // 2:05d}", row["shapes"], row["descriptions"]])
    with (root / LABELS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    for split, default in (("train", 2048), ("validation", 256), ("test", 256)):
        parser.add_argument(f"--{split}", type=int, default=default)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mgll-shapes-") as scratch:
        jobs = []
        for split in ("train", "validation", "test"):
            rows = getattr(args, split)
            pieces = max(1, min(args.processes, rows // 32))
            share = -(-rows // pieces) + (-(-rows // pieces)) % 2  # even, so patient pairs never straddle slices
            for k, first in enumerate(range(0, rows, share)):
                jobs.append((split, Path(scratch) / f"{split}-{k}", min(share, rows - first), 1000 * len(jobs) + k))
        with ProcessPoolExecutor(args.processes) as pool:
            futures = [pool.submit(draw_slice, root, split, n, args.size, seed) for split, root, n, seed in jobs]
            slices = [(job[0], future.result()) for job, future in zip(jobs, futures, strict=True)]
        tree = Path(scratch) / "synthetic_shapes"
        join_slices(slices, tree)
        drawn = time.perf_counter() - started
        recipe = {
            "name": "synthetic-shapes-bench",
            "description": f"synthetic shapes for timed benchmarks, {args.size} px",
            "sources": [{"name": "synthetic_shapes", "root": str(tree)}],
            "output": {"dir": str(args.out.resolve())},
            "image": {"size": args.size},
        }
        (Path(scratch) / "recipe.yaml").write_text(yaml.safe_dump(recipe), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "mgll_data.cli", "build", str(Path(scratch) / "recipe.yaml")], check=True)
    print(f"drew the tree in {drawn:.1f}s; built in {time.perf_counter() - started:.1f}s in all")


if __name__ == "__main__":
    main()
