"""Training throughput: images/s and the fraction of step time spent waiting for data.

Runs the real training step (`mgll_data.train.trainer.Session.train_step`) twice in one process:
1. fed one pre-loaded batch over and over (the compute-only baseline), before and after (2),
2. fed by the real pipeline (Parquet row groups -> decode and augment in workers -> pinned uint8 batches).
The ratio of (2) to (1) says how much the data pipeline costs; the data-wait fraction is measured in (2).

On a machine without CUDA it runs the CPU configuration (tiny ViT, tiny text tower) and prints the GPU
configuration it would use; with CUDA the default is the issue's target: ViT-B/16 at 224, bf16, batch 256.

    python bench/train.py                      # CPU: tiny model; GPU: ViT-B/16, 224 px, bf16, batch 256
    python bench/train.py --vision timm:vit_small_patch16_224 --image-size 96 --batch-size 64
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from mgll_data.eval.synthetic import write_synthetic_dataset
from mgll_data.train.config import train_config_from_dict
from mgll_data.train.trainer import Session, prepare

GPU_DEFAULTS = {
    "vision": "timm:vit_base_patch16_224",
    "text": "open_clip:ViT-B-16",
    "image_size": 224,
    "stored_size": 512,
    "batch_size": 256,
    "workers": 16,
    "rows": 4096,
    "steps": 30,
    "warmup": 10,
    "precision": "bf16",
}
CPU_DEFAULTS = {
    "vision": "timm:vit_tiny_patch16_224",
    "text": "tiny",
    "image_size": 64,
    "stored_size": 128,
    "batch_size": 32,
    "workers": 2,
    "rows": 512,
    "steps": 8,
    "warmup": 2,
    "precision": "fp32",
}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("vision", "text", "precision"):
        parser.add_argument(f"--{name}")
    for name in ("image-size", "stored-size", "batch-size", "workers", "rows", "steps", "warmup"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--loss", default="mgll", choices=["clip", "mgll", "mgll_reference"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--dataset", help="a built folder to read instead of a synthetic one")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    defaults = GPU_DEFAULTS if torch.cuda.is_available() else CPU_DEFAULTS
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, min(value, os.cpu_count() or 1) if key == "workers" else value)
    return args


def _config(args: argparse.Namespace, dataset: str, output_dir: str) -> dict:
    return {
        "data": {
            "dataset": dataset,
            "image_size": args.image_size,
            "batch_size": args.batch_size,
            "num_workers": args.workers,
            "text_template": "This is an image of {}",
        },
        "model": {"vision": args.vision, "text": args.text, "embed_dim": 512},
        "loss": {"name": args.loss},
        "optim": {"max_steps": 10**6, "warmup_steps": 100},
        "run": {"output_dir": output_dir, "precision": args.precision, "compile": args.compile},
    }


def _timed(session: Session, batches, steps: int) -> dict[str, float]:
    cuda = session.env.device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
    started, waited, images = time.perf_counter(), 0.0, 0
    for _ in range(steps):
        outcome = session.train_step(batches)  # reads the loss back, so each step has finished on the device
        waited += outcome.data_wait
        images += outcome.images
    elapsed = time.perf_counter() - started
    return {"images_per_s": images / elapsed, "data_wait_fraction": waited / elapsed, "step_ms": 1e3 * elapsed / steps}


def main() -> None:
    args = _arguments()
    if not torch.cuda.is_available():
        gpu = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in GPU_DEFAULTS.items())
        print(f"no CUDA device: running the CPU configuration. On a GPU the default is: python bench/train.py {gpu}")
    with tempfile.TemporaryDirectory(prefix="mgll-bench-") as scratch:
        dataset = args.dataset
        if dataset is None:
            started = time.perf_counter()
            dataset = str(
                write_synthetic_dataset(
                    Path(scratch) / "data",
                    sizes={"train": args.rows},
                    image_size=args.stored_size,
                    rows_per_shard=1024,
                )
            )
            print(f"wrote {args.rows} synthetic rows at {args.stored_size} px in {time.perf_counter() - started:.1f}s")
        session = prepare(train_config_from_dict(_config(args, dataset, str(Path(scratch) / "run")), "bench"))
        if session.env.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        batches = session.batches()
        for _ in range(args.warmup):
            session.train_step(batches)
        batch = next(batches)
        if session.env.device.type == "cuda":
            batch["images"] = batch["images"].to(session.env.device)
        # the baseline runs before and after the pipeline, so drift on a shared machine affects both sides
        before = _timed(session, itertools.repeat(batch), args.steps)
        pipeline = _timed(session, batches, args.steps)
        after = _timed(session, itertools.repeat(batch), args.steps)
        compute = {"images_per_s": (before["images_per_s"] + after["images_per_s"]) / 2}
        batches.close()
    figures = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu x{torch.get_num_threads()}",
        "vision": args.vision,
        "text": args.text,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "precision": "bf16" if session.dtype else "fp32",
        "workers": args.workers,
        "loss": args.loss,
        "steps": args.steps,
        "pipeline_images_per_s": round(pipeline["images_per_s"], 2),
        "compute_only_images_per_s": round(compute["images_per_s"], 2),
        "pipeline_over_compute": round(pipeline["images_per_s"] / compute["images_per_s"], 3),
        "data_wait_fraction": round(pipeline["data_wait_fraction"], 4),
        "step_ms": round(pipeline["step_ms"], 1),
    }
    if session.env.device.type == "cuda":
        figures["gpu_memory_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
