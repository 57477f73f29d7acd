"""CLIP vs MGLL on the synthetic multi-label shapes benchmark, same budget, on CPU.

Both runs share everything but the `loss` section: the generated dataset, tiny model, steps, batch, learning
rate, seed and texts (all three granularities). Each checkpoint then goes through `mgll-data eval`'s runner
(linear probe at 10% / 100% of training patients, zero-shot from the shape vocabulary at every granularity).
The untrained model is evaluated too ("random init"), the floor both losses must rise above.

    .venv/bin/python bench/synthetic_clip_vs_mgll.py                 # one seed, a few minutes on 2 cores
    .venv/bin/python bench/synthetic_clip_vs_mgll.py --seeds 0 1 2   # mean over seeds as well
    .venv/bin/python bench/synthetic_clip_vs_mgll.py --variants clip mgll mgll:lambda2=0 mgll_reference

A variant is a loss name with optional `loss` config overrides, `NAME[:KEY=VALUE,...]` (e.g. `mgll:lambda3=0`);
"random init" evaluates the untrained model.

Prints a markdown table and writes OUT/summary.json.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import tempfile
import time
from pathlib import Path

import torch
from rich.console import Console

from mgll_data.errors import MgllError
from mgll_data.eval.config import EvalConfig
from mgll_data.eval.runner import run_eval
from mgll_data.eval.synthetic import write_synthetic_dataset
from mgll_data.train.checkpoint import save_checkpoint
from mgll_data.train.config import train_config_from_dict
from mgll_data.train.model import build_model
from mgll_data.train.trainer import train

DEFAULT_VARIANTS = ("random init", "clip", "mgll")
GRANULARITIES = ("disease_text", "descriptions", "explanations")
METRICS = (
    "probe_auc_10",
    "probe_auc_100",
    *(f"zero_shot_auc_{g}" for g in GRANULARITIES),
    *(f"zero_shot_centered_{g}" for g in GRANULARITIES),
)


def loss_section(variant: str) -> dict:
    """`NAME[:KEY=VALUE,...]` as a `loss` config section; values are floats (the lambdas, the temperature)."""
    name, _, overrides = variant.partition(":")
    section: dict = {"name": "clip" if name == "random init" else name}
    for item in filter(None, overrides.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"variant {variant!r}: expected KEY=VALUE after ':', got {item!r}")
        section[key.strip()] = float(value)
    return section


def train_config(args: argparse.Namespace, dataset: Path, loss: dict, seed: int, output_dir: Path) -> dict:
    return {
        "data": {
            "dataset": str(dataset),
            "image_size": args.image_size,
            "batch_size": args.batch_size,
            "num_workers": 0,
            # positions are part of the descriptions, so no flip; crop and jitter stay mild
            "augment": {"crop_scale": [0.9, 1.0], "hflip": 0.0, "color_jitter": 0.1},
        },
        "model": {"vision": args.vision, "text": "tiny", "embed_dim": args.embed_dim, "max_text_length": 48},
        "loss": loss,
        "optim": {"max_steps": args.steps, "lr": args.lr, "warmup_steps": max(1, args.steps // 10)},
        "run": {"output_dir": str(output_dir), "seed": seed, "log_every": max(1, args.steps // 4)},
    }


def run_one(args, dataset: Path, loss: str, seed: int, work: Path, console: Console) -> dict:
    """Train with variant `loss` and evaluate; "random init" evaluates the untrained model (the floor)."""
    run_dir = work / f"{re.sub(r'[^A-Za-z0-9_.=-]+', '_', loss)}-seed{seed}"
    section = loss_section(loss)
    config = train_config_from_dict(train_config(args, dataset, section, seed, run_dir), f"bench {loss} seed {seed}")
    started = time.perf_counter()
    if loss == "random init":
        torch.manual_seed(seed)
        checkpoint, last_loss = save_checkpoint(run_dir, 0, build_model(config), config, {}), float("nan")
    else:
        try:
            result = train(config, console)
        except MgllError as exc:  # a diverged variant is a result (NaN row), not a reason to lose the others
            console.print(f"{loss} seed {seed}: {exc}")
            return {
                "loss": loss,
                "seed": seed,
                "train_seconds": time.perf_counter() - started,
                "final_train_loss": math.nan,
                **dict.fromkeys(METRICS, math.nan),
            }
        checkpoint, last_loss = result.checkpoint, result.last_loss
    train_seconds = time.perf_counter() - started
    eval_config = EvalConfig(
        checkpoint=str(checkpoint),
        dataset=str(dataset),
        labels="auto",
        class_texts="synthetic",
        tasks=["linear_probe", "zero_shot"],
        zero_shot_prompts="training_template",  # the synthetic vocabulary's texts are its training captions
        fractions=[0.1, 1.0],
        seed=seed,
        output_dir=str(run_dir / "eval"),
        batch_size=128,
        device="cpu",
    )
    results = run_eval(eval_config, log=lambda line: None)["modalities"]["synthetic"]
    return {
        "loss": loss,
        "seed": seed,
        "train_seconds": round(train_seconds, 1),
        "final_train_loss": last_loss,
        "probe_auc_10": results["linear_probe"]["0.1"]["auc_macro"],
        "probe_auc_100": results["linear_probe"]["1"]["auc_macro"],
        **{f"zero_shot_auc_{g}": results["zero_shot"][g]["auc_macro"] for g in GRANULARITIES},
        **{f"zero_shot_centered_{g}": results["zero_shot"][g]["auc_macro_centered"] for g in GRANULARITIES},
    }


def table(rows: list[dict], variants: list[str]) -> str:
    keys = METRICS
    header = ["loss", "seed", "train s", *keys]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append(
            "| "
            + " | ".join([row["loss"], str(row["seed"]), f"{row['train_seconds']:.0f}"])
            + " | "
            + " | ".join(f"{row[k]:.4f}" for k in keys)
            + " |"
        )
    seeds = sorted({row["seed"] for row in rows})
    if len(seeds) > 1:
        for loss in variants:
            mine = [row for row in rows if row["loss"] == loss]
            cells = [
                f"{statistics.mean(r[k] for r in mine):.4f} ± {statistics.stdev(r[k] for r in mine):.4f}" for k in keys
            ]
            lines.append(f"| {loss} | mean ± sd | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--embed-dim", type=int, default=32)
    parser.add_argument("--vision", default="timm:test_convnext")
    parser.add_argument("--train-size", type=int, default=1000)
    parser.add_argument("--test-size", type=int, default=400)
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--variants", nargs="+", default=list(DEFAULT_VARIANTS), help="losses to compare, in order")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for these tiny models)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = args.out or Path(tempfile.mkdtemp(prefix="mgll-synthetic-"))
    work.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    dataset = write_synthetic_dataset(
        work / "dataset", {"train": args.train_size, "test": args.test_size}, args.image_size, args.data_seed
    )
    rows = [run_one(args, dataset, loss, seed, work, console) for seed in args.seeds for loss in args.variants]
    summary = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "runs": rows}
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(table(rows, args.variants))
    print(f"\nsummary: {work / 'summary.json'}")


if __name__ == "__main__":
    main()
