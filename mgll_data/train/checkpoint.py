"""Checkpoints: `OUTPUT/checkpoints/step-NNNNNNNN/` with safetensors weights, the config, and training state.

Weights are safetensors so anyone can load them without unpickling; the training state (optimizer,
schedule, step, RNG) is a tensors-only torch file loaded with `weights_only=True`. A checkpoint is written
to a temporary folder and renamed, so a killed run never leaves a half checkpoint that resume would pick.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from mgll_data.errors import MgllError
from mgll_data.train.config import TrainConfig
from mgll_data.train.model import CONFIG_FILE, WEIGHTS_FILE, MGLLModel, find_checkpoint

STATE_FILE = "training_state.pt"


def checkpoint_folder(output_dir: Path | str, step: int) -> Path:
    return Path(output_dir) / "checkpoints" / f"step-{step:08d}"


def save_checkpoint(
    output_dir: Path | str,
    step: int,
    model: MGLLModel,
    config: TrainConfig,
    training_state: dict[str, Any],
    keep: int | None = None,
) -> Path:
    """Write one checkpoint atomically, then drop the oldest beyond `keep`."""
    from safetensors.torch import save_model

    final = checkpoint_folder(output_dir, step)
    temporary = final.with_name(final.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    save_model(model, str(temporary / WEIGHTS_FILE))
    (temporary / CONFIG_FILE).write_text(json.dumps(config.model_dump(mode="json"), indent=2), encoding="utf-8")
    torch.save(training_state, temporary / STATE_FILE)
    shutil.rmtree(final, ignore_errors=True)
    temporary.rename(final)
    if keep is not None:
        for old in sorted(final.parent.glob("step-*[0-9]"))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def resume_folder(resume: str | None, output_dir: Path | str) -> Path | None:
    """The checkpoint to resume from: none, the latest in `output_dir` ('auto', none yet is fine), or a path."""
    if resume is None:
        return None
    if resume == "auto":
        try:
            return find_checkpoint(output_dir)
        except MgllError:
            return None
    return find_checkpoint(resume)


def load_checkpoint(folder: Path, model: MGLLModel, device: torch.device) -> dict[str, Any]:
    """Load weights into `model` and return the training state (optimizer, schedule, step, RNG)."""
    from safetensors.torch import load_model

    try:
        load_model(model, str(folder / WEIGHTS_FILE), device=str(device))
        return torch.load(folder / STATE_FILE, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError) as exc:
        raise MgllError(f"{folder}: checkpoint does not match this config or is damaged ({exc})") from None
