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
    "tasks": ["linear_probe", "linear_head", "zero_shot", "retrieval", "fine_tune"],
    "fractions": [0.1, 1.0],
    "output_dir": "eval",
    "batch_size": 16,
    "device": "cpu",
    "num_workers": 1,
    "linear_head": {"epochs": 3},
    "fine_tune": {"epochs": 2, "batch_size": 8},
}


def _finite_numbers(node) -> list[float]:
    if isinstance(node, dict):
        return [x for value in node.values() for x in _finite_numbers(value)]
    if isinstance(node, list):
        return [x for value in node for x in _finite_numbers(value)]
    return [node] if isinstance(node, float) else []


def _train(tmp_path, split: str = "train"):
    write_synthetic_dataset(tmp_path / "dataset", {"train": 40, "validation": 16, "test": 24}, image_size=32, seed=1)
    config = {**TRAIN_CONFIG, "data": {**TRAIN_CONFIG["data"], "split": split}}
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    trained = CliRunner().invoke(app, ["train", str(tmp_path / "train.yaml")])
    assert trained.exit_code == 0, trained.output


def test_train_then_eval_on_cpu(tmp_path):
    _train(tmp_path)
    (tmp_path / "eval.yaml").write_text(yaml.safe_dump(EVAL_CONFIG), encoding="utf-8")
    evaluated = CliRunner().invoke(app, ["eval", str(tmp_path / "eval.yaml")])
    assert evaluated.exit_code == 0, evaluated.output
    assert "### Logistic probe" in evaluated.output and "### Linear head" in evaluated.output

    results = json.loads((tmp_path / "eval" / "results.json").read_text(encoding="utf-8"))
    assert (tmp_path / "eval" / "results.md").read_text(encoding="utf-8").startswith("# Evaluation of")
    assert results["leakage"] == {"training_rows_recorded": True, "test_rows_in_training": 0}
    assert list(results["modalities"]) == ["synthetic"]
    block = results["modalities"]["synthetic"]
    assert set(block["labels"]) <= set(shape_rules().ids) and block["labels"]
    assert results["n_test"] == block["n_test"] == 24 and results["n_train"] == block["n_train"] == 40
    for probe in ("linear_probe", "linear_head"):
        assert list(block[probe]) == ["0.1", "1"]
        assert block[probe]["1"]["n_images"] == 40
        assert block[probe]["0.1"]["n_patients"] == 2  # 10% of 20 patients (two images each)
    assert block["linear_head"]["1"]["epochs"] == 3
    tuned = block["fine_tune"]
    assert tuned["n_images"] == 40 and tuned["steps"] == 10  # 40 images / batch 8, two epochs
    assert tuned["select"] == "best_validation" and len(tuned["validation_auc_macro"]) == 2
    assert tuned["selected_epoch"] == 1 + tuned["validation_auc_macro"].index(max(tuned["validation_auc_macro"]))
    assert set(block["zero_shot"]) == {"disease_text", "descriptions", "explanations"}
    assert set(block["retrieval"]["descriptions"]) >= {"i2t_R@1", "i2t_R@5", "i2t_R@10", "t2i_R@1", "t2i_R@10"}
    for task in ("fine_tune", "linear_probe/1", "linear_head/1"):
        node = block
        for key in task.split("/"):
            node = node[key]
        assert 0.0 <= node["auc_macro"] <= 1.0 and 0.0 <= node["map"] <= 1.0, task
        assert node["f1_macro"] is not None and 0.0 <= node["f1_macro"] <= 1.0, task
        assert set(node["auc_per_class"]) == set(block["labels"])
    for granularity, node in block["zero_shot"].items():  # held-out prompts: no training caption scores a class
        assert set(node["auc_per_class"]) == set(block["labels"]) - set(node["classes_without_text"]), granularity
    assert block["zero_shot"]["descriptions"]["prompts_dropped_as_training_captions"] > 0
    numbers = _finite_numbers(results)
    assert numbers and all(math.isfinite(x) for x in numbers)


def test_eval_refuses_to_fit_on_the_test_split(tmp_path):
    config = {**EVAL_CONFIG, "train_split": "test", "tasks": ["linear_probe"]}
    (tmp_path / "eval.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    refused = CliRunner().invoke(app, ["eval", str(tmp_path / "eval.yaml")])
    assert refused.exit_code != 0
    assert "train_split and test_split are both 'test'" in str(refused.exception)


def test_eval_refuses_a_test_split_the_checkpoint_trained_on(tmp_path):
    _train(tmp_path, split="test")
    config = {**EVAL_CONFIG, "tasks": ["zero_shot"]}
    (tmp_path / "eval.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    refused = CliRunner().invoke(app, ["eval", str(tmp_path / "eval.yaml")])
    assert refused.exit_code != 0
    assert "the checkpoint was trained on 24 of the 24 rows of test split 'test'" in str(refused.exception)


def test_each_modality_is_evaluated_on_its_own_rows_and_labels(tmp_path):
    import pyarrow.parquet as pq

    _train(tmp_path)
    for shard in (tmp_path / "dataset" / "data").glob("*.parquet"):  # every other row becomes a chest X-ray
        table = pq.read_table(shard)
        modality = ["cxr" if k % 2 else "fundus" for k in range(table.num_rows)]
        pq.write_table(table.set_column(table.schema.get_field_index("modality"), "modality", [modality]), shard)
    config = {**EVAL_CONFIG, "tasks": ["linear_probe", "zero_shot"], "min_positives": 1}
    (tmp_path / "eval.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    evaluated = CliRunner().invoke(app, ["eval", str(tmp_path / "eval.yaml")])
    assert evaluated.exit_code == 0, evaluated.output
    results = json.loads((tmp_path / "eval" / "results.json").read_text(encoding="utf-8"))
    fundus, cxr = results["modalities"]["fundus"], results["modalities"]["cxr"]
    assert fundus["n_test"] == cxr["n_test"] == 12 and fundus["n_train"] == cxr["n_train"] == 20
    assert fundus["linear_probe"]["1"]["n_images"] == 20
    assert "## fundus: 12 test images" in evaluated.output and "## cxr: 12 test images" in evaluated.output


def test_eval_refuses_to_select_the_fine_tune_epoch_on_the_test_split(tmp_path):
    config = {**EVAL_CONFIG, "tasks": ["fine_tune"], "fine_tune": {"validation_split": "test"}}
    (tmp_path / "eval.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    refused = CliRunner().invoke(app, ["eval", str(tmp_path / "eval.yaml")])
    assert refused.exit_code != 0 and "the epoch would be chosen on the test rows" in str(refused.exception)
