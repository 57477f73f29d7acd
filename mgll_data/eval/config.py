"""The evaluation configuration (`mgll-data eval CONFIG`): one YAML file, validated like a recipe.

Local paths (checkpoint, dataset, output_dir) are taken relative to the config file's folder, as in the
training config, so a run never depends on the working directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mgll_data.config_io import load_config
from mgll_data.train.config import resolve_path

Task = Literal["linear_probe", "linear_head", "zero_shot", "retrieval", "fine_tune"]
FIT_TASKS = ("linear_probe", "linear_head", "fine_tune")  # tasks that learn from train_split


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProbeConfig(_Section):
    """Logistic regression per label on L2-normalised, standardised frozen features (our quick probe; the
    paper's probe is `linear_head`)."""

    C: float = Field(1.0, gt=0.0, description="inverse L2 regularisation strength")
    max_iter: int = Field(1000, ge=10)


class LinearHeadConfig(_Section):
    """The MGLL paper's linear probe: a linear layer on frozen, L2-normalised image embeddings, trained with
    AdamW and BCE; defaults are the paper's (50 epochs, lr 1.25e-4, weight decay 1e-3, batch 32)."""

    epochs: int = Field(50, ge=1)
    lr: float = Field(1.25e-4, gt=0.0)
    weight_decay: float = Field(1e-3, ge=0.0)
    batch_size: int = Field(32, ge=1)


class FineTuneConfig(_Section):
    """Full fine-tune: vision tower unfrozen plus a linear head, BCE over the labels, on one training fraction.

    Defaults are the MGLL paper's: 50 epochs, lr 1.25e-4, weight decay 1e-3, batch 32, the epoch with the
    best validation AUC (macro) kept for the test."""

    epochs: int = Field(50, ge=1)
    lr: float = Field(1.25e-4, gt=0.0, description="vision tower learning rate")
    head_lr: float = Field(1.25e-4, gt=0.0)
    weight_decay: float = Field(1e-3, ge=0.0)
    fraction: float = Field(1.0, gt=0.0, le=1.0, description="patient fraction of the training split to use")
    batch_size: int = Field(32, ge=2)
    select: Literal["best_validation", "last"] = Field(
        "best_validation", description="weights tested: the epoch with the best validation AUC, or the last epoch"
    )
    validation_split: str = Field("validation", description="split that selects the epoch (select: best_validation)")


class EvalConfig(_Section):
    checkpoint: str = Field(description="a checkpoint written by `mgll-data train` (relative to this file)")
    dataset: str | None = Field(None, description="built folder or Hub id; null: the dataset the model was trained on")
    train_split: str = "train"
    test_split: str = "test"
    labels: list[str] | Literal["auto"] = Field(
        "auto", description="class ids, or auto: every label with at least min_positives in the test split"
    )
    min_positives: int = Field(5, ge=1, description="for labels: auto")
    class_texts: Literal["ontology", "synthetic"] = Field(
        "ontology", description="zero-shot prompts: the ontology, or the synthetic benchmark's vocabulary"
    )
    zero_shot_prompts: Literal["held_out", "training_template"] = Field(
        "held_out",
        description="held_out: level-1 prompts from templates never used in training (eval/zero_shot_prompts.yaml) "
        "and, at every level, prompts identical to a training caption dropped; training_template: the training "
        "template and every class text as is (measures recall of captions seen in training)",
    )
    tasks: list[Task] = Field(default_factory=lambda: ["linear_probe", "linear_head", "zero_shot", "retrieval"])
    fractions: list[float] = Field(default_factory=lambda: [0.01, 0.1, 1.0])
    granularities: list[Literal["disease_text", "descriptions", "explanations"]] = Field(
        default_factory=lambda: ["disease_text", "descriptions", "explanations"]
    )
    seed: int = 0
    output_dir: str = "runs/eval"
    batch_size: int = Field(64, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    num_workers: int = Field(4, ge=0, description="DataLoader workers decoding images, as in training")
    precision: Literal["auto", "bf16", "fp32"] = Field("auto", description="auto: bf16 autocast on GPU, fp32 on CPU")
    probe: ProbeConfig = Field(default_factory=ProbeConfig)
    linear_head: LinearHeadConfig = Field(default_factory=LinearHeadConfig)
    fine_tune: FineTuneConfig = Field(default_factory=FineTuneConfig)

    @field_validator("tasks", "granularities")
    @classmethod
    def _non_empty_unique(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("expected at least one entry")
        if len(set(value)) != len(value):
            raise ValueError("entries must not repeat")
        return value

    @field_validator("fractions")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if not value or any(not 0.0 < f <= 1.0 for f in value):
            raise ValueError("expected one or more fractions in (0, 1]")
        if len(set(value)) != len(value):
            raise ValueError("fractions must not repeat")
        return sorted(value)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list) and (not value or len(set(value)) != len(value)):
            raise ValueError("expected a non-empty list of distinct class ids, or 'auto'")
        return value


def load_eval_config(path: Path | str, overrides: Sequence[str] = ()) -> EvalConfig:
    """Read and validate an eval config (with --set `overrides`); relative local paths become absolute against
    the file's folder."""
    path = Path(path)
    config = load_config(path, EvalConfig, overrides)
    base = path.resolve().parent
    # checkpoint and output_dir are always local; only the dataset may also be a Hub id
    updates = {
        key: str((base / Path(getattr(config, key)).expanduser()).resolve()) for key in ("checkpoint", "output_dir")
    }
    if config.dataset is not None:
        updates["dataset"] = resolve_path(config.dataset, base)
    return config.model_copy(update=updates)
