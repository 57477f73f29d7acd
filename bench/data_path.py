"""The training data path on CPU: CPU ms per image at the training size, per stored format, and worker memory.

Part 1 reads one generated 512 px build through the trainer's own dataset (`ParquetTrainData`: row groups,
decode, RandomResizedCrop + flip + colour jitter, texts), in this process with one torch thread, and counts
CPU time (process time, so other load on a shared machine does not inflate it):
- `png-build`: the build's own PNG rows (the trainer's path before the training copy; `training_copy: null`);
- `jpeg-build`: the same pixels built as JPEG q95 (`image.format: jpeg`), decoded at reduced scale;
- `training-copy`: the trainer's default, the PNG build's JPEG q95 copy at 256 px (mgll_data/train/training_copy.py).
Ratios are against `png-build` in the same run; the 16-core figure is 16 x 1000 / (ms per image), the
images/s a 16-core host's decode workers deliver when the GPU process itself needs little CPU.

Part 2 replays one worker's row-group reads for an epoch of a simulated 246k-row build (100-row groups and
1-row tail groups left by the duplicate pass, 16 workers, batch 256) with no pixels: the peak bytes a worker
caches under the old count limit (1024 rows / smallest group + 2 groups) and under the byte budget.

    python bench/data_path.py                 # 192 rows, about a minute on one core
    python bench/data_path.py --rows 512 --json out/data_path.json
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from PIL import Image

from mgll_data.eval.synthetic import write_synthetic_dataset
from mgll_data.train.config import DataConfig
from mgll_data.train.data import SHUFFLE_WINDOW_ROWS, ParquetTrainData, RowGroup, RowGroupCache, rank_rows
from mgll_data.train.training_copy import ensure_training_copy

CORES = 16
FULL_ROWS = 246_389  # MGLL-Fundus


def _as_jpeg(source: Path, target: Path, quality: int = 95) -> None:
    """The same build with its images stored as JPEG at `quality` (what `image.format: jpeg` writes)."""
    target.mkdir(parents=True)
    for shard in sorted(source.glob("*.parquet")):
        table = pq.read_table(shard)
        images = []
        for image in table.column("image").to_pylist():
            buffer = io.BytesIO()
            Image.open(io.BytesIO(image["bytes"])).convert("RGB").save(buffer, format="JPEG", quality=quality)
            images.append({**image, "bytes": buffer.getvalue()})
        position = table.schema.get_field_index("image")
        table = table.set_column(position, table.schema.field(position), pa.array(images, table["image"].type))
        pq.write_table(table, target / shard.name, row_group_size=100)


def cpu_ms_per_image(dataset: Path, image_size: int, batch_size: int, repeats: int) -> dict[str, float]:
    """CPU ms per image through `ParquetTrainData` in this process (best of `repeats` epochs)."""
    config = DataConfig(
        dataset=str(dataset), image_size=image_size, batch_size=batch_size, num_workers=0, training_copy=None
    )
    data = ParquetTrainData(config, seed=0)
    best = float("inf")
    images = data.batches_per_epoch() * batch_size
    for epoch in range(repeats):
        data.epoch = epoch
        started = time.process_time()
        for _ in data:
            pass
        best = min(best, (time.process_time() - started) * 1e3 / images)
    stored = pq.read_table(next((dataset / "data").glob("*.parquet")), columns=["image"]).column("image").to_pylist()
    return {"ms_per_image": best, "stored_kb_per_image": np.mean([len(i["bytes"]) for i in stored]) / 1024}


def _simulated_groups(rows: int, rows_per_group: int, tails: int, seed: int) -> list[RowGroup]:
    sizes = [rows_per_group] * (rows // rows_per_group) + [1] * tails
    order = np.random.default_rng(seed).permutation(len(sizes))
    return [RowGroup(Path(f"shard-{k // 10}"), k % 10, sizes[k]) for k in order]


class _Table:
    def __init__(self, nbytes: int):
        self.nbytes = nbytes


def worker_peak_bytes(
    groups: list[RowGroup], bytes_per_row: int, workers: int, batch_size: int, budget: int | None
) -> int:
    """Peak cached bytes of worker 0 over one epoch: under `budget` bytes, or the old count limit when None."""
    rows = rank_rows(groups, seed=0, epoch=0, rank=0, world_size=1)
    batches = [rows[i : i + batch_size] for i in range(0, len(rows) - batch_size + 1, batch_size)]
    if budget is not None:
        cache = RowGroupCache(lambda g: _Table(groups[g].num_rows * bytes_per_row), budget)
        for batch in batches[::workers]:
            for group in dict.fromkeys(g for g, _ in batch):
                cache.get(group)
        return cache.peak_bytes
    limit = min(len(groups), -(-SHUFFLE_WINDOW_ROWS // min(g.num_rows for g in groups)) + 2)
    counted: OrderedDict[int, int] = OrderedDict()
    peak = 0
    for batch in batches[::workers]:
        for group in dict.fromkeys(g for g, _ in batch):
            counted[group] = groups[group].num_rows * bytes_per_row
            counted.move_to_end(group)
            while len(counted) > limit:
                counted.popitem(last=False)
            peak = max(peak, sum(counted.values()))
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=192)
    parser.add_argument("--stored-size", type=int, default=512)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-memory", action="store_true", help="part 1 only")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    figures: dict[str, object] = {"rows": args.rows, "stored_size": args.stored_size, "image_size": args.image_size}
    with tempfile.TemporaryDirectory(prefix="mgll-data-path-") as scratch:
        started = time.perf_counter()
        png = write_synthetic_dataset(
            Path(scratch) / "png", sizes={"train": args.rows}, image_size=args.stored_size, rows_per_shard=100
        )
        _as_jpeg(png / "data", Path(scratch) / "jpeg" / "data")
        copy_started = time.process_time()
        copy = ensure_training_copy(
            sorted((png / "data").glob("*.parquet")),
            Path(scratch) / "copy",
            size=-(-args.image_size * 8 // 7),
            quality=95,
            workers=1,
        )
        copy_ms = (time.process_time() - copy_started) * 1e3 / args.rows
        print(f"generated {args.rows} rows at {args.stored_size} px in {time.perf_counter() - started:.1f}s")
        paths = {"png-build": png, "jpeg-build": Path(scratch) / "jpeg", "training-copy": copy}
        results = {
            name: cpu_ms_per_image(path, args.image_size, args.batch_size, args.repeats) for name, path in paths.items()
        }
    baseline = results["png-build"]["ms_per_image"]
    print(f"\nCPU ms per image at {args.image_size} px (decode + crop + flip + jitter + texts), one process:")
    print(f"{'path':<15}{'KB/img':>8}{'ms/img':>8}{'vs png':>8}{'16-core img/s':>15}")
    for name, figure in results.items():
        ms = figure["ms_per_image"]
        figure.update(ratio_vs_png=baseline / ms, img_per_s_16_cores=CORES * 1e3 / ms)
        print(
            f"{name:<15}{figure['stored_kb_per_image']:>8.0f}{ms:>8.2f}{baseline / ms:>7.2f}x{CORES * 1e3 / ms:>15.0f}"
        )
    print(
        f"one-time copy cost: {copy_ms:.2f} CPU ms per image ({FULL_ROWS * copy_ms / 1e3 / 60 / CORES:.1f} min on "
        f"{CORES} cores for {FULL_ROWS} rows)"
    )
    figures.update(paths=results, copy_ms_per_image=copy_ms)
    if not args.skip_memory:
        groups = _simulated_groups(FULL_ROWS, 100, tails=400, seed=0)
        budget = DataConfig.model_fields["cache_bytes"].default
        print(
            f"\nworker cache over one epoch of a simulated {FULL_ROWS}-row build ({len(groups)} row groups, "
            f"{CORES} workers, batch 256), peak GB per worker:"
        )
        memory = {}
        for name, figure in results.items():
            per_row = int(figure["stored_kb_per_image"] * 1024)
            old = worker_peak_bytes(groups, per_row, CORES, 256, None) / 2**30
            new = worker_peak_bytes(groups, per_row, CORES, 256, budget) / 2**30
            memory[name] = {"count_limit_gb": old, "byte_budget_gb": new}
            print(f"{name:<15} count limit {old:7.2f}   byte budget ({budget / 2**30:.0f} GiB) {new:5.2f}")
        figures["worker_cache"] = memory
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
