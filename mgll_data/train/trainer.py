"""The training loop: one command on CPU, one GPU, or N GPUs under `torchrun`.

Why these pieces: AdamW without decay on biases, norms and the logit scale; linear warm-up then cosine per
optimizer step; bf16 autocast on GPU (fp16 with a loss scaler skipped every step on H100 in the public code);
contrastive losses over the batch gathered from all ranks (gradients flow back through the gather);
checkpoints that restore weights, optimizer, schedule, step and RNG, with the data plan skipping what was
already seen, so a resumed run sees the very batches an uninterrupted one would.
What is exact: on CPU a resumed run reproduces the uninterrupted losses bit for bit (tested). On GPU the
batches and RNG streams are the same, but TF32 matmuls and non-deterministic kernels (atomics in attention
backward, cuDNN autotuning) make the numbers differ in the last bits unless `run.deterministic: true`, which
turns TF32 off and asks torch for deterministic kernels (slower). A resume must use the same world size.
Gradient accumulation does not gather embeddings across micro-batches: the contrastive negatives of a
micro-batch are its own rows (times the ranks), not the whole effective batch.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mgll_data.config_io import JsonObject
from mgll_data.durations import format_duration
from mgll_data.engine.pool import usable_cores
from mgll_data.errors import MgllError
from mgll_data.schema import Row
from mgll_data.train.checkpoint import load_checkpoint, resume_candidates, save_checkpoint
from mgll_data.train.config import DataConfig, OptimConfig, TrainConfig
from mgll_data.train.data import ParquetTrainData, make_loader, row_id_hashes, split_files, split_ids
from mgll_data.train.loggers import MetricLoggers
from mgll_data.train.losses import make_loss
from mgll_data.train.model import MGLLModel, build_model, first_intact
from mgll_data.train.training_copy import copy_folder, ensure_training_copy

LOG_FILE = "train_log.jsonl"


@dataclass(frozen=True)
class Distributed:
    """Where this process runs: from torchrun's environment, or a single process."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed() -> Distributed:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); pick this process's device."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Distributed(rank, world_size, local_rank, device)


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[JsonObject]:
    """Decay matrices only: biases, norm weights and the logit scale (all 0/1-d) get none."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        is_norm = "norm" in name.lower() or ".ln" in name.lower()
        (no_decay if parameter.ndim < 2 or is_norm else decay).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def warmup_cosine(optim: OptimConfig, total_steps: int):
    """LR multiplier per optimizer step: linear warm-up to 1, then cosine down to `min_lr_ratio`."""

    def factor(step: int) -> float:
        if step < optim.warmup_steps:
            return (step + 1) / optim.warmup_steps
        span = max(total_steps - optim.warmup_steps, 1)
        progress = min((step - optim.warmup_steps) / span, 1.0)
        return optim.min_lr_ratio + (1 - optim.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def cpu_threads(cores: int, world_size: int, num_workers: int, current: int) -> int:
    """Intra-op threads for one training process on CPU: its share of the cores minus its decode workers."""
    return max(1, min(current, cores // world_size - num_workers))


def set_determinism(deterministic: bool) -> None:
    """TF32 matmuls (fast, about 1e-3 relative error) unless `deterministic`, which also asks torch for
    deterministic kernels, so two GPU runs of one config give the same weights; CPU runs are exact either way."""
    torch.backends.cuda.matmul.allow_tf32 = not deterministic
    torch.backends.cudnn.allow_tf32 = not deterministic
    torch.backends.cudnn.benchmark = False
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it for deterministic GEMMs
    torch.use_deterministic_algorithms(deterministic)


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """bf16 on GPU (and on CPU only when asked); fp32 otherwise."""
    if precision == "bf16" or (precision == "auto" and device.type == "cuda"):
        return torch.bfloat16
    return None


def gather_batch(
    image: torch.Tensor, texts: list[torch.Tensor], labels: list, strings: list[list[str]]
) -> tuple[torch.Tensor, list[torch.Tensor], list, list[list[str]]]:
    """The global batch from every rank, in rank order; embeddings keep their gradients through the gather."""
    from torch.distributed.nn.functional import all_gather

    world = dist.get_world_size()
    with warnings.catch_warnings():  # deprecated in favour of a private API; still the public autograd gather
        warnings.simplefilter("ignore", FutureWarning)
        image = torch.cat(all_gather(image.contiguous()))
        texts = [torch.cat(all_gather(t.contiguous())) for t in texts]
    gathered: list[Any] = [None] * world
    dist.all_gather_object(gathered, (labels, strings))
    labels = [item for rank_labels, _ in gathered for item in rank_labels]
    strings = [[s for _, rank_strings in gathered for s in rank_strings[g]] for g in range(len(strings))]
    return image, texts, labels, strings


@dataclass
class Meter:
    """Throughput and data-wait over a logging window."""

    images: int = 0
    wait: float = 0.0
    started: float = field(default_factory=time.perf_counter)
    terms: dict[str, float] = field(default_factory=dict)
    steps: int = 0

    def report(self) -> dict[str, float]:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        report = {k: v / max(self.steps, 1) for k, v in self.terms.items()}
        report.update(images_per_s=self.images / elapsed, data_wait_fraction=self.wait / elapsed)
        return report


@dataclass
class TrainResult:
    output_dir: Path
    step: int
    last_loss: float
    checkpoint: Path | None


def _micro_batches(dataset: ParquetTrainData, first: int, pin_memory: bool) -> Iterator[Row]:
    """Micro-batches from global index `first` on, epoch after epoch, from one loader whose workers persist."""
    dataset.epoch, dataset.skip_batches = divmod(first, dataset.batches_per_epoch())
    dataset.epochs = None
    yield from make_loader(dataset, pin_memory)


@dataclass
class StepOutcome:
    terms: dict[str, float]
    lr: float
    epoch: int
    images: int
    data_wait: float


@dataclass
class Session:
    """Everything one training process holds: built once by `prepare`, stepped by `train` and bench/train.py."""

    config: TrainConfig
    env: Distributed
    dataset: ParquetTrainData
    model: MGLLModel
    forward: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    loss_fn: Any
    dtype: torch.dtype | None
    step: int
    total_steps: int
    resumed_from: Path | None
    training_rows: np.ndarray | None = None  # id hashes of the trained split, written with every checkpoint

    def batches(self) -> Iterator[Row]:
        """Micro-batches from where this session stands (after a resume: the next unseen batch)."""
        first = self.step * self.config.optim.accumulation_steps
        return _micro_batches(self.dataset, first, self.env.device.type == "cuda")

    def train_step(self, batches: Iterator[Row]) -> StepOutcome:
        """One optimizer step over `accumulation_steps` micro-batches; returns the step's mean loss terms."""
        optim, env = self.config.optim, self.env
        device_terms: dict[str, torch.Tensor] = {}
        waited, images, epoch = 0.0, 0, 0
        for micro in range(optim.accumulation_steps):
            started = time.perf_counter()
            batch = next(batches)
            waited += time.perf_counter() - started
            epoch = batch.get("epoch", 0)
            last = micro == optim.accumulation_steps - 1
            sync = self.forward.no_sync() if env.world_size > 1 and not last else contextlib.nullcontext()
            with sync:
                labels, strings = batch["labels"], batch["texts"]
                tokens = batch.get("tokens") or self.model.text.tokenize([t for g in strings for t in g])
                with torch.autocast(env.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None):
                    image, text = self.forward(batch["images"], tokens)
                texts = list(text.split([len(g) for g in strings]))
                if env.world_size > 1:
                    image, texts, labels, strings = gather_batch(image, texts, labels, strings)
                terms = self.loss_fn(image, texts, self.model.logit_scale, labels, strings)
                (terms["loss"] / optim.accumulation_steps).backward()
            for name, value in terms.items():
                share = value.detach() / optim.accumulation_steps  # summed on the device: one sync per step
                device_terms[name] = device_terms[name] + share if name in device_terms else share
            images += batch["images"].shape[0] * env.world_size
        if optim.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), optim.grad_clip)
        lr = self.scheduler.get_last_lr()[0]
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        terms_sum = dict(zip(device_terms, torch.stack(list(device_terms.values())).float().tolist(), strict=True))
        if not math.isfinite(terms_sum["loss"]):
            raise MgllError(
                f"loss is {terms_sum['loss']} at step {self.step}: training diverged; lower optim.lr or check the data"
            )
        return StepOutcome(terms_sum, lr, epoch, images, waited)

    def training_state(self) -> JsonObject:
        state = {
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
            "torch_rng": torch.get_rng_state(),
            "world_size": self.env.world_size,
        }
        if self.env.device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(self.env.device)
        return state


def training_data(config: TrainConfig, env: Distributed) -> DataConfig:
    """The data section training reads: the split's training copy when configured (rank 0 writes it once,
    the other ranks wait), else the build itself."""
    data = config.data
    files = split_files(data.dataset, data.split)
    if data.training_copy is None:
        return data
    size = data.training_copy.size or -(-data.image_size * 8 // 7)
    quality = data.training_copy.quality
    folder = copy_folder(data.dataset, data.split, size, quality, config.run.output_dir)
    if env.is_main:
        ensure_training_copy(files, folder, size, quality, workers=max(usable_cores() // env.world_size, 1))
    if env.world_size > 1:
        dist.barrier()
    return data.model_copy(update={"dataset": str(folder)})


def prepare(config: TrainConfig, warn: Callable[[str], None] | None = None) -> Session:
    """Process group, data plan, model, optimizer and schedule; restored from a checkpoint when resuming.

    A damaged newest checkpoint is skipped for the previous one, and `warn` says so."""
    warn = warn or (lambda message: warnings.warn(message, stacklevel=2))
    env = init_distributed()
    run, optim = config.run, config.optim
    torch.manual_seed(run.seed)  # the same initial weights on every rank
    random.seed(run.seed + env.rank)
    np.random.seed(run.seed + env.rank)
    set_determinism(run.deterministic)
    if env.device.type == "cpu":
        # leave cores to the decode workers and the other ranks; oversubscribed OpenMP threads spin (tenfold slower)
        threads = cpu_threads(usable_cores(), env.world_size, config.data.num_workers, torch.get_num_threads())
        torch.set_num_threads(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # workers tokenise; no thread pools across forks
    data_config = training_data(config, env)  # fails fast on a missing dataset
    dataset = ParquetTrainData(data_config, run.seed, env.rank, env.world_size)
    model: MGLLModel = build_model(config).to(env.device)
    dataset.tokenize = model.text.tokenize
    total_steps = optim.max_steps or max(optim.epochs * dataset.batches_per_epoch() // optim.accumulation_steps, 1)
    optimizer = torch.optim.AdamW(
        parameter_groups(model, optim.weight_decay), lr=optim.lr, betas=optim.betas, fused=env.device.type == "cuda"
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(optim, total_steps))
    step = 0
    source = None
    candidates = resume_candidates(run.resume, run.output_dir)
    if candidates:
        source, state = first_intact(candidates, lambda folder: load_checkpoint(folder, model, env.device), warn)
        stored_world = int(state.get("world_size", env.world_size))
        if stored_world != env.world_size:
            raise MgllError(
                f"{source}: written by {stored_world} process(es), resumed on {env.world_size}; the data plan deals "
                f"rows per rank, so resume with {stored_world} processes (or start a new run from these weights)"
            )
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = int(state["step"])
        torch.set_rng_state(state["torch_rng"])
        if env.device.type == "cuda" and "cuda_rng" in state:
            torch.cuda.set_rng_state(state["cuda_rng"])
    forward: torch.nn.Module = model
    if env.world_size > 1:
        device_ids = [env.local_rank] if env.device.type == "cuda" else None
        forward = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    if run.compile:
        forward = torch.compile(forward)
    model.train()
    return Session(
        config=config,
        env=env,
        dataset=dataset,
        model=model,
        forward=forward,
        optimizer=optimizer,
        scheduler=scheduler,
        loss_fn=make_loss(config.loss),
        dtype=autocast_dtype(run.precision, env.device),
        step=step,
        total_steps=total_steps,
        resumed_from=source,
        training_rows=row_id_hashes(split_ids(config.data.dataset, config.data.split)) if env.is_main else None,
    )


def _log_line(session: Session, outcome: StepOutcome, meter: Meter) -> JsonObject:
    """One JSON log record; `epoch` counts from 1, as the console lines do."""
    record = {"step": session.step, "epoch": outcome.epoch + 1, "lr": outcome.lr, **meter.report()}
    record["logit_scale"] = float(session.model.logit_scale.detach().exp())
    if session.env.device.type == "cuda":
        record["gpu_memory_gb"] = torch.cuda.max_memory_allocated(session.env.device) / 2**30
    return record


def drop_replayed_lines(log: Path, step: int) -> None:
    """Remove log lines past the resumed step: the resumed run logs those steps again (a kill after the last
    checkpoint leaves them behind), and a log must have one line per step."""
    if not log.is_file():
        return
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if line.strip() and json.loads(line).get("step", 0) <= step]
    if len(kept) != len(lines):
        temporary = log.with_name(log.name + ".tmp")
        temporary.write_text("".join(kept), encoding="utf-8")
        temporary.replace(log)


def total_epochs(session: Session) -> int:
    """Epochs the run touches, counted from 1 (the last may be partial)."""
    micro_batches = session.total_steps * session.config.optim.accumulation_steps
    return max(math.ceil(micro_batches / session.dataset.batches_per_epoch()), 1)


def _progress_bar(console: Console) -> Progress:
    """A bar with ETA for a terminal; disabled elsewhere, where the log lines carry the ETA."""
    return Progress(
        TextColumn("[bold]training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def train(config: TrainConfig, console: Console | None = None) -> TrainResult:
    """Run the configured training to its last step; resumes when `run.resume` says so.

    `TrainResult.last_loss` is the loss of the last logged line (the final step is always logged), so the
    closing message and the log agree.
    """
    console = console or Console()
    session = prepare(config, warn=lambda message: console.print(f"[yellow]warning:[/] {message}", highlight=False))
    env, run, optim = session.env, config.run, config.optim
    output_dir = Path(run.output_dir)
    loggers = None
    epochs = total_epochs(session)
    if env.is_main:
        output_dir.mkdir(parents=True, exist_ok=True)
        loggers = MetricLoggers(run.loggers, output_dir, config.model_dump(mode="json"), run.wandb_project)
        if session.resumed_from is not None:
            console.print(f"resumed from {session.resumed_from} at step {session.step}")
            drop_replayed_lines(output_dir / LOG_FILE, session.step)
        if session.step >= session.total_steps:
            console.print(f"nothing to train: step {session.step} already reaches {session.total_steps} steps")
        effective = config.data.batch_size * optim.accumulation_steps * env.world_size
        console.print(
            f"training {session.total_steps} steps ({epochs} epochs) on {env.world_size} x {env.device.type}, "
            f"effective batch {effective}, precision {'bf16' if session.dtype else 'fp32'}, loss {config.loss.name}, "
            f"output {output_dir}"
        )
        if session.dataset.config.dataset != config.data.dataset:
            console.print(f"images from the training copy {session.dataset.config.dataset}", highlight=False)
        if optim.accumulation_steps > 1:
            console.print(
                f"gradient accumulation: contrastive negatives stay within a micro-batch of "
                f"{config.data.batch_size * env.world_size} images (not gathered across the {optim.accumulation_steps} "
                "micro-batches)"
            )
    batches = session.batches()
    meter, last_loss, checkpoint = Meter(), float("nan"), None
    first_step, started = session.step, time.perf_counter()
    bar = _progress_bar(console) if env.is_main else None
    with bar or contextlib.nullcontext():
        task = bar.add_task("train", total=session.total_steps, completed=session.step, detail="") if bar else None
        while session.step < session.total_steps:
            outcome = session.train_step(batches)
            step = session.step
            meter.steps += 1
            meter.images += outcome.images
            meter.wait += outcome.data_wait
            for name, value in outcome.terms.items():
                meter.terms[name] = meter.terms.get(name, 0.0) + value
            if bar is not None:
                bar.update(task, completed=step, detail=f"epoch {outcome.epoch + 1}/{epochs}")
            if env.is_main and (step % run.log_every == 0 or step == session.total_steps):
                record = _log_line(session, outcome, meter)
                last_loss = record["loss"]
                with (output_dir / LOG_FILE).open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record) + "\n")
                loggers.log(record, step)
                per_step = (time.perf_counter() - started) / (step - first_step)
                console.print(
                    f"step {step}/{session.total_steps} epoch {record['epoch']}/{epochs} loss {record['loss']:.4f} "
                    f"lr {record['lr']:.2e} {record['images_per_s']:.1f} img/s "
                    f"data-wait {100 * record['data_wait_fraction']:.1f}% "
                    f"ETA {format_duration(per_step * (session.total_steps - step))}",
                    highlight=False,
                )
                meter = Meter()
            if step % run.checkpoint_every == 0 or step == session.total_steps:
                if env.is_main:
                    checkpoint = save_checkpoint(
                        output_dir,
                        step,
                        session.model,
                        config,
                        session.training_state(),
                        run.keep_checkpoints,
                        session.training_rows,
                    )
                if env.world_size > 1:
                    dist.barrier()
    batches.close()  # shuts the dataloader workers down now rather than at garbage collection
    if loggers is not None:
        loggers.close()
    if env.world_size > 1:
        dist.destroy_process_group()
    return TrainResult(output_dir, session.step, last_loss, checkpoint)
