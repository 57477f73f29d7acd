"""Fixtures for the trainer: a tiny built dataset (the record schema, several shards) and tiny configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from mgll_data.eval.synthetic import write_synthetic_dataset


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models gain nothing from threads, and on a shared 2-core machine spinning threads cost seconds."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """30 train / 8 test rows of 32 px in shards of 7 rows, so row groups have unequal sizes."""
    return write_synthetic_dataset(
        tmp_path_factory.mktemp("tiny") / "ds", sizes={"train": 30, "test": 8}, image_size=32, rows_per_shard=7
    )


def _tiny_config(dataset: Path, output_dir: Path, **sections: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "data": {"dataset": str(dataset), "image_size": 32, "batch_size": 4, "num_workers": 0},
        "model": {"vision": "timm:test_vit", "text": "tiny", "embed_dim": 16, "max_text_length": 48},
        "loss": {"name": "mgll"},
        "optim": {"max_steps": 3, "warmup_steps": 1, "lr": 1e-3},
        "run": {"output_dir": str(output_dir), "log_every": 1, "checkpoint_every": 100},
    }
    for name, values in sections.items():
        config[name] = {**config[name], **values}
    return config


@pytest.fixture(scope="session")
def tiny_config():
    """Build a config dict for a 300k-parameter model (a step takes well under a second on one core)."""
    return _tiny_config


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The bundled demo (fundus + chest X-ray, the real adapters) built once at 64 px for the whole session."""
    import yaml

    from mgll_data.builder import build
    from mgll_data.engine import BuildProgress

    root = Path(__file__).resolve().parents[2]
    recipe = yaml.safe_load((root / "recipes" / "demo.yaml").read_text(encoding="utf-8"))
    recipe["image"]["size"] = 64
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return build(path, out=folder / "out", progress=BuildProgress(quiet=True)).out_dir
