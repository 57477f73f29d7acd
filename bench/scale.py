"""Build cost as rows grow: time and peak memory of plan / process / finalise per 100k rows, three sources.

Generates three listed sources of tiny unique 8x8 gray PNGs (a `list.csv` of image and patient per source);
the first `--duplicates` of the rows of the second and third source are hard links to a file of the first, so they
are cross-source exact copies that finalisation drops (`drop_exact_duplicates`), held by a few shards. Each size is
built in a fresh process with one worker (CPU time then covers all the work); the phases are marked by the progress
hooks and each phase's peak RSS is read after resetting the kernel's high-water mark (`/proc/self/clear_refs`) at
its start. Prints, per size, seconds and CPU seconds per 100k rows and peak MiB of each phase, then the growth
from the smallest to the largest size (flat memory: growth near 0%; linear time: per-100k figures equal).
Finally it checks that finalisation rewrote only shards that held a dropped copy.

    .venv/bin/python bench/scale.py [--rows 100000 300000 1000000] [--duplicates 0.01] [--workdir DIR]
    .venv/bin/python bench/scale.py --plan-only --rows 100000 1000000   # planning alone, lists without images
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

SOURCES = ("scale_a", "scale_b", "scale_c")
SIDE = 8  # stored at 16 px: the work per row is the engine's, not the codec's


def write_sources(folder: Path, rows: int, duplicates: float, pictures: bool = True) -> None:
    """`rows` listed images over the three sources; every picture unique except the planted copies (`pictures`
    False: the lists alone, for planning, which never opens an image)."""
    per_source = rows // len(SOURCES)
    copies = round(per_source * duplicates)
    for s, name in enumerate(SOURCES):
        images = folder / name / "images"
        images.mkdir(parents=True)
        with (folder / name / "list.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image", "patient"])
            for i in range(per_source):
                file = images / f"{i:07d}.png"
                if pictures and s and i < copies:  # a copy of the first source's picture i
                    file.hardlink_to(folder / SOURCES[0] / "images" / f"{i:07d}.png")
                elif pictures:
                    pixels = np.random.default_rng(s * per_source + i).integers(0, 256, (SIDE, SIDE), dtype=np.uint8)
                    Image.fromarray(pixels).save(file, compress_level=0)
                writer.writerow([file.name, f"{name}-{i // 2}"])


class Planned(Exception):
    """Raised where shard building would start, in a `--plan-only` run."""


def child(folder: Path, rows: int, plan_only: bool) -> None:
    """One build of the generated sources (or its planning alone); prints a JSON line of per-phase wall, CPU and
    peak RSS."""
    from mgll_data.engine import BuildProgress, run_build
    from mgll_data.errors import LayoutError
    from mgll_data.recipe import parse_recipe
    from mgll_data.sources.base import RawRecord, Source, SourceOptions

    class ListedSource(Source):
        name = "scale"
        modality = "cxr"
        licence_class = "open"
        citation = "Synthetic scale data."
        layout = "list.csv + images/*.png"

        class Options(SourceOptions):
            pass

        def find_layout(self) -> None:
            if not (self.root / "list.csv").is_file():
                raise LayoutError(self.name, self.root, self.layout)

        def records(self) -> Iterator[RawRecord]:
            with (self.root / "list.csv").open(newline="") as handle:
                for n, row in enumerate(csv.DictReader(handle), start=2):
                    yield self.record(
                        row["image"].removesuffix(".png"), self.root / "images" / row["image"], row["patient"],
                        labels=["normal"] if n % 3 else ["pneumonia"], source_file="list.csv", source_entry=str(n),
                    )

    phases: dict[str, dict[str, float]] = {}
    current: list = []

    def start(phase: str) -> None:
        if current:
            end()
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the peak of this phase only
        current[:] = [phase, time.perf_counter(), time.process_time()]

    def end() -> None:
        phase, wall, cpu = current
        phases[phase] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                         "peak_mib": peak_mib()}
        current.clear()

    class Marks(BuildProgress):
        def start_planning(self) -> None:
            start("plan")
            super().start_planning()

        def start_tasks(self, total: int, already_done: int) -> None:
            if plan_only:
                end()
                raise Planned
            start("process")
            self.left = total - already_done
            super().start_tasks(total, already_done)

        def task_done(self, rows: int) -> None:
            super().task_done(rows)
            self.left -= 1
            if self.left == 0:
                start("finalise")

    recipe = parse_recipe({"name": "scale", "sources": [{"name": "scale", "root": str(folder / n), "id": n}
                                                          for n in SOURCES],
                           "output": {"dir": str(folder / "out"), "shard_size": 1000, "row_group_size": 500},
                           "image": {"size": 16, "drop_exact_duplicates": True},
                           "split": {"train": 1.0, "validation": 0.0, "test": 0.0}}, folder)
    sources = []
    for spec in recipe.sources:
        source = ListedSource(folder / spec.entry_id)
        source.entry_id = spec.entry_id
        sources.append(source)
    progress = Marks(quiet=True)
    from mgll_data.engine import finalize as finalize_module

    rewritten: list[str] = []
    holding: list[str] = []
    drop = finalize_module.drop_cross_source_duplicates

    def counted(tasks, done, *rest):
        rewritten.extend(drop(tasks, done, *rest))
        holding.extend(name for name, r in done.items() if any(j.reason == "exact_duplicate" for j in r.rejects))
        return rewritten

    finalize_module.drop_cross_source_duplicates = counted
    try:
        result = run_build(recipe, sources, folder / "out", progress=progress)
    except Planned:
        print(json.dumps({"rows": rows, "phases": phases, "rewritten": 0, "holding": 0, "shards": 0, "dropped": 0,
                          "kept": 0}))
        return
    end()
    rejects = result.manifest.counts.rejects_by_reason
    print(json.dumps({"rows": rows, "phases": phases, "rewritten": len(rewritten), "holding": len(holding),
                      "shards": len(result.manifest.shards), "dropped": rejects.get("exact_duplicate", 0),
                      "kept": sum(shard.rows for shard in result.manifest.shards)}))


def peak_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--duplicates", type=float, default=0.01, help="share of rows of sources b, c copied from a")
    parser.add_argument("--workdir", type=Path, help="generate here (removed afterwards) instead of a temporary folder")
    parser.add_argument("--plan-only", action="store_true", help="planning alone: lists without images, minutes for 1M")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.workdir, args.child, args.plan_only)
        return
    base = args.workdir or Path(tempfile.mkdtemp(prefix="mgll-scale-"))
    results = []
    try:
        for rows in args.rows:
            folder = base / f"rows-{rows}"
            started = time.perf_counter()
            write_sources(folder, rows, args.duplicates, pictures=not args.plan_only)
            print(f"{rows:,} rows generated in {time.perf_counter() - started:.0f} s", flush=True)
            command = [sys.executable, __file__, "--child", str(rows), "--workdir", str(folder)]
            command += ["--plan-only"] if args.plan_only else []
            done = subprocess.run(command, capture_output=True, text=True)
            shutil.rmtree(folder)
            if done.returncode:
                raise SystemExit(done.stderr[-3000:])
            results.append(json.loads(done.stdout.splitlines()[-1]))
            report(results[-1])
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"\ngrowth {small['rows']:,} -> {large['rows']:,} rows:")
        for phase in small["phases"]:
            a, b = small["phases"][phase], large["phases"][phase]
            per = [r["phases"][phase]["cpu_s"] / r["rows"] * 1e5 for r in (small, large)]
            growth = 100 * (b["peak_mib"] / a["peak_mib"] - 1)
            print(f"  {phase:>8}: peak RSS {a['peak_mib']:.0f} -> {b['peak_mib']:.0f} MiB ({growth:+.0f}%), "
                  f"CPU s per 100k rows {per[0]:.1f} -> {per[1]:.1f}")


def report(result: dict) -> None:
    rows = result["rows"]
    print(f"{rows:>10,} rows: {result['kept']:,} kept, {result['dropped']:,} cross-source copies dropped; "
          f"finalise rewrote {result['rewritten']} of {result['shards']} shards; {result['holding']} held a copy")
    if result["rewritten"] != result["holding"]:
        raise SystemExit("finalise rewrote a shard that held no copy")
    for phase, r in result["phases"].items():
        print(f"  {phase:>8}: {r['wall_s'] / rows * 1e5:8.1f} s / 100k rows (wall), {r['cpu_s'] / rows * 1e5:8.1f} "
              f"CPU s / 100k rows, peak RSS {r['peak_mib']:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
