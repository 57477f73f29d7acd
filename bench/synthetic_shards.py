"""Synthetic training shards fast: `render_record` rows in parallel processes, one shard per process.

For timed windows (bench/gpu_check.sh must have its data in under 60 s): 512 px rows cost about 65 CPU ms
each, so 2,048 rows take over two minutes in one process and a few seconds on 16 cores. Writes only what the
trainer and the evaluator read (`data/{split}-NNNNN-of-NNNNN.parquet`); `write_synthetic_dataset` (one
process) writes a complete build with card and manifest.

    python bench/synthetic_shards.py OUT --train 2048 --validation 256 --test 256 --size 512
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mgll_data.eval.synthetic import render_record
from mgll_data.output_layout import DATA_DIR, shard_file_name
from mgll_data.schema import arrow_schema


def write_shard(out: Path, split: str, shard: int, n_shards: int, rows: range, size: int, seed: int) -> int:
    rng = np.random.default_rng([seed, shard, len(split)])
    records = [render_record(i, split, size, rng) for i in rows]
    pq.write_table(
        pa.Table.from_pylist(records, schema=arrow_schema()),
        out / DATA_DIR / shard_file_name(split, shard, n_shards),
        row_group_size=100,
    )
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    for split, default in (("train", 2048), ("validation", 256), ("test", 256)):
        parser.add_argument(f"--{split}", type=int, default=default)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    started = time.perf_counter()
    (args.out / DATA_DIR).mkdir(parents=True, exist_ok=True)
    jobs = []
    for split in ("train", "validation", "test"):
        n_rows = getattr(args, split)
        n_shards = max(1, min(args.processes, -(-n_rows // 64)))
        bounds = np.linspace(0, n_rows, n_shards + 1).astype(int)
        jobs += [(split, k, n_shards, range(bounds[k], bounds[k + 1])) for k in range(n_shards)]
    with ProcessPoolExecutor(args.processes) as pool:
        futures = [pool.submit(write_shard, args.out, s, k, n, r, args.size, args.seed) for s, k, n, r in jobs]
        total = sum(f.result() for f in futures)
    print(f"wrote {total} rows at {args.size} px in {len(jobs)} shards in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
