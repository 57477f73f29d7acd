"""The loop: exact resume, optimizer groups, schedule, the `mgll-data train` command, and DDP under torchrun."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from mgll_data import cli
from mgll_data.train.config import OptimConfig, train_config_from_dict
from mgll_data.train.model import build_model, load_model_from_checkpoint
from mgll_data.train.trainer import LOG_FILE, parameter_groups, train, warmup_cosine


def _log(output_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (output_dir / LOG_FILE).read_text().splitlines()]


def test_resume_gives_the_same_next_step_loss_as_an_uninterrupted_run(tiny_dataset, tiny_config, tmp_path):
    # 30 rows / batch 4 = 7 micro-batches per epoch; 2 per step, so step 4 crosses into the second epoch.
    common = {"optim": {"max_steps": 4, "accumulation_steps": 2, "warmup_steps": 1, "lr": 1e-3}}
    whole = tiny_config(tiny_dataset, tmp_path / "whole", run={"checkpoint_every": 3}, **common)
    result = train(train_config_from_dict(whole, "whole"))
    assert result.step == 4
    uninterrupted = {r["step"]: r["loss"] for r in _log(tmp_path / "whole")}
    assert (tmp_path / "whole" / "checkpoints" / "step-00000003").is_dir()

    checkpoint = str(tmp_path / "whole" / "checkpoints" / "step-00000003")
    resumed = tiny_config(
        tiny_dataset, tmp_path / "resumed", data={"num_workers": 2}, run={"resume": checkpoint}, **common
    )
    train(train_config_from_dict(resumed, "resumed"))
    log = _log(tmp_path / "resumed")
    assert [r["step"] for r in log] == [4] and log[0]["epoch"] == 2  # epochs count from 1
    assert log[0]["loss"] == pytest.approx(uninterrupted[4], rel=1e-6, abs=0)
    assert uninterrupted[4] != pytest.approx(uninterrupted[3], rel=1e-3)  # the step loss really moves


def test_parameter_groups_do_not_decay_biases_norms_or_the_logit_scale(tiny_config, tmp_path):
    model = build_model(train_config_from_dict(tiny_config(tmp_path, tmp_path), "t"))
    decay, no_decay = parameter_groups(model, 0.1)
    names = {id(p): n for n, p in model.named_parameters()}
    no_decay_names = {names[id(p)] for p in no_decay["params"]}
    decay_names = {names[id(p)] for p in decay["params"]}
    assert "logit_scale" in no_decay_names and "image_projection.weight" in decay_names
    assert all(n.endswith("bias") or "norm" in n or n == "logit_scale" for n in no_decay_names)
    assert not any(n.endswith("bias") or "norm" in n for n in decay_names)
    assert no_decay["weight_decay"] == 0.0 and decay["weight_decay"] == 0.1
    assert len(decay_names | no_decay_names) == len(list(model.parameters()))


def test_warmup_then_cosine_schedule():
    factor = warmup_cosine(OptimConfig(max_steps=10, warmup_steps=2, min_lr_ratio=0.1), total_steps=10)
    assert [factor(0), factor(1), factor(2)] == [0.5, 1.0, 1.0]
    assert factor(6) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert factor(10) == pytest.approx(0.1)


def _write_config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_train_command_end_to_end(tiny_dataset, tiny_config, tmp_path, monkeypatch, capsys):
    config = tiny_config(
        tiny_dataset, "run", loss={"name": "mgll_reference"}, data={"num_workers": 1}, run={"precision": "bf16"}
    )
    config["data"]["dataset"] = os.path.relpath(tiny_dataset, tmp_path)  # relative to the config file
    path = _write_config(tmp_path, config)
    monkeypatch.setattr(sys, "argv", ["mgll-data", "train", str(path), "--max-steps", "2"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code in (0, None)
    log = _log(tmp_path / "run")
    assert [r["step"] for r in log] == [1, 2]
    assert {"loss", "alignment", "cross_granularity", "lr", "images_per_s", "data_wait_fraction"} <= set(log[0])
    assert 0.0 <= log[-1]["data_wait_fraction"] <= 1.0 and log[-1]["images_per_s"] > 0
    model, stored = load_model_from_checkpoint(tmp_path / "run")
    assert stored.loss.name == "mgll_reference" and stored.optim.max_steps == 2
    out = capsys.readouterr().out
    assert "precision bf16" in out and "checkpoint" in out


def test_train_command_on_a_missing_dataset_says_what_to_build(tiny_config, tmp_path, monkeypatch, capsys):
    path = _write_config(tmp_path, tiny_config(Path("../out/demo"), "run"))
    monkeypatch.setattr(sys, "argv", ["mgll-data", "train", str(path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    error = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "dataset folder not found" in error and "mgll-data build recipes/demo.yaml" in error


def test_same_command_under_torchrun_trains_on_two_ranks(tiny_dataset, tiny_config, tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    entry = shutil.which("mgll-data", path=str(Path(sys.executable).parent))
    assert torchrun and entry, "torchrun and the mgll-data entry point are installed with the package"
    optim = {"max_steps": 2, "accumulation_steps": 2}  # also takes DDP's no_sync path for the first micro-batch
    path = _write_config(tmp_path, tiny_config(tiny_dataset, tmp_path / "ddp", optim=optim))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [torchrun, "--standalone", "--nproc_per_node", "2", entry, "train", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    log = _log(tmp_path / "ddp")
    assert [r["step"] for r in log] == [1, 2] and all(math.isfinite(r["loss"]) for r in log)
    assert "on 2 x cpu, effective batch 16" in done.stdout
    state = torch.load(tmp_path / "ddp" / "checkpoints" / "step-00000002" / "training_state.pt", weights_only=True)
    assert state["world_size"] == 2


def test_demo_recipe_trains_on_the_built_demo(tmp_path, monkeypatch):
    """The shipped recipes end to end: `mgll-data build recipes/demo.yaml`, then train-demo.yaml on it."""
    from typer.testing import CliRunner

    root = Path(__file__).resolve().parents[2]
    built = CliRunner().invoke(cli.app, ["build", str(root / "recipes" / "demo.yaml"), "--out", str(tmp_path / "demo")])
    assert built.exit_code == 0, built.output
    recipe = yaml.safe_load((root / "recipes" / "train-demo.yaml").read_text(encoding="utf-8"))
    recipe["data"]["dataset"] = str(tmp_path / "demo")
    recipe["run"]["output_dir"] = str(tmp_path / "train-demo")
    recipe["model"]["text"] = "hf:" + str(root / "recipes" / recipe["model"]["text"].removeprefix("hf:"))
    path = _write_config(tmp_path, recipe)
    monkeypatch.setattr(sys, "argv", ["mgll-data", "train", str(path), "--set", "optim.max_steps=3"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code in (0, None)
    model, config = load_model_from_checkpoint(tmp_path / "train-demo")
    assert config.model.vision == "timm:resnet18" and model.image_size == 64
    assert config.model.text == "hf:" + str(root / "recipes" / "demo-text-tower")
    assert [r["step"] for r in _log(tmp_path / "train-demo")] == [3]
    # the README's third command: the demo model exports to both layouts, and open_clip's copy gives our embeddings
    import open_clip

    for fmt in ("hf", "open_clip"):
        args = ["export-model", str(tmp_path / "train-demo"), "--format", fmt, "--out", str(tmp_path / fmt)]
        exported = CliRunner().invoke(cli.app, [*args, "--repo-id", "my-org/mgll-demo"])
        assert exported.exit_code == 0, exported.output
    text_cfg = json.loads((tmp_path / "open_clip" / "open_clip_config.json").read_text())["model_cfg"]["text_cfg"]
    clip, _, _ = open_clip.create_model_and_transforms(
        f"local-dir:{tmp_path / 'open_clip'}", text_cfg={**text_cfg, "hf_model_name": str(tmp_path / "open_clip")}
    )
    tokenizer = open_clip.get_tokenizer(f"local-dir:{tmp_path / 'open_clip'}")
    texts = ["This is a fundus image of Normal, Healthy", "pleural effusion"]
    with torch.no_grad():
        ours, theirs = model.eval().encode_text(texts), clip.eval().encode_text(tokenizer(texts))
    torch.testing.assert_close(theirs, ours, atol=1e-4, rtol=1e-4)


def test_log_lines_count_epochs_from_one_and_the_final_loss_matches_the_last_line(tiny_dataset, tiny_config, tmp_path):
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=200, force_terminal=False)
    # 7 batches per epoch, 10 steps: epochs 1 and 2; logged at 4, 8 and the final 10
    config = tiny_config(tiny_dataset, tmp_path / "run", optim={"max_steps": 10}, run={"log_every": 4})
    result = train(train_config_from_dict(config, "run"), console)
    lines = [line for line in console.file.getvalue().splitlines() if line.startswith("step ")]
    assert [line.split()[1] for line in lines] == ["4/10", "8/10", "10/10"]
    assert [line.split()[3] for line in lines] == ["1/2", "2/2", "2/2"]
    assert all(" ETA 0:" in line for line in lines) and lines[-1].endswith("ETA 0:00:00")
    assert "(2 epochs)" in console.file.getvalue()
    log = _log(tmp_path / "run")
    assert [r["epoch"] for r in log] == [1, 2, 2]
    assert result.last_loss == log[-1]["loss"] and f"loss {result.last_loss:.4f}" in lines[-1]


def test_tensorboard_logger_writes_the_logged_scalars(tiny_dataset, tiny_config, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = tiny_config(tiny_dataset, tmp_path / "run", run={"loggers": ["tensorboard"]})
    train(train_config_from_dict(config, "run"))
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    losses = [(event.step, event.value) for event in events.Scalars("train/loss")]
    assert losses == [(r["step"], pytest.approx(r["loss"])) for r in _log(tmp_path / "run")]


def test_wandb_logger_is_used_when_installed_and_an_error_when_not(tiny_dataset, tiny_config, tmp_path, monkeypatch):
    import types

    from mgll_data.errors import MgllError

    config = train_config_from_dict(
        tiny_config(tiny_dataset, tmp_path / "run", run={"loggers": ["wandb"], "wandb_project": "p"}), "run"
    )
    monkeypatch.setitem(sys.modules, "wandb", None)  # not installed
    with pytest.raises(MgllError, match=r"run.loggers includes wandb but wandb is not installed"):
        train(config)
    calls = []
    run = types.SimpleNamespace(
        log=lambda values, step: calls.append((step, values)), finish=lambda: calls.append("end")
    )
    fake = types.SimpleNamespace(init=lambda **kwargs: calls.append(kwargs["project"]) or run)
    monkeypatch.setitem(sys.modules, "wandb", fake)
    train(config)
    assert calls[0] == "p" and calls[-1] == "end"
    assert [step for step, _ in calls[1:-1]] == [1, 2, 3] and "train/loss" in calls[1][1]


def test_training_bar_shows_on_a_terminal_only():
    import io

    from rich.console import Console

    from mgll_data.train.trainer import _progress_bar

    assert not _progress_bar(Console(file=io.StringIO(), force_terminal=True)).disable
    assert _progress_bar(Console(file=io.StringIO(), force_terminal=False)).disable
