"""The demo exported as WebDataset trains with open_clip's own WebDataset loader (open_clip_train.data):
its preprocessing and tokenizer, one CLIP step on a small random model."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from mgll_data.export.formats import export_output

open_clip = pytest.importorskip("open_clip")
open_clip_data = pytest.importorskip("open_clip_train.data")


def test_open_clip_trains_from_the_demo_webdataset(demo_build, tmp_path):
    dest = tmp_path / "wds"
    result = export_output(demo_build, "webdataset", dest, shard_size=20, image_size=48)
    sizes = json.loads((dest / "sizes.json").read_text())
    train_shards = [str(dest / name) for name in sizes if name.startswith("train-")]
    assert len(train_shards) >= 2 and result.rows == sum(sizes.values())
    model, preprocess, _ = open_clip.create_model_and_transforms("ViT-S-32", force_image_size=64)
    tokenizer = open_clip.get_tokenizer("ViT-S-32")
    args = SimpleNamespace(
        train_data="::".join(train_shards), train_num_samples=None, dataset_resampled=False, seed=0,
        batch_size=8, workers=0, world_size=1, train_data_upsampling_factors=None,
    )  # fmt: skip
    data = open_clip_data.get_wds_dataset(args, preprocess, is_train=True, tokenizer=tokenizer)
    assert data.dataloader.num_samples >= sum(sizes[name.rsplit("/", 1)[-1]] for name in train_shards)
    images, texts = next(iter(data.dataloader))
    assert images.shape == (8, 3, 64, 64) and texts.shape == (8, 77)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    image_features, text_features, scale = model(images, texts)
    loss = open_clip.ClipLoss()(image_features, text_features, scale)
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss)
