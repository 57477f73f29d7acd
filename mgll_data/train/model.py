"""The MGLL dual encoder: a vision tower and a text tower projected to one shared space, one logit scale.

Embeddings leave the model unnormalised because the public code's arithmetic (`mgll_reference`) uses them
that way; the paper and CLIP losses, and evaluation, normalise where they need to.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch
from PIL import Image
from torch import nn

from mgll_data.errors import MgllError
from mgll_data.train.config import ModelConfig, TrainConfig, train_config_from_dict
from mgll_data.train.towers import text_tower, vision_tower


class MGLLModel(nn.Module):
    """`encode_image` takes uint8 or [0, 1] float images [B, 3, S, S]; `encode_text` takes strings."""

    def __init__(self, config: ModelConfig, image_size: int, init_temperature: float = 0.07):
        super().__init__()
        self.config = config
        self.image_size = image_size
        vision = vision_tower(config.vision, config.vision_pretrained, image_size)
        self.vision = vision.module
        self.text = text_tower(
            config.text, config.text_pretrained, config.max_text_length, config.text_pooling, image_size
        )
        self.image_projection = nn.Linear(vision.width, config.embed_dim, bias=False)
        self.text_projection = nn.Linear(self.text.width, config.embed_dim, bias=False)
        nn.init.normal_(self.image_projection.weight, std=vision.width**-0.5)
        nn.init.normal_(self.text_projection.weight, std=self.text.width**-0.5)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))
        self.register_buffer("image_mean", torch.tensor(vision.mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("image_std", torch.tensor(vision.std).view(1, 3, 1, 1), persistent=False)

    @property
    def device(self) -> torch.device:
        return self.logit_scale.device

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """Projected image embeddings [B, D] (not normalised)."""
        images = images.to(self.device, non_blocking=True)
        pixels = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
        return self.image_projection(self.vision((pixels - self.image_mean) / self.image_std))

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """Projected text embeddings [B, D] (not normalised); tokenises on CPU, encodes on the model's device."""
        return self.encode_tokens(self.text.tokenize(list(texts)))

    def encode_tokens(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        """Projected embeddings of already tokenised texts (the training data tokenises in its workers)."""
        tokens = {k: v.to(self.device, non_blocking=True) for k, v in tokens.items()}
        return self.text_projection(self.text(tokens))

    def forward(self, images: torch.Tensor, tokens: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Image embeddings and text embeddings in one call, the form DDP and torch.compile wrap."""
        return self.encode_image(images), self.encode_tokens(tokens)


def build_model(config: TrainConfig, pretrained: bool = True) -> MGLLModel:
    """The model a config describes; `pretrained=False` ignores weight sources (the caller loads a checkpoint)."""
    model_config = config.model
    if not pretrained:
        model_config = model_config.model_copy(update={"vision_pretrained": None, "text_pretrained": None})
    return MGLLModel(model_config, config.data.image_size, config.loss.init_temperature)


CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
T = TypeVar("T")


CHECKPOINT_NAME = re.compile(r"step-\d+")  # a finished checkpoint; `step-N.tmp` is one being written


def checkpoint_candidates(path: Path | str) -> list[Path]:
    """Checkpoint folders `path` names, newest first: itself (or its weights file's folder), or a run folder's
    finished `checkpoints/step-N` folders holding weights and config (`.tmp` folders are never read)."""
    path = Path(path)
    if path.is_file() and path.name == WEIGHTS_FILE:
        path = path.parent
    if (path / WEIGHTS_FILE).is_file() and (path / CONFIG_FILE).is_file():
        return [path]
    folders = sorted((path / "checkpoints").glob("step-*")) if path.is_dir() else []
    complete = [
        c
        for c in folders
        if CHECKPOINT_NAME.fullmatch(c.name) and (c / WEIGHTS_FILE).is_file() and (c / CONFIG_FILE).is_file()
    ]
    if not complete:
        raise MgllError(
            f"{path}: no checkpoint found (expected a folder with {WEIGHTS_FILE} and {CONFIG_FILE}, "
            "or a run output_dir with checkpoints/step-NNNNNNNN/)"
        )
    return complete[::-1]


def find_checkpoint(path: Path | str) -> Path:
    """A checkpoint folder from itself, its weights file, or a run folder (then the latest checkpoint)."""
    return checkpoint_candidates(path)[0]


def first_intact(candidates: list[Path], load: Callable[[Path], T], warn: Callable[[str], None]) -> tuple[Path, T]:
    """`load` the newest candidate that loads; a damaged one (a crash mid-copy, a full disk) is skipped with a
    warning naming it, so one bad folder never blocks a run while an older intact checkpoint exists."""
    for position, folder in enumerate(candidates):
        try:
            return folder, load(folder)
        except MgllError as exc:
            if position == len(candidates) - 1:
                raise
            warn(f"{exc}; falling back to {candidates[position + 1]}")
    raise MgllError("no checkpoint candidates given")


def _read_checkpoint(folder: Path, map_location: str | torch.device) -> tuple[MGLLModel, TrainConfig]:
    from safetensors.torch import load_model

    config_file = folder / CONFIG_FILE
    try:
        stored = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MgllError(f"{config_file}: unreadable checkpoint config ({exc})") from None
    config = train_config_from_dict(stored, str(config_file))
    model = build_model(config, pretrained=False)
    try:
        load_model(model, str(folder / WEIGHTS_FILE), device=str(map_location))
    except Exception as exc:  # safetensors and torch raise their own types for a truncated or mismatched file
        raise MgllError(
            f"{folder / WEIGHTS_FILE}: weights do not match the stored config or are damaged ({exc})"
        ) from None
    return model.eval(), config


def load_checkpoint_folder(
    path: Path | str, map_location: str | torch.device = "cpu", warn: Callable[[str], None] | None = None
) -> tuple[Path, MGLLModel, TrainConfig]:
    """The checkpoint folder actually loaded, its model (eval mode) and stored config.

    Given a run folder, a damaged newest checkpoint falls back to the previous one with a warning."""
    candidates = checkpoint_candidates(path)
    folder, (model, config) = first_intact(
        candidates, lambda folder: _read_checkpoint(folder, map_location), warn or _warn
    )
    return folder, model, config


def load_model_from_checkpoint(
    path: Path | str, map_location: str | torch.device = "cpu", warn: Callable[[str], None] | None = None
) -> tuple[MGLLModel, TrainConfig]:
    """Rebuild the model from a checkpoint's stored config and load its weights; returned in eval mode."""
    _, model, config = load_checkpoint_folder(path, map_location, warn)
    return model, config


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def load_model(
    path: Path | str, device: str | torch.device = "cpu"
) -> tuple[MGLLModel, Callable[[Image.Image], torch.Tensor], Callable[[list[str]], dict[str, torch.Tensor]]]:
    """A checkpoint (or a run folder's latest) as `(model, preprocess, tokenize)`, like open_clip's loader.

    `preprocess` turns a PIL image of any mode into the uint8 [3, S, S] tensor `model.encode_image` takes
    (stack them for a batch); `tokenize` turns strings into the inputs of `model.encode_tokens`.
    """
    from mgll_data.train.data import eval_transform

    model, config = load_model_from_checkpoint(path, device)
    transform = eval_transform(config.data.image_size)

    def preprocess(image: Image.Image) -> torch.Tensor:
        return transform(image.convert("RGB"))

    return model, preprocess, model.text.tokenize
