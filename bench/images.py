"""Images per second per core for decode + normalise + resize + encode, ours against a bare loop.

Generates a 2048x2048 16-bit DICOM chest-like image and a 3000x3000 fundus JPEG, then times
`process_image` and a bare Pillow/numpy loop doing the same geometry (letterbox to --size, PNG),
alternating rounds in this one process so both see the same machine state. Peak memory per worker is
the peak RSS of a fresh worker process running one variant alone. Rates are per CPU-second of this
process (one core), so other load on the machine does not bias the ratio.

    .venv/bin/python bench/images.py [--rounds 3] [--images 6] [--size 512] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import tempfile
import time
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from mgll_data.images import ImagePolicy, process_image

DICOM_SIDE, FUNDUS_SIDE = 2048, 3000
DISC_RADIUS = 0.45  # of the fundus side


def make_dicom(path: Path) -> None:
    """A 12-bits-stored chest-like gradient with noise, windowed, uncompressed."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:DICOM_SIDE, :DICOM_SIDE].astype(np.float32) / DICOM_SIDE
    body = 1500 + 1800 * np.exp(-(((xx - 0.5) / 0.12) ** 2)) + 600 * yy
    pixels = np.clip(body + rng.normal(0, 40, body.shape), 0, 4095).astype(np.uint16)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.Modality, ds.PhotometricInterpretation, ds.SamplesPerPixel = "DX", "MONOCHROME2", 1
    ds.Rows = ds.Columns = DICOM_SIDE
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2500, 3000
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def make_fundus(path: Path) -> None:
    """An orange textured disc of radius 0.45 side on black, as a quality-95 JPEG."""
    rng = np.random.default_rng(0)
    yy, xx = np.ogrid[:FUNDUS_SIDE, :FUNDUS_SIDE]
    distance = np.hypot(xx - FUNDUS_SIDE / 2, yy - FUNDUS_SIDE / 2) / (DISC_RADIUS * FUNDUS_SIDE)
    shade = (1 - 0.35 * np.clip(distance, 0, 1) ** 2) * (distance <= 1)
    texture = rng.normal(1, 0.05, (FUNDUS_SIDE, FUNDUS_SIDE)).astype(np.float32)
    rgb = np.stack([200 * shade * texture, 90 * shade * texture, 40 * shade * texture], axis=2)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path, quality=95)


def bare_letterbox_png(image: Image.Image, size: int, box: tuple[int, int, int, int] | None = None) -> bytes:
    """Letterbox `box` (default: all) to a size x size square (Lanczos, centred), encode PNG."""
    left, top, right, bottom = box or (0, 0, *image.size)
    scale = size / max(right - left, bottom - top)
    width, height = max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale))
    canvas = Image.new(image.mode, (size, size))
    resized = image.resize((width, height), Image.Resampling.LANCZOS, box=(left, top, right, bottom))
    canvas.paste(resized, ((size - width) // 2, (size - height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def bare_dicom(path: Path, size: int) -> bytes:
    """pydicom decode, the file's linear window with numpy, letterbox, PNG."""
    ds = pydicom.dcmread(path)
    values = ds.pixel_array.astype(np.float32)
    center, width = float(ds.WindowCenter), float(ds.WindowWidth)
    unit = np.clip((values - (center - 0.5)) / (width - 1) + 0.5, 0, 1)
    return bare_letterbox_png(Image.fromarray((unit * 255 + 0.5).astype(np.uint8)), size)


def bare_fundus(path: Path, size: int) -> bytes:
    """Pillow decode, the known disc's square (what our field detection finds), letterbox, PNG."""
    low, high = round(FUNDUS_SIDE * (0.5 - DISC_RADIUS)), round(FUNDUS_SIDE * (0.5 + DISC_RADIUS))
    with Image.open(path) as image:
        return bare_letterbox_png(image.convert("RGB"), size, box=(low, low, high, high))


def ours(path: Path, size: int, modality: str) -> bytes:
    return process_image(path, modality, ImagePolicy(size=size)).data


def run_variant(variant: str, path: Path, size: int) -> bytes:
    if variant == "ours_dicom":
        return ours(path, size, "cxr")
    if variant == "ours_fundus":
        return ours(path, size, "fundus")
    return bare_dicom(path, size) if variant == "bare_dicom" else bare_fundus(path, size)


def _peak_rss_worker(variant: str, path: str, size: int, images: int, queue: multiprocessing.Queue) -> None:
    for _ in range(images):
        run_variant(variant, Path(path), size)
    status = Path("/proc/self/status").read_text()
    high_water_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    queue.put(high_water_kib / 1024)


def peak_rss_mib(variant: str, path: Path, size: int, images: int) -> float:
    """Peak RSS of a fresh spawned worker that imports everything and runs only this variant."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=_peak_rss_worker, args=(variant, str(path), size, images, queue))
    worker.start()
    peak = queue.get()
    worker.join()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=4, help="images per variant per round")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        inputs = {"dicom": Path(folder) / "chest_2048_16bit.dcm", "fundus": Path(folder) / "fundus_3000.jpg"}
        make_dicom(inputs["dicom"])
        make_fundus(inputs["fundus"])
        seconds = {f"{who}_{kind}": 0.0 for who in ("ours", "bare") for kind in inputs}
        cpu_seconds = dict.fromkeys(seconds, 0.0)
        for variant in seconds:  # warm-up: imports, caches, page cache
            run_variant(variant, inputs[variant.split("_")[1]], args.size)
        for _ in range(args.rounds):
            for variant in seconds:
                path = inputs[variant.split("_")[1]]
                start, cpu_start = time.perf_counter(), time.process_time()
                for _ in range(args.images):
                    run_variant(variant, path, args.size)
                seconds[variant] += time.perf_counter() - start
                cpu_seconds[variant] += time.process_time() - cpu_start
        count = args.rounds * args.images
        report: dict[str, dict[str, float]] = {}
        for kind in inputs:
            ours_rate, bare_rate = count / cpu_seconds[f"ours_{kind}"], count / cpu_seconds[f"bare_{kind}"]
            ours_wall, bare_wall = count / seconds[f"ours_{kind}"], count / seconds[f"bare_{kind}"]
            report[kind] = {
                "ours_images_per_cpu_s": round(ours_rate, 2),
                "bare_images_per_cpu_s": round(bare_rate, 2),
                "ratio": round(ours_rate / bare_rate, 3),
                "wall_ratio": round(ours_wall / bare_wall, 3),
                "ours_peak_rss_mib": round(peak_rss_mib(f"ours_{kind}", inputs[kind], args.size, 2), 1),
                "bare_peak_rss_mib": round(peak_rss_mib(f"bare_{kind}", inputs[kind], args.size, 2), 1),
            }
    header = ("input", "ours img/cpu-s", "bare img/cpu-s", "ratio", "wall ratio", "ours MiB", "bare MiB")
    print("".join(f"{h:>15}" for h in header))
    for kind, row in report.items():
        print(f"{kind:>15}" + "".join(f"{value:>15}" for value in row.values()))
    print("ratio = ours / bare in images per CPU-second of this one process (target >= 0.9);")
    print("wall ratio = the same from wall-clock time; MiB = peak RSS (VmHWM) of a fresh worker running 2 images")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
