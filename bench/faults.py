"""Kill -9 a build at seeded random moments, resume it each time, and compare the result with an uninterrupted build.

The build is `mgll-data build` in a child process over a generated `folder` tree (a CSV of paths, labels and
patient ids beside PNG files). Each run is killed with SIGKILL on the main process only, so the run also
checks that pool workers do not outlive it; a run that finishes before its kill is not counted, and the next
delay is drawn from that shorter run (kills then land in verification and finalisation). After the last kill
the build is rerun to completion.

    PYTHONPATH=. .venv/bin/python bench/faults.py --images 2000 --kills 10 --workers 2

Prints rows lost, duplicated and differing against the reference, shards whose checksum differs, workers
left alive after their parent was killed, and the `validate` result of both folders.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml
from PIL import Image

from mgll_data.checks.validate import validate_output

LABELS = ("glaucoma", "cataract", "normal", "diabetic_retinopathy")


def make_tree(root: Path, images: int, seed: int) -> None:
    """`images` small PNGs, two per patient, listed in labels.csv (path, labels, patient_id)."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    with (root / "labels.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "labels", "patient_id"])
        for i in range(images):
            patient = f"P{i // 2:05d}"
            relative = f"images/{patient}_{'LR'[i % 2]}.png"
            Image.fromarray(rng.integers(0, 255, (48, 56, 3), dtype=np.uint8)).save(root / relative)
            writer.writerow([relative, LABELS[(i // 2) % len(LABELS)], patient])


def write_recipe(folder: Path, tree: Path) -> Path:
    recipe = {
        "name": "faults",
        "sources": [
            {
                "name": "folder",
                "root": str(tree),
                "options": {"modality": "fundus", "csv": "labels.csv", "patient_salt": "bench"},
            }
        ],
        "output": {"dir": "out", "shard_size": 100, "row_group_size": 20},
        "image": {"size": 32},
    }
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def start(recipe: Path, out: Path, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-c", "from mgll_data.cli import main; main()", "build", str(recipe), "--out", str(out),
               "--workers", str(workers), "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def row_digests(out: Path) -> tuple[Counter, dict[str, str]]:
    """How often each id occurs, and a digest of each row (every column, image bytes included)."""
    counts: Counter = Counter()
    digests: dict[str, str] = {}
    for shard in sorted((out / "data").glob("*.parquet")):
        for row in pq.read_table(shard).to_pylist():
            counts[row["id"]] += 1
            image = row.pop("image")
            digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode() + image["bytes"])
            digests[row["id"]] = digest.hexdigest()
    return counts, digests


def shard_checksums(out: Path) -> dict[str, str]:
    return {shard["file"]: shard["sha256"] for shard in json.loads((out / "manifest.json").read_text())["shards"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    schedule = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="mgll-faults-") as scratch:
        folder = Path(scratch)
        make_tree(folder / "tree", args.images, args.seed)
        recipe = write_recipe(folder, folder / "tree")
        began = time.monotonic()
        reference = start(recipe, folder / "reference", args.workers)
        if reference.wait() != 0:
            sys.exit(f"reference build failed: {reference.stderr.read()}")
        full = time.monotonic() - began
        print(f"reference build: {args.images} images, {full:.1f} s")
        out = folder / "out"
        orphans = finished_early = landed = 0
        last = full  # the expected length of the next run: a rerun of a finished folder is much shorter
        while landed < args.kills and finished_early < 5 * args.kills:
            child = start(recipe, out, args.workers)
            began = time.monotonic()
            delay = schedule.uniform(0.1, 0.9) * last
            time.sleep(delay)
            workers = children(child.pid)
            if child.poll() is not None:
                finished_early += 1
                last = time.monotonic() - began if child.returncode == 0 else last
                continue
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            landed += 1
            deadline = time.monotonic() + 10
            while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = sum(alive(pid) for pid in workers)
            orphans += left
            done = len(list((out / ".mgll-build" / "done").glob("*.json")))
            print(f"kill {landed}: after {delay:.1f} s, {done} shard(s) complete, {left} worker(s) left alive")
        final = start(recipe, out, args.workers)
        if final.wait() != 0:
            sys.exit(f"resumed build failed: {final.stderr.read()}")
        ref_counts, ref_rows = row_digests(folder / "reference")
        counts, rows = row_digests(out)
        lost = len(set(ref_rows) - set(rows))
        duplicated = sum(n - 1 for n in counts.values() if n > 1)
        differing = sum(1 for key, digest in rows.items() if ref_rows.get(key, digest) != digest)
        extra = len(set(rows) - set(ref_rows))
        ref_sums, sums = shard_checksums(folder / "reference"), shard_checksums(out)
        shards_differing = sum(1 for name in ref_sums.keys() | sums.keys() if ref_sums.get(name) != sums.get(name))
        print(f"runs that finished before their kill (rerun with a shorter delay): {finished_early}")
        print(f"rows: reference {sum(ref_counts.values())}, resumed {sum(counts.values())}")
        print(f"lost {lost}, duplicated {duplicated}, differing {differing}, unexpected {extra}")
        print(f"shards whose sha256 differs: {shards_differing} of {len(ref_sums)}")
        print(f"workers alive after their parent was killed: {orphans}")
        for name, path in (("reference", folder / "reference"), ("resumed", out)):
            problems = validate_output(path, check_images=False)
            print(f"validate {name}: {'ok' if not problems else f'{len(problems)} violation(s): {problems[:3]}'}")


if __name__ == "__main__":
    main()
