"""The GPU paths on a GPU (bench/gpu_check.sh runs this file there); each has a CPU twin elsewhere in the suite."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mgll_data.eval.features import extract_split
from mgll_data.train.config import train_config_from_dict
from mgll_data.train.model import load_model_from_checkpoint
from mgll_data.train.trainer import LOG_FILE, train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (bench/gpu_check.sh)")


def _losses(run) -> dict[int, float]:
    return {r["step"]: r["loss"] for r in map(json.loads, (run / LOG_FILE).read_text().splitlines())}


def test_bf16_resume_on_the_device_is_exact_in_deterministic_mode(tiny_dataset, tiny_config, tmp_path):
    common = {"optim": {"max_steps": 4, "warmup_steps": 1}}
    run = {"checkpoint_every": 3, "precision": "bf16", "deterministic": True}
    whole = tiny_config(tiny_dataset, tmp_path / "whole", run=run, **common)
    train(train_config_from_dict(whole, "whole"))
    checkpoint = str(tmp_path / "whole" / "checkpoints" / "step-00000003")
    resumed = tiny_config(tiny_dataset, tmp_path / "resumed", run={**run, "resume": checkpoint}, **common)
    train(train_config_from_dict(resumed, "resumed"))
    assert _losses(tmp_path / "resumed")[4] == _losses(tmp_path / "whole")[4]
    torch.use_deterministic_algorithms(False)


def test_eval_embeddings_on_the_device_match_the_cpu(tiny_dataset, tiny_config, tmp_path):
    train(train_config_from_dict(tiny_config(tiny_dataset, tmp_path / "run"), "run"))
    model, _ = load_model_from_checkpoint(tmp_path / "run")
    cpu = extract_split(model, str(tiny_dataset), "test", 4, lambda r: "", torch.device("cpu"))
    gpu = extract_split(
        model.cuda(), str(tiny_dataset), "test", 4, lambda r: "", torch.device("cuda"), 1, torch.bfloat16
    )
    assert gpu.ids == cpu.ids
    cosine = (gpu.embeddings * cpu.embeddings).sum(axis=1)
    assert np.all(cosine > 0.99)
