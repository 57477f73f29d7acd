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

Task = Literal["linear_probe", "zero_shot", "retrieval", "fine_tune"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProbeConfig(_Section):
    """Logistic regression per label on L2-normalised, standardised frozen features."""

    C: float = Field(1.0, gt=0.0, description="inverse L2 regularisation strength")
    max_iter: int = Field(1000, ge=10)


class FineTuneConfig(_Section):
    """Full fine-tune: vision tower unfrozen plus a linear head, BCE over the labels, on one training fraction."""

    epochs: int = Field(3, ge=1)
    lr: float = Field(1e-5, gt=0.0, description="vision tower learning rate")
    head_lr: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(1e-3, ge=0.0)
    fraction: float = Field(1.0, gt=0.0, le=1.0, description="patient fraction of the training split to use")
    batch_size: int = Field(32, ge=2)


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
    tasks: list[Task] = Field(default_factory=lambda: ["linear_probe", "zero_shot", "retrieval"])
    fractions: list[float] = Field(default_factory=lambda: [0.01, 0.1, 1.0])
    granularities: list[Literal["disease_text", "descriptions", "explanations"]] = Field(
        default_factory=lambda: ["disease_text", "descriptions", "explanations"]
    )
    seed: int = 0
    output_dir: str = "runs/eval"
    batch_size: int = Field(64, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    probe: ProbeConfig = Field(default_factory=ProbeConfig)
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
