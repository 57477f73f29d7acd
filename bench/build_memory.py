"""Peak memory of a build as the dataset grows: the engine must stream, so 100x the rows needs no more RAM.

Runs the same build at a base size and at `--factor` times that size, each in a fresh Python process,
and prints the peak resident memory of each and their ratio (target: about 1.0).

    .venv/bin/python bench/build_memory.py --rows 200 --factor 100
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import Field

from mgll_data.builder import run_build
from mgll_data.errors import LayoutError
from mgll_data.recipe import parse_recipe
from mgll_data.sources.base import RawRecord, Source, SourceOptions

DISTINCT_IMAGES = 64


class RepeatingSource(Source):
    """`rows` records over a small pool of image files: every record is decoded and encoded like a real one."""

    name = "bench"
    modality = "fundus"
    licence_class = "open"
    citation = "Synthetic benchmark data."
    layout = "images/*.png"

    class Options(SourceOptions):
        rows: int = Field(description="records to list, cycling over the image files")

    def find_layout(self) -> None:
        if not (self.root / "images").is_dir():
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord]:
        images = sorted((self.root / "images").glob("*.png"))
        for i in range(self.options.rows):
            yield RawRecord(
                source=self.name,
                native_id=f"{i:08d}",
                modality=self.modality,
                patient_id=f"P{i // 2:08d}",
                image_path=images[i % len(images)],
                labels=["glaucoma"] if i % 3 else ["normal"],
                keywords=["glaucoma"] if i % 3 else ["normal fundus"],
            )


def make_images(root: Path) -> None:
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    for i in range(DISTINCT_IMAGES):
        Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(root / "images" / f"{i:03d}.png")


def child(rows: int, workdir: Path) -> None:
    recipe = parse_recipe(
        {
            "name": "bench",
            "sources": [{"name": "bench", "root": "data"}],
            "output": {"dir": f"out-{rows}", "shard_size": 100, "row_group_size": 50},
            "image": {"size": 64},
        },
        workdir,
    )
    run_build(recipe, [RepeatingSource(workdir / "data", rows=rows)], recipe.output_dir())
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workdir)
        return
    with tempfile.TemporaryDirectory() as tmp:
        make_images(Path(tmp) / "data")
        peaks = {}
        for rows in (args.rows, args.rows * args.factor):
            command = [sys.executable, __file__, "--child", str(rows), "--workdir", tmp]
            peaks[rows] = int(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])
            print(f"rows={rows:>8}  peak RSS={peaks[rows] / 1024:.1f} MiB")
        small, large = peaks.values()
        print(f"ratio (x{args.factor} rows) = {large / small:.2f}")


if __name__ == "__main__":
    main()
