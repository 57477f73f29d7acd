"""Checkpoints: `OUTPUT/checkpoints/step-NNNNNNNN/` with safetensors weights, the config, and training state.

Weights are safetensors so anyone can load them without unpickling; the training state (optimizer,
schedule, step, RNG) is a tensors-only torch file loaded with `weights_only=True`. A checkpoint is written
to a temporary folder (`step-N.tmp`, never read) and renamed, so a killed run never leaves a half checkpoint
that resume would pick; a newest checkpoint damaged later (a truncated copy) is skipped with a warning.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.train.config import TrainConfig
from mgll_data.train.model import CONFIG_FILE, WEIGHTS_FILE, MGLLModel, checkpoint_candidates

STATE_FILE = "training_state.pt"
ROWS_FILE = "training_rows.npy"  # sorted 64-bit hashes of the ids of every row the run trains on (eval checks them)


def checkpoint_folder(output_dir: Path | str, step: int) -> Path:
    return Path(output_dir) / "checkpoints" / f"step-{step:08d}"


def save_checkpoint(
    output_dir: Path | str,
    step: int,
    model: MGLLModel,
    config: TrainConfig,
    training_state: JsonObject,
    keep: int | None = None,
    training_rows: np.ndarray | None = None,
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
    if training_rows is not None:
        np.save(temporary / ROWS_FILE, training_rows)
    shutil.rmtree(final, ignore_errors=True)
    temporary.rename(final)
    if keep is not None:
        for old in sorted(final.parent.glob("step-*[0-9]"))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def resume_candidates(resume: str | None, output_dir: Path | str) -> list[Path]:
    """Checkpoints to resume from, newest first: none, those in `output_dir` ('auto', none yet is fine), or a path."""
    if resume is None:
        return []
    if resume == "auto":
        try:
            return checkpoint_candidates(output_dir)
        except MgllError:
            return []
    return checkpoint_candidates(resume)


def load_checkpoint(folder: Path, model: MGLLModel, device: torch.device) -> JsonObject:
    """Load weights into `model` and return the training state (optimizer, schedule, step, RNG)."""
    from safetensors.torch import load_model

    try:
        load_model(model, str(folder / WEIGHTS_FILE), device=str(device))
        return torch.load(folder / STATE_FILE, map_location="cpu", weights_only=True)
    except Exception as exc:  # safetensors and torch raise their own types for a truncated or mismatched file
        raise MgllError(f"{folder}: checkpoint does not match this config or is damaged ({exc})") from None


def training_rows(folder: Path) -> np.ndarray | None:
    """The id hashes a checkpoint was trained on (`row_id_hashes`), or None for a checkpoint that predates them."""
    path = Path(folder) / ROWS_FILE
    if not path.is_file():
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise MgllError(f"{path}: unreadable training-row record ({exc})") from None
