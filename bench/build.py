"""End-to-end build throughput: `mgll-data build` against a bare loop and img2dataset, 1 and 2 workers.

Generates three sets (fundus JPEGs in the ODIR Kaggle layout, 16-bit DICOMs and small gray PNGs in the
folder layout), then times whole processes in alternating rounds: our build (through the CLI entry point),
a bare loop (full Pillow / pydicom decode, Lanczos letterbox, PNG encode, pyarrow write) at Pillow's
default zlib level 6 and at our default level 1, and img2dataset (installed into its own environment
under the work folder when the package registry allows; skipped with a message otherwise). CPU seconds
cover the whole process tree, so per-core ratios hold on a busy machine; scaling is wall 1 / wall 2 worker.
It prints the ratios, the planning / processing / finalise split and peak RSS of the build's main process
and pool workers, then a many-row run of tiny images showing per-image cost and that memory stays flat.

    .venv/bin/python bench/build.py [--images 1000] [--dicom-images 1000] [--png-images 1000]
        [--rounds 3] [--sets fundus dicom png] [--rows 100000] [--workdir DIR] [--no-img2dataset]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pydicom
import yaml
from images import make_dicom
from PIL import Image

from mgll_data.demo.odir_tree import CLASS_LETTERS, HEADER, KAGGLE_IMAGE_PREFIX

# The build engine, the build_memory helpers (which import it) and the recipe loader are imported inside the
# children that build, so the bare loop's processes load only what a bare loop needs.

SIZE = 512
FUNDUS_SIDE, PNG_SIDE = 2000, 512
BASES = 8  # distinct generated pictures per set; each file also gets its own noise so none repeat
IMG2DATASET = "img2dataset==1.47.0"
LABEL_FOLDER = "pneumonia"  # the folder adapter labels an image by its folder; unlabelled images are rejects


# --- generated sets ---------------------------------------------------------------------------------


def fundus_base(seed: int) -> np.ndarray:
    """An orange disc filling the frame height, with vessels and texture, on black (ODIR-like framing)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:FUNDUS_SIDE, :FUNDUS_SIDE].astype(np.float32)
    centre = FUNDUS_SIDE / 2 + rng.normal(0, 20, 2)
    distance = np.hypot(xx - centre[0], yy - centre[1]) / (0.48 * FUNDUS_SIDE)
    shade = (1 - 0.35 * np.clip(distance, 0, 1) ** 2) * (distance <= 1)
    vessels = 1 - 0.3 * (np.abs(np.sin(np.arctan2(yy - centre[1], xx - centre[0]) * 7 + seed)) < 0.04)
    texture = rng.normal(1, 0.04, shade.shape).astype(np.float32)
    rgb = np.stack([205 * shade, 95 * shade, 45 * shade], axis=2) * (vessels * texture)[..., None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def write_fundus_set(root: Path, count: int) -> None:
    """ODIR Kaggle layout: full_df.csv (short class headers) + preprocessed_images/<ID>_<side>.jpg."""
    images = root / "preprocessed_images"
    images.mkdir(parents=True)
    bases = [fundus_base(seed) for seed in range(BASES)]
    rng = np.random.default_rng(0)
    rows = []
    for n in range(count):
        patient, side = n // 2, ("left", "right")[n % 2]
        name = f"{patient}_{side}.jpg"
        noisy = bases[n % BASES].copy()
        noisy[rng.integers(0, FUNDUS_SIDE, 200), rng.integers(0, FUNDUS_SIDE, 200)] = 255
        Image.fromarray(noisy).save(images / name, quality=95)
        letter = CLASS_LETTERS[n % len(CLASS_LETTERS)]
        target = "[" + ", ".join("1" if c == letter else "0" for c in CLASS_LETTERS) + "]"
        flags = ["1" if c == letter else "0" for c in CLASS_LETTERS]
        keywords = "normal fundus" if letter == "N" else "moderate non proliferative retinopathy"
        rows.append([str(patient), "60", "Female", f"{patient}_left.jpg", f"{patient}_right.jpg", keywords,
                     keywords, *flags, KAGGLE_IMAGE_PREFIX + name, f"['{letter}']", target, name])
    with (root / "full_df.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_dicom_set(root: Path, count: int) -> None:
    """Folder layout (the folder names the label): 2048x2048 DX files, 12 bits stored in 16, own noise each."""
    (root / LABEL_FOLDER).mkdir(parents=True)
    make_dicom(root / "template.dcm")
    template = pydicom.dcmread(root / "template.dcm")
    base = template.pixel_array
    rng = np.random.default_rng(1)
    for n in range(count):
        template.PixelData = np.clip(base + rng.integers(0, 8, base.shape), 0, 4095).astype(np.uint16).tobytes()
        template.SOPInstanceUID = template.file_meta.MediaStorageSOPInstanceUID = f"1.2.826.0.1.3680043.10.1.{n}"
        template.save_as(root / LABEL_FOLDER / f"{n:05d}.dcm", enforce_file_format=True)
    (root / "template.dcm").unlink()


def write_png_set(root: Path, count: int) -> None:
    """Folder layout: 512x512 8-bit gray chest-like PNGs (Pillow's default PNG level, as datasets ship)."""
    (root / LABEL_FOLDER).mkdir(parents=True)
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[:PNG_SIDE, :PNG_SIDE] / PNG_SIDE
    bases = [60 + 120 * np.exp(-(((xx - 0.5) / (0.1 + 0.01 * b)) ** 2)) + 50 * yy for b in range(BASES)]
    for n in range(count):
        pixels = bases[n % BASES] + rng.normal(0, 6, (PNG_SIDE, PNG_SIDE))
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(root / LABEL_FOLDER / f"{n:05d}.png")


SETS = {
    "fundus": (write_fundus_set, {"name": "odir"}, "**/*.jpg"),
    "dicom": (write_dicom_set, {"name": "folder", "options": {"modality": "cxr"}}, "**/*.dcm"),
    "png": (write_png_set, {"name": "folder", "options": {"modality": "cxr"}}, "**/*.png"),
}


def write_recipe(folder: Path, kind: str) -> Path:
    source = {**SETS[kind][1], "root": str(folder / kind)}
    recipe = {"name": f"bench-{kind}", "sources": [source], "output": {"dir": str(folder / "out")},
              "image": {"size": SIZE}}
    path = folder / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


# --- one measured process per run (children of this script) -----------------------------------------


def child_build(recipe: Path, out: Path, workers: int) -> dict:
    """What `mgll-data build` does, timed by phase: the progress hooks mark when planning, tasks and the
    last task finish; finalisation is what follows."""
    from mgll_data.builder import build_recipe
    from mgll_data.engine import BuildProgress
    from mgll_data.recipe import load_recipe

    marks: dict[str, float] = {}

    class TimedProgress(BuildProgress):
        def start_planning(self) -> None:
            marks["planning"] = time.perf_counter()
            super().start_planning()

        def start_tasks(self, total: int, already_done: int) -> None:
            marks["tasks"] = time.perf_counter()
            super().start_tasks(total, already_done)

        def task_done(self, rows: int) -> None:
            marks["last_task"] = time.perf_counter()
            super().task_done(rows)

    build_recipe(load_recipe(recipe), out, workers=workers, progress=TimedProgress(quiet=True))
    end = time.perf_counter()
    return {
        "planning_s": marks["tasks"] - marks["planning"],
        "processing_s": marks["last_task"] - marks["tasks"],
        "finalise_s": end - marks["last_task"],
    }


def bare_one(args: tuple[str, int]) -> bytes:
    """Full decode, Lanczos letterbox to SIZE, PNG at `level`."""
    path, level = args
    if path.endswith(".dcm"):
        ds = pydicom.dcmread(path)
        values = ds.pixel_array.astype(np.float32)
        unit = np.clip((values - (float(ds.WindowCenter) - 0.5)) / (float(ds.WindowWidth) - 1) + 0.5, 0, 1)
        image = Image.fromarray((unit * 255 + 0.5).astype(np.uint8))
    else:
        with Image.open(path) as opened:
            image = opened.convert("RGB" if opened.mode not in ("L", "RGB") else opened.mode)
    scale = SIZE / max(image.size)
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    canvas = Image.new(image.mode, (SIZE, SIZE))
    canvas.paste(image.resize((width, height), Image.Resampling.LANCZOS), ((SIZE - width) // 2, (SIZE - height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=level)
    return buffer.getvalue()


def child_bare(files: list[str], out: Path, workers: int, level: int) -> dict:
    """The loop a user would write: decode, resize, encode (a process pool at 2 workers), write Parquet."""
    out.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([("path", pa.string()), ("image", pa.binary())])
    jobs = [(f, level) for f in files]
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
    encoded = pool.imap(bare_one, jobs, chunksize=4) if pool else map(bare_one, jobs)
    with pq.ParquetWriter(out / "bare.parquet", schema) as writer:
        batch: list[tuple[str, bytes]] = []
        for path, data in zip(files, encoded, strict=True):
            batch.append((path, data))
            if len(batch) == 100:
                writer.write_table(pa.table(list(zip(*batch, strict=True)), schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.table(list(zip(*batch, strict=True)), schema=schema))
    if pool:
        pool.close()
        pool.join()
    return {}


def child_main(args: argparse.Namespace) -> None:
    folder = args.workdir
    if args.child == "build":
        result = child_build(folder / f"{args.kind}.yaml", args.out, args.workers)
    else:
        files = sorted(str(p) for p in (folder / args.kind).glob(SETS[args.kind][2]))
        result = child_bare(files, args.out, args.workers, int(args.child.removeprefix("bare")))
    result["main_peak_mib"] = own_peak_mib()
    result["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def own_peak_mib() -> float:
    """This process's peak RSS (VmHWM); not ru_maxrss, which Linux carries over from the parent across exec."""
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


# --- img2dataset in its own environment ---------------------------------------------------------------


def img2dataset_bin(folder: Path) -> Path | None:
    """img2dataset in a venv under the work folder, installed once; None (with a message) when it cannot be."""
    venv = folder / "img2dataset-venv"
    binary = venv / "bin" / "img2dataset"
    if binary.exists():
        return binary
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", IMG2DATASET], check=True,
                       capture_output=True, text=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        detail = getattr(error, "stderr", "") or str(error)
        print(f"img2dataset skipped: could not install {IMG2DATASET} ({detail.strip().splitlines()[-1:]})")
        return None
    return binary


def img2dataset_command(binary: Path, folder: Path, kind: str, out: Path, workers: int) -> list[str]:
    """Same images, letterbox ('border') to SIZE with Lanczos, PNG at level 1 (our default), Parquet."""
    urls = folder / f"{kind}-urls.txt"
    urls.write_text("".join(f"file://{p}\n" for p in sorted((folder / kind).glob(SETS[kind][2]))))
    return [str(binary), "--url_list", str(urls), "--input_format", "txt", "--output_format", "parquet",
            "--output_folder", str(out), "--image_size", str(SIZE), "--resize_mode", "border",
            "--encode_format", "png", "--encode_quality", "1", "--downscale_interpolation", "lanczos",
            "--processes_count", str(workers), "--thread_count", "4", "--number_sample_per_shard", "1000",
            "--enable_wandb", "False"]


# --- the parent: rounds, medians, table -----------------------------------------------------------------


def timed(command: list[str]) -> dict:
    """Wall and CPU (whole process tree) of one command; its JSON line when it prints one."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} ... failed:\n{done.stderr[-2000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**result, "wall_s": wall, "cpu_s": cpu}


def measure_sets(args: argparse.Namespace, folder: Path) -> dict[str, dict[str, dict]]:
    counts = {"fundus": args.images, "dicom": args.dicom_images, "png": args.png_images}
    binary = None if args.no_img2dataset else img2dataset_bin(folder)
    me = [sys.executable, __file__, "--workdir", str(folder)]
    results: dict[str, dict[str, dict]] = {}
    for kind in args.sets:
        writer = SETS[kind][0]
        writer(folder / kind, counts[kind])
        write_recipe(folder, kind)
        variants = {}
        for workers in (1, 2):
            out = folder / "out"
            variants[f"ours w{workers}"] = me + ["--child", "build", "--kind", kind, "--workers", str(workers),
                                                 "--out", str(out)]
            for level in (6, 1):
                variants[f"bare z{level} w{workers}"] = me + ["--child", f"bare{level}", "--kind", kind,
                                                              "--workers", str(workers), "--out", str(out)]
            if binary and kind != "dicom":  # img2dataset decodes pictures only
                variants[f"img2dataset w{workers}"] = img2dataset_command(binary, folder, kind, out, workers)
        runs: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, command in variants.items():
                shutil.rmtree(folder / "out", ignore_errors=True)
                runs[name].append(timed(command))
        results[kind] = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
        shutil.rmtree(folder / kind)
        print_set(kind, counts[kind], results[kind])
    return results


def print_set(kind: str, count: int, result: dict[str, dict]) -> None:
    print(f"\n{kind}: {count} images -> {SIZE}x{SIZE} PNG (medians)")
    print(f"{'run':>16}{'wall s':>9}{'cpu s':>9}{'img/cpu-s':>11}{'main MiB':>10}{'worker MiB':>11}"
          f"{'plan s':>8}{'process s':>10}{'final s':>9}")
    for name, r in result.items():
        cells = [f"{r['wall_s']:9.1f}", f"{r['cpu_s']:9.1f}", f"{count / r['cpu_s']:11.2f}"]
        cells += [f"{r[k]:{w}.0f}" if k in r else " " * w for k, w in (("main_peak_mib", 10), ("worker_peak_mib", 11))]
        cells += [f"{r[k]:{w}.1f}" if k in r else " " * w
                  for k, w in (("planning_s", 8), ("processing_s", 10), ("finalise_s", 9))]
        print(f"{name:>16}" + "".join(cells))
    ours = result["ours w1"]
    for other in [name for name in result if name.endswith("w1") and name != "ours w1"]:
        print(f"  per core vs {other[:-3]}: {result[other]['cpu_s'] / ours['cpu_s']:.2f}x "
              f"(CPU seconds of {other[:-3]} / ours, 1 worker)")
    for who in ("ours", "bare z6", "img2dataset"):
        if f"{who} w2" in result:
            scaling = result[f"{who} w1"]["wall_s"] / result[f"{who} w2"]["wall_s"]
            print(f"  scaling 1 -> 2 workers, {who}: {scaling:.2f}x (wall time)")


def child_rows(rows: int, folder: Path) -> None:
    from build_memory import RepeatingSource

    from mgll_data.builder import run_build
    from mgll_data.recipe import parse_recipe

    recipe = parse_recipe({"name": "rows", "sources": [{"name": "bench", "root": "tiny"}],
                           "output": {"dir": f"rows-{rows}"}, "image": {"size": 64}}, folder)
    start = time.process_time()
    run_build(recipe, [RepeatingSource(folder / "tiny", rows=rows)], recipe.output_dir())
    print(json.dumps({"per_image_ms": 1000 * (time.process_time() - start) / rows,
                      "peak_mib": own_peak_mib()}))


def measure_rows(args: argparse.Namespace, folder: Path) -> None:
    from build_memory import make_images

    make_images(folder / "tiny")
    images = sorted((folder / "tiny" / "images").glob("*.png"))
    for n in range(len(images), args.rows):  # a path per row (a file listed twice is a reject): hard links
        os.link(images[n % len(images)], folder / "tiny" / "images" / f"{n:07d}.png")
    print(f"\nmany rows: tiny 96x128 PNGs (64 pictures, a hard link per row) -> 64x64, one worker, "
          f"{args.rows // 10:,} and {args.rows:,} rows")
    for rows in (args.rows // 10, args.rows):
        r = timed([sys.executable, __file__, "--workdir", str(folder), "--child", "rows", "--rows", str(rows)])
        print(f"{rows:>10,} rows: {r['per_image_ms']:.2f} CPU ms per image, peak RSS {r['peak_mib']:.0f} MiB")
        shutil.rmtree(folder / f"rows-{rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000, help="fundus images")
    parser.add_argument("--dicom-images", type=int, default=1000)
    parser.add_argument("--png-images", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sets", nargs="*", choices=list(SETS), default=list(SETS), help="none: the row run only")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the many-row run (0: skip it)")
    parser.add_argument("--workdir", type=Path, help="keep generated sets and img2dataset's venv here")
    parser.add_argument("--no-img2dataset", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "rows":
        child_rows(args.rows, args.workdir)
        return
    if args.child:
        child_main(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        measure_sets(args, folder)
        if args.rows:
            measure_rows(args, folder)


if __name__ == "__main__":
    main()
