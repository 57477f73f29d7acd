"""Training configs validate like recipes: key-naming errors, relative paths from the config's folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mgll_data.errors import RecipeError
from mgll_data.train.config import load_train_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_demo_recipe_loads_with_paths_relative_to_it():
    config = load_train_config(PROJECT_ROOT / "recipes" / "train-demo.yaml")
    assert config.data.dataset == str(PROJECT_ROOT / "out" / "demo")
    assert config.run.output_dir == str(PROJECT_ROOT / "out" / "train-demo")
    assert config.model.text == "hf:" + str(PROJECT_ROOT / "recipes" / "demo-text-tower")  # ships with the recipes
    assert config.loss.name == "mgll" and config.data.granularities == ["disease_text", "descriptions", "explanations"]


def test_hub_id_stays_a_hub_id_and_local_paths_resolve(tmp_path):
    (tmp_path / "weights").mkdir()
    config = load_train_config(
        _write(
            tmp_path,
            {
                "data": {"dataset": "org/mgll-fundus"},
                "model": {"text": "hf:weights", "vision_pretrained": "./vit.safetensors"},
                "optim": {"epochs": 1},
            },
        )
    )
    assert config.data.dataset == "org/mgll-fundus"
    assert config.model.text == f"hf:{tmp_path / 'weights'}"
    assert config.model.vision_pretrained == str(tmp_path / "vit.safetensors")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"loss": {"name": "siglip"}}, "loss.name: got 'siglip', allowed values: 'clip', 'mgll' or 'mgll_reference'"),
        ({"optim": {"lr": 1e-4}}, "set epochs or max_steps"),
        ({"data": {"dataset": "d", "batchsize": 4}}, "data.batchsize: unknown key (allowed keys: augment, batch_size"),
        ({"data": {"dataset": "d", "text_template": "fundus"}}, "must contain '{}' exactly once"),
        ({"data": {"dataset": "d", "granularities": ["reports"]}}, "data.granularities.0: got 'reports'"),
        ({"data": {"dataset": "d", "granularities": []}}, "expected at least one granularity"),
        ({"model": {"vision": "resnet50"}}, "model.vision: got 'resnet50'"),
        ({"model": {"text": "bert"}}, "expected 'hf:<path or id>', 'open_clip:<name>' or 'tiny'"),
        ({"run": {"precision": "fp16"}}, "run.precision: got 'fp16', allowed values: 'auto', 'bf16' or 'fp32'"),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path, change, expected):
    data = {"data": {"dataset": "d"}, "optim": {"max_steps": 1}}
    data.update(change)
    path = _write(tmp_path, data)
    with pytest.raises(RecipeError) as error:
        load_train_config(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_missing_config_file_is_a_recipe_error(tmp_path):
    with pytest.raises(RecipeError, match="file not found"):
        load_train_config(tmp_path / "absent.yaml")


def test_set_overrides_are_typed_and_validated_like_the_yaml(tmp_path):
    from mgll_data.config_io import apply_overrides

    path = PROJECT_ROOT / "recipes" / "train-demo.yaml"
    config = load_train_config(
        path, ["optim.max_steps=7", "optim.lr=1e-3", "data.granularities=[disease_text]", "run.loggers=[]"]
    )
    assert config.optim.max_steps == 7 and config.optim.lr == 1e-3 and config.data.granularities == ["disease_text"]
    assert config.data.dataset == str(PROJECT_ROOT / "out" / "demo")  # untouched keys stay as the file says
    config = load_train_config(path, [f"data.dataset={tmp_path}", "run.output_dir=../runs/x"])
    assert config.data.dataset == str(tmp_path) and config.run.output_dir == str(PROJECT_ROOT / "runs" / "x")
    assert apply_overrides({"a": {"b": 1}}, ["a.c.d=x"], "f") == {"a": {"b": 1, "c": {"d": "x"}}}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("optim.max_step=3", r"with --set optim.max_step=3 is not valid:\n  - optim.max_step: unknown key .*"
         r"did you mean 'max_steps'\?"),
        ("optim.lr=fast", r"optim.lr: got 'fast': Input should be a valid number"),
        ("loss.name=clap", r"loss.name: got 'clap', allowed values: .*did you mean 'clip'\?"),
        ("optim.lr.x=1", r"--set 'optim.lr.x=1': in .*train-demo.yaml, optim.lr is a value, not a section"),
        ("optim.lr", r"--set 'optim.lr': expected KEY.PATH=VALUE"),
        ("optim..lr=1", r"expected KEY.PATH=VALUE"),
        ("optim.lr=[1", r"--set 'optim.lr=\[1': the value is not valid YAML"),
    ],
)  # fmt: skip
def test_set_override_mistakes_name_the_key(override, expected):
    with pytest.raises(RecipeError, match=expected):
        load_train_config(PROJECT_ROOT / "recipes" / "train-demo.yaml", [override])
