"""The training configuration: one YAML file, validated like a recipe, paths relative to the file.

Why one pydantic model: `mgll-data train` and `mgll-data eval` read the same sections, a checkpoint stores
the resolved config so a model can be rebuilt from it alone, and every mistake ends as a `RecipeError`
naming the key (see `mgll_data.config_io`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mgll_data.config_io import load_config, parse_config

Granularity = Literal["disease_text", "descriptions", "explanations"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AugmentConfig(_Section):
    """Train-time augmentation; defaults follow the public MGLL recipe (flip, jitter 0.1, crop scale 0.9-1)."""

    crop_scale: tuple[float, float] = (0.9, 1.0)
    hflip: float = Field(0.5, ge=0.0, le=1.0)
    color_jitter: float = Field(0.1, ge=0.0)

    @field_validator("crop_scale")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0.0 < low <= high <= 1.0:
            raise ValueError("expected 0 < low <= high <= 1")
        return value


class TrainingCopyConfig(_Section):
    """The training-ready copy of the split (mgll_data/train/training_copy.py): JPEG at the training scale."""

    size: int | None = Field(
        None, ge=16, description="short side in pixels; null: image_size * 8 / 7 rounded up (256 for 224)"
    )
    quality: int = Field(95, ge=50, le=100, description="JPEG quality")


class DataConfig(_Section):
    dataset: str = Field(description="built folder (relative to the config file) or a Hub dataset id")
    split: str = "train"
    image_size: int = Field(224, ge=16)
    text_template: str | dict[str, str] = Field(
        "{}",
        description="applied to disease_text; one string with '{}' or a mapping modality -> string",
    )
    granularities: list[Granularity] = Field(default_factory=lambda: ["disease_text", "descriptions", "explanations"])
    num_workers: int = Field(4, ge=0)
    training_copy: TrainingCopyConfig | None = Field(
        default_factory=TrainingCopyConfig,
        description="train from a JPEG copy of the split at the training scale (written once beside the build, "
        "reused while the build is unchanged); null reads the build's own images (PNG: about 3x the CPU per image)",
    )
    cache_bytes: int = Field(
        1 << 30,
        ge=1,
        description="decoded row groups one worker keeps, in bytes (Arrow memory); the default fits 16 workers "
        "on a 128 GB host with room to spare. One row group is always kept, even when larger",
    )
    batch_size: int = Field(32, ge=2)
    augment: AugmentConfig = Field(default_factory=AugmentConfig)

    @field_validator("granularities")
    @classmethod
    def _granularities(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("expected at least one granularity")
        if len(set(value)) != len(value):
            raise ValueError("granularities must not repeat")
        return value

    @field_validator("text_template")
    @classmethod
    def _template(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        for template in [value] if isinstance(value, str) else value.values():
            if template.count("{}") != 1:
                raise ValueError(f"template {template!r} must contain '{{}}' exactly once")
        return value


class ModelConfig(_Section):
    vision: str = Field("timm:vit_base_patch16_224", description="'timm:<name>' or 'open_clip:<name>'")
    vision_pretrained: str | None = Field(
        None, description="null (random init), 'default' (the library's weights), a local file or a hub id / tag"
    )
    text: str = Field("tiny", description="'hf:<path or id>', 'open_clip:<name>' or 'tiny'")
    text_pretrained: str | None = Field(
        None, description="null (random init), 'default' (weights of the named model), a local path or hub id / tag"
    )
    text_pooling: Literal["cls", "mean"] = "mean"
    embed_dim: int = Field(512, ge=1)
    max_text_length: int = Field(77, ge=4)

    @field_validator("vision")
    @classmethod
    def _vision(cls, value: str) -> str:
        if not value.startswith(("timm:", "open_clip:")) or not value.split(":", 1)[1]:
            raise ValueError("expected 'timm:<name>' or 'open_clip:<name>'")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if value != "tiny" and (not value.startswith(("hf:", "open_clip:")) or not value.split(":", 1)[1]):
            raise ValueError("expected 'hf:<path or id>', 'open_clip:<name>' or 'tiny'")
        return value


class LossConfig(_Section):
    """Loss choice and weights. The paper's lambdas are not public; 1/1/1 is our documented default."""

    name: Literal["clip", "mgll", "mgll_reference"] = "mgll"
    lambda1: float = Field(1.0, ge=0.0, description="soft CLIP term")
    lambda2: float = Field(1.0, ge=0.0, description="point-wise BCE term")
    lambda3: float = Field(1.0, ge=0.0, description="smooth KL term across granularities")
    init_temperature: float = Field(0.07, gt=0.0)


class OptimConfig(_Section):
    lr: float = Field(1e-4, gt=0.0)
    weight_decay: float = Field(1e-4, ge=0.0)
    betas: tuple[float, float] = (0.9, 0.95)
    warmup_steps: int = Field(0, ge=0)
    min_lr_ratio: float = Field(0.0, ge=0.0, le=1.0, description="cosine floor as a fraction of lr")
    epochs: int | None = Field(None, ge=1)
    max_steps: int | None = Field(None, ge=1, description="optimizer steps; wins over epochs when both are set")
    grad_clip: float | None = Field(1.0, gt=0.0)
    accumulation_steps: int = Field(
        1,
        ge=1,
        description="micro-batches per optimizer step; contrastive negatives stay within each micro-batch "
        "(embeddings are not gathered across micro-batches)",
    )

    @model_validator(mode="after")
    def _length(self) -> OptimConfig:
        if self.epochs is None and self.max_steps is None:
            raise ValueError("set epochs or max_steps")
        return self


class RunConfig(_Section):
    output_dir: str = "runs/mgll"
    seed: int = 0
    precision: Literal["auto", "bf16", "fp32"] = Field("auto", description="auto: bf16 on GPU, fp32 on CPU")
    compile: bool = False
    deterministic: bool = Field(
        False, description="GPU: TF32 off and deterministic kernels, so reruns match bit for bit (slower)"
    )
    log_every: int = Field(10, ge=1)
    checkpoint_every: int = Field(1000, ge=1, description="optimizer steps; a final checkpoint is always written")
    resume: str | None = Field(None, description="null, 'auto' (latest in output_dir) or a checkpoint path")
    keep_checkpoints: int | None = Field(3, ge=1, description="newest checkpoints kept; null keeps all")
    loggers: list[Literal["tensorboard", "wandb"]] = Field(
        default_factory=list, description="metric sinks besides train_log.jsonl: tensorboard, wandb (if installed)"
    )
    wandb_project: str = Field("mgll", description="W&B project when loggers includes wandb")


class TrainConfig(_Section):
    data: DataConfig
    model: ModelConfig = Field(default_factory=ModelConfig)
    loss: LossConfig = Field(default_factory=LossConfig)
    optim: OptimConfig
    run: RunConfig = Field(default_factory=RunConfig)


def is_hub_id(value: str) -> bool:
    """'org/name' with no local meaning: two parts, no leading dot or slash."""
    parts = value.split("/")
    return len(parts) == 2 and all(parts) and not value.startswith((".", "~"))


def resolve_path(value: str, base: Path) -> str:
    """A relative local path becomes absolute against the config's folder; hub ids and absolute paths stay."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    candidate = (base / path).resolve()
    if candidate.exists() or not is_hub_id(value):
        return str(candidate)
    return value


def resolve_paths(config: TrainConfig, base: Path) -> TrainConfig:
    """Make every local path in the config absolute, so runs do not depend on the working directory."""
    data = config.data.model_copy(update={"dataset": resolve_path(config.data.dataset, base)})
    model = config.model
    updates = {}
    for key in ("vision_pretrained", "text_pretrained"):
        value = getattr(model, key)
        if value and value != "default" and (value.startswith(".") or (base / value).exists()):
            updates[key] = resolve_path(value, base)
    if model.text.startswith("hf:"):
        name = model.text[3:]
        if name.startswith(".") or (base / name).exists():
            updates["text"] = "hf:" + resolve_path(name, base)
    run = config.run.model_copy(update={"output_dir": resolve_path(config.run.output_dir, base)})
    if run.resume not in (None, "auto"):
        run = run.model_copy(update={"resume": resolve_path(run.resume, base)})
    return config.model_copy(update={"data": data, "model": model.model_copy(update=updates), "run": run})


def load_train_config(path: Path | str, overrides: Sequence[str] = ()) -> TrainConfig:
    """Read and validate a training config (with --set `overrides`); relative paths are taken from the config
    file's folder."""
    path = Path(path)
    return resolve_paths(load_config(path, TrainConfig, overrides), path.resolve().parent)


def train_config_from_dict(data: dict, origin: str, base: Path | None = None) -> TrainConfig:
    """Validate a config given as a mapping (a checkpoint's stored copy, or a test), same messages as a file."""
    config = parse_config(data, TrainConfig, origin)
    return resolve_paths(config, base) if base is not None else config
