"""How long `mgll-data plan` takes on large generated trees, against the bare minimum over the same files.

Two downloads are generated with one-byte image files (plan never decodes): an APTOS tree (fundus: `train.csv` +
`train_images/`) and a ChestX-ray14 tree (CXR: `Data_Entry_2017_v2020.csv`, split lists, `images/`), half of
`--images` each, plus a recipe listing both. Timed in the same run:
- baseline: read both label tables with the csv module and `stat` every listed file (what any preview must do);
- plan: the whole `mgll-data plan RECIPE --json` command in a fresh interpreter (imports included).
Prints wall seconds, CPU seconds (user + system: on a shared machine the wall time also counts other processes' turns),
images per second and the ratio to the baseline; the target is under 5 s wall for 100,000 images.

    .venv/bin/python bench/plan.py --images 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRADES = "01234"
NIH_HEADER = (
    "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
    "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]"
)
NIH_LABELS = ("No Finding", "Cardiomegaly", "Effusion|Atelectasis", "Infiltration")


def make_trees(base: Path, images: int) -> Path:
    """An APTOS and a ChestX-ray14 tree of `images` // 2 one-byte images each, and a recipe over both."""
    half = images // 2
    aptos = base / "aptos"
    (aptos / "train_images").mkdir(parents=True)
    with (aptos / "train.csv").open("w", encoding="utf-8") as handle:
        handle.write("id_code,diagnosis\n")
        for i in range(half):
            handle.write(f"{i:012x},{GRADES[i % 5]}\n")
            (aptos / "train_images" / f"{i:012x}.png").write_bytes(b"x")
    nih = base / "nih"
    (nih / "images").mkdir(parents=True)
    names = [f"{i // 4:08d}_{i % 4:03d}.png" for i in range(half)]
    with (nih / "Data_Entry_2017_v2020.csv").open("w", encoding="utf-8") as handle:
        handle.write(NIH_HEADER + "\n")
        for i, name in enumerate(names):
            handle.write(f"{name},{NIH_LABELS[i % 4]},{i % 4},{i // 4},50,M,PA,2048,2048,0.143,0.143\n")
            (nih / "images" / name).write_bytes(b"x")
    cut = len(names) * 4 // 5 // 4 * 4  # whole patients on each side
    (nih / "train_val_list.txt").write_text("\n".join(names[:cut]) + "\n", encoding="utf-8")
    (nih / "test_list.txt").write_text("\n".join(names[cut:]) + "\n", encoding="utf-8")
    recipe = base / "recipe.yaml"
    recipe.write_text(
        "name: plan-bench\nsources:\n  - {name: aptos, root: aptos}\n  - {name: nih_cxr14, root: nih}\n"
        "output: {dir: out}\n",
        encoding="utf-8",
    )
    return recipe


def baseline(base: Path) -> int:
    """Read both tables and stat every listed file: the least any preview of these trees must do."""
    count = 0
    for table, folder, column in (
        (base / "aptos/train.csv", base / "aptos/train_images", "id_code"),
        (base / "nih/Data_Entry_2017_v2020.csv", base / "nih/images", "Image Index"),
    ):
        with table.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                name = row[column] if column == "Image Index" else f"{row[column]}.png"
                os.stat(folder / name)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        started = time.perf_counter()
        recipe = make_trees(base, args.images)
        print(f"generated {args.images} one-byte images in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        counted = baseline(base)
        base_s, base_cpu = time.perf_counter() - started, time.process_time() - cpu
        code = "import sys; from mgll_data.cli import main; sys.argv = ['mgll-data', *sys.argv[1:]]; main()"
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", code, "plan", str(recipe), "--json"], capture_output=True, text=True, check=True
        )
        plan_s = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        plan_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        plan = json.loads(result.stdout)["sources"]
        listed = sum(found["listed"] for found in plan)
        rows = sum(found["rows"] for found in plan)
        assert listed == counted == args.images, (listed, counted)
        print(f"baseline (tables + stat): {base_s:.2f} s wall, {base_cpu:.2f} s CPU, {counted / base_s:,.0f} images/s")
        print(
            f"mgll-data plan --json:    {plan_s:.2f} s wall, {plan_cpu:.2f} s CPU, {listed / plan_s:,.0f} images/s, "
            f"{rows} rows"
        )
        print(
            f"ratio plan / baseline:    {plan_s / base_s:.1f}x wall, {plan_cpu / base_cpu:.1f}x CPU; "
            f"target under 5 s wall: {'yes' if plan_s < 5 else 'NO'}"
        )


if __name__ == "__main__":
    main()
