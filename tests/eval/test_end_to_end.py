"""The issue's done-when: `mgll-data train` then `mgll-data eval` end to end on CPU with a tiny model."""

from __future__ import annotations

import json
import math

import yaml
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.demo.shapes_tree import shape_rules
from mgll_data.eval.synthetic import write_synthetic_dataset

TRAIN_CONFIG = {
    "data": {"dataset": "dataset", "image_size": 32, "batch_size": 8, "num_workers": 0},
    "model": {"vision": "timm:test_convnext", "text": "tiny", "embed_dim": 16, "max_text_length": 32},
    "loss": {"name": "mgll"},
    "optim": {"max_steps": 3, "lr": 1.0e-3},
    "run": {"output_dir": "run", "seed": 0, "log_every": 1},
}
EVAL_CONFIG = {
    "checkpoint": "run",
    "labels": "auto",
    "min_positives": 2,
    "class_texts": "synthetic",
    "tasks": ["linear_probe", "zero_shot", "retrieval", "fine_tune"],
    "fractions": [0.1, 1.0],
    "output_dir": "eval",
    "batch_size": 16,
    "device": "cpu",
    "fine_tune": {"epochs": 1, "batch_size": 8},
}


def _finite_numbers(node) -> list[float]:
    if isinstance(node, dict):
        return [x for value in node.values() for x in _finite_numbers(value)]
    if isinstance(node, list):
        return [x for value in node for x in _finite_numbers(value)]
    return [node] if isinstance(node, float) else []


def test_train_then_eval_on_cpu(tmp_path):
    write_synthetic_dataset(tmp_path / "dataset", {"train": 40, "test": 24}, image_size=32, seed=1)
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(TRAIN_CONFIG), encoding="utf-8")
    (tmp_path / "eval.yaml").write_text(yaml.safe_dump(EVAL_CONFIG), encoding="utf-8")
    runner = CliRunner()
    trained = runner.invoke(app, ["train", str(tmp_path / "train.yaml")])
    assert trained.exit_code == 0, trained.output
    evaluated = runner.invoke(app, ["eval", str(tmp_path / "eval.yaml")])
    assert evaluated.exit_code == 0, evaluated.output
    assert "## Linear probe" in evaluated.output

    results = json.loads((tmp_path / "eval" / "results.json").read_text(encoding="utf-8"))
    assert (tmp_path / "eval" / "results.md").read_text(encoding="utf-8").startswith("# Evaluation of")
    assert set(results["labels"]) <= set(shape_rules().ids) and results["labels"]
    assert results["n_test"] == 24 and results["n_train"] == 40
    assert list(results["linear_probe"]) == ["0.1", "1"]
    assert results["linear_probe"]["1"]["n_images"] == 40
    assert results["linear_probe"]["0.1"]["n_patients"] == 2  # 10% of 20 patients (two images each)
    assert results["fine_tune"]["n_images"] == 40 and results["fine_tune"]["steps"] == 5  # 40 images / batch 8
    assert set(results["zero_shot"]) == {"disease_text", "descriptions", "explanations"}
    assert set(results["retrieval"]["descriptions"]) >= {"i2t_R@1", "i2t_R@5", "i2t_R@10", "t2i_R@1", "t2i_R@10"}
    for task in ("fine_tune", *(f"zero_shot/{g}" for g in results["zero_shot"]), "linear_probe/1"):
        node = results
        for key in task.split("/"):
            node = node[key]
        assert 0.0 <= node["auc_macro"] <= 1.0 and 0.0 <= node["map"] <= 1.0, task
        assert set(node["auc_per_class"]) == set(results["labels"]) - set(node.get("classes_without_text", []))
    numbers = _finite_numbers(results)
    assert numbers and all(math.isfinite(x) for x in numbers)
