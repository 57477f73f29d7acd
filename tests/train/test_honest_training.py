"""Issue 23's training problems: half-written and damaged checkpoints, replayed log lines, world size on resume,
determinism, CPU threads with no workers, workers that persist across epochs, a worker cache bounded in bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from mgll_data.errors import MgllError
from mgll_data.train import data as data_module
from mgll_data.train import trainer as trainer_module
from mgll_data.train.checkpoint import ROWS_FILE, STATE_FILE, training_rows
from mgll_data.train.config import DataConfig, train_config_from_dict
from mgll_data.train.data import ParquetTrainData, RowGroupCache, read_row_group, row_id_hashes, split_ids
from mgll_data.train.model import CONFIG_FILE, WEIGHTS_FILE, find_checkpoint, load_model_from_checkpoint
from mgll_data.train.trainer import LOG_FILE, prepare, train


@pytest.fixture(scope="module")
def trained_run(tiny_dataset, tiny_config, tmp_path_factory) -> Path:
    """A 4-step run with checkpoints at steps 2 and 4 (copied per test: tests damage them)."""
    out = tmp_path_factory.mktemp("run") / "run"
    config = tiny_config(tiny_dataset, out, optim={"max_steps": 4}, run={"checkpoint_every": 2})
    train(train_config_from_dict(config, "run"))
    return out


def _copy(run: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(run, target)
    return target


def _steps(run: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (run / LOG_FILE).read_text().splitlines()]


def _resume_config(tiny_config, tiny_dataset, run: Path, **run_section):
    return train_config_from_dict(
        tiny_config(tiny_dataset, run, optim={"max_steps": 4}, run={"resume": "auto", **run_section}), "resume"
    )


def test_a_half_written_tmp_checkpoint_is_never_read(trained_run, tmp_path):
    run = _copy(trained_run, tmp_path)
    newest = run / "checkpoints" / "step-00000004"
    partial = run / "checkpoints" / "step-00000035.tmp"  # a kill during save: weights and config, no state
    partial.mkdir()
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        shutil.copy(newest / name, partial / name)
    assert find_checkpoint(run) == newest
    model, _ = load_model_from_checkpoint(run)
    assert model is not None


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_with_a_warning(
    trained_run, tiny_dataset, tiny_config, tmp_path
):
    run = _copy(trained_run, tmp_path)
    weights = run / "checkpoints" / "step-00000004" / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated, as by a full disk during a copy
    with pytest.warns(UserWarning, match="step-00000002"):
        load_model_from_checkpoint(run)
    warnings: list[str] = []
    session = prepare(_resume_config(tiny_config, tiny_dataset, run), warn=warnings.append)
    assert session.step == 2 and session.resumed_from.name == "step-00000002"
    assert len(warnings) == 1 and "step-00000004" in warnings[0]


def test_resume_drops_the_log_lines_of_replayed_steps(trained_run, tiny_dataset, tiny_config, tmp_path):
    run = _copy(trained_run, tmp_path)
    shutil.rmtree(run / "checkpoints" / "step-00000004")  # killed after logging steps 3 and 4, before saving 4
    assert _steps(run) == [1, 2, 3, 4]
    train(_resume_config(tiny_config, tiny_dataset, run))
    assert _steps(run) == [1, 2, 3, 4]


def test_resume_refuses_another_world_size(trained_run, tiny_dataset, tiny_config, tmp_path):
    run = _copy(trained_run, tmp_path)
    state_file = run / "checkpoints" / "step-00000004" / STATE_FILE
    state = torch.load(state_file, weights_only=True)
    state["world_size"] = 2
    torch.save(state, state_file)
    with pytest.raises(MgllError, match="written by 2 process"):
        prepare(_resume_config(tiny_config, tiny_dataset, run))


def test_checkpoints_record_the_rows_the_run_trained_on(trained_run, tiny_dataset):
    stored = training_rows(trained_run / "checkpoints" / "step-00000004")
    assert (trained_run / "checkpoints" / "step-00000004" / ROWS_FILE).is_file()
    np.testing.assert_array_equal(stored, row_id_hashes(split_ids(str(tiny_dataset), "train")))
    assert len(stored) == 30 and not np.isin(row_id_hashes(split_ids(str(tiny_dataset), "test")), stored).any()


def test_deterministic_mode_turns_tf32_off_and_asks_for_deterministic_kernels(tiny_dataset, tiny_config, tmp_path):
    try:
        prepare(train_config_from_dict(tiny_config(tiny_dataset, tmp_path, run={"deterministic": True}), "d"))
        assert torch.are_deterministic_algorithms_enabled()
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
        prepare(train_config_from_dict(tiny_config(tiny_dataset, tmp_path), "fast"))
        assert not torch.are_deterministic_algorithms_enabled() and torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.use_deterministic_algorithms(False)


def test_cpu_threads_are_capped_without_workers_too(tiny_dataset, tiny_config, tmp_path, monkeypatch):
    monkeypatch.setattr(trainer_module.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    torch.set_num_threads(4)  # the one_torch_thread fixture restores the count afterwards
    prepare(train_config_from_dict(tiny_config(tiny_dataset, tmp_path, data={"num_workers": 0}), "t"))
    assert torch.get_num_threads() == 2
    assert trainer_module.cpu_threads(cores=2, world_size=2, num_workers=0, current=2) == 1


def test_workers_persist_across_epochs(tiny_dataset, tiny_config, tmp_path, monkeypatch):
    loaders = []
    real = trainer_module.make_loader

    def counting(dataset, pin_memory):
        loaders.append(dataset.epoch)
        return real(dataset, pin_memory)

    monkeypatch.setattr(trainer_module, "make_loader", counting)
    # 30 rows / batch 4 = 7 batches an epoch: 16 steps run into the third epoch
    config = tiny_config(tiny_dataset, tmp_path, data={"num_workers": 1}, optim={"max_steps": 16})
    train(train_config_from_dict(config, "t"))
    epochs = [json.loads(line)["epoch"] for line in (tmp_path / LOG_FILE).read_text().splitlines()]
    assert max(epochs) == 3 and loaders == [0]


def test_endless_iteration_matches_epoch_by_epoch(tiny_dataset):
    config = DataConfig(dataset=str(tiny_dataset), image_size=32, batch_size=4, num_workers=0)
    per_epoch = ParquetTrainData(config, seed=3)
    expected = []
    for epoch in range(2):
        per_epoch.epoch = epoch
        expected += [b["ids"] for b in per_epoch]
    endless = ParquetTrainData(config, seed=3)
    endless.epochs = None
    stream = iter(endless)
    assert [next(stream)["ids"] for _ in expected] == expected


def test_worker_cache_is_bounded_in_bytes_whatever_the_row_group_sizes(tiny_dataset, monkeypatch):
    groups = data_module.row_groups(data_module.split_files(str(tiny_dataset), "train"))
    sizes = [read_row_group(g, data_module.TRAIN_COLUMNS).nbytes for g in groups]
    budget = 2 * max(sizes)  # two full groups; the 2-row tail group must not lift it
    caches: list[RowGroupCache] = []
    real = ParquetTrainData.new_cache

    def recording(self):
        caches.append(real(self))
        return caches[-1]

    monkeypatch.setattr(ParquetTrainData, "new_cache", recording)
    config = DataConfig(dataset=str(tiny_dataset), image_size=32, batch_size=4, num_workers=0, cache_bytes=budget)
    dataset = ParquetTrainData(config, seed=0)
    dataset.epochs = 3
    assert len(list(dataset)) == 21
    assert caches[0].peak_bytes <= budget and len(caches[0].tables) < len(groups)


def test_cache_keeps_one_group_above_the_budget():
    class Table:
        nbytes = 100

    cache = RowGroupCache(lambda index: Table(), max_bytes=10)
    assert isinstance(cache.get(0), Table) and isinstance(cache.get(1), Table)
    assert list(cache.tables) == [1] and cache.bytes == 100


def test_gradient_accumulation_says_its_negatives_stay_within_a_micro_batch(tiny_dataset, tiny_config, tmp_path):
    import io

    from rich.console import Console

    text = io.StringIO()
    config = tiny_config(tiny_dataset, tmp_path, optim={"max_steps": 1, "accumulation_steps": 2})
    train(train_config_from_dict(config, "t"), console=Console(file=text, width=200))
    assert "contrastive negatives stay within a micro-batch of 4 images" in text.getvalue()
