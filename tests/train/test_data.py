"""The training data: shard-aware plans, worker-independent batch order, decoding, texts per granularity."""

from __future__ import annotations

import io
import random
from collections import Counter

import numpy as np
import pytest
import torch
from PIL import Image

from mgll_data.errors import MgllError
from mgll_data.train.config import DataConfig
from mgll_data.train.data import (
    ParquetTrainData,
    decode_image,
    eval_transform,
    granularity_texts,
    make_loader,
    open_split,
    rank_rows,
    row_groups,
    split_files,
    train_transform,
)


def _ids(dataset: ParquetTrainData) -> list[list[str]]:
    return [batch["ids"] for batch in make_loader(dataset, pin_memory=False)]


@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_rank_plans_partition_every_row_exactly_once(tiny_dataset, world_size):
    groups = row_groups(split_files(str(tiny_dataset), "train"))
    assert sorted(g.num_rows for g in groups) == [2, 7, 7, 7, 7]
    seen = Counter(row for rank in range(world_size) for row in rank_rows(groups, 0, 4, rank, world_size))
    assert sum(seen.values()) == 30 and set(seen.values()) == {1}
    assert rank_rows(groups, 0, 4, 0, world_size) != rank_rows(groups, 0, 5, 0, world_size)


def test_ranks_and_workers_read_disjoint_rows_in_equal_batch_counts(tiny_dataset):
    config = DataConfig(dataset=str(tiny_dataset), image_size=32, batch_size=3, num_workers=2)
    per_rank = [_ids(ParquetTrainData(config, seed=1, rank=rank, world_size=2)) for rank in range(2)]
    assert [len(batches) for batches in per_rank] == [5, 5]  # 15 rows per rank -> 5 full batches of 3
    ids = [i for batches in per_rank for batch in batches for i in batch]
    assert len(ids) == 30 and len(set(ids)) == 30


def test_batch_order_does_not_depend_on_workers_and_skipping_resumes_it(tiny_dataset):
    with_workers = DataConfig(dataset=str(tiny_dataset), image_size=32, batch_size=4, num_workers=2)
    in_process = with_workers.model_copy(update={"num_workers": 0})
    reference = ParquetTrainData(in_process, seed=2)
    full = _ids(reference)
    assert len(full) == 7
    assert _ids(ParquetTrainData(with_workers, seed=2)) == full
    resumed = ParquetTrainData(with_workers, seed=2)
    resumed.skip_batches = 3
    assert _ids(resumed) == full[3:]
    reference.epoch = 1
    assert _ids(reference) != full


def test_same_batch_gets_same_pixels_and_texts_with_or_without_workers(tiny_dataset):
    config = DataConfig(dataset=str(tiny_dataset), image_size=24, batch_size=4, num_workers=2)
    a = list(make_loader(ParquetTrainData(config, seed=5), pin_memory=False))
    b = list(make_loader(ParquetTrainData(config.model_copy(update={"num_workers": 0}), seed=5), pin_memory=False))
    assert a[3]["images"].shape == (4, 3, 24, 24) and a[3]["images"].dtype == torch.uint8
    assert torch.equal(a[3]["images"], b[3]["images"]) and a[3]["texts"] == b[3]["texts"]
    assert len(a[3]["texts"]) == 3 and all(len(t) == 4 for t in a[3]["texts"])


def test_missing_dataset_folder_names_the_build_command(tmp_path):
    with pytest.raises(MgllError, match=r"mgll-data build"):
        split_files(str(tmp_path / "out" / "demo"), "train")


def test_missing_split_lists_the_splits_found(tiny_dataset):
    with pytest.raises(MgllError, match=r"no shards for split 'validation'.*splits found: test, train"):
        split_files(str(tiny_dataset), "validation")


def test_too_small_a_split_for_one_batch_is_a_clear_error(tiny_dataset):
    config = DataConfig(dataset=str(tiny_dataset), split="test", image_size=32, batch_size=8, num_workers=0)
    with pytest.raises(MgllError, match="has 8 rows, too few for one batch of 8 on each of 2 rank"):
        ParquetTrainData(config, seed=0, rank=0, world_size=2)


def test_open_split_yields_every_record(tiny_dataset):
    records = list(open_split(str(tiny_dataset), "test"))
    assert len(records) == 8 and {r["split"] for r in records} == {"test"}
    assert decode_image(records[0]).size == (32, 32)


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_sixteen_bit_greyscale_is_scaled_by_its_range_not_clipped():
    array = np.array([[0, 32768], [65535, 257]], dtype=np.uint16)
    image = decode_image({"id": "x", "image": {"bytes": _png(array), "path": None}})
    assert image.mode == "RGB"
    assert np.asarray(image)[..., 0].tolist() == [[0, 128], [255, 1]]


def test_image_without_bytes_or_with_damaged_bytes_is_an_mgll_error():
    with pytest.raises(MgllError, match="record 'a': image has no embedded bytes"):
        decode_image({"id": "a", "image": {"bytes": None, "path": "a.png"}})
    with pytest.raises(MgllError, match="record 'b': image bytes cannot be decoded"):
        decode_image({"id": "b", "image": {"bytes": b"not a png", "path": "b.png"}})


RECORD = {
    "id": "odir/1_left",
    "modality": "fundus",
    "disease_text": "Abnormal, Mild Non-Proliferative Diabetic Retinopathy",
    "descriptions": ["mild npdr in the left eye", "few microaneurysms"],
    "explanations": [],
}


def test_texts_use_the_modality_template_sample_lists_and_fall_back_when_empty():
    template = {"fundus": "This is a fundus image of {}", "cxr": "This is a chest X-ray showing {}"}
    granularities = ["disease_text", "descriptions", "explanations"]
    drawn = {granularity_texts(RECORD, granularities, template, random.Random(seed))[1] for seed in range(20)}
    assert drawn == set(RECORD["descriptions"])
    texts = granularity_texts(RECORD, granularities, template, random.Random(0))
    assert texts[0] == "This is a fundus image of Abnormal, Mild Non-Proliferative Diabetic Retinopathy"
    assert texts[2] == texts[1]  # no explanation: the description stands in
    only_explanations = granularity_texts(RECORD, ["explanations"], "{}", random.Random(0))
    assert only_explanations == [RECORD["disease_text"]]
    with pytest.raises(MgllError, match="no entry for modality 'fundus'"):
        granularity_texts(RECORD, granularities, {"cxr": "{}"}, random.Random(0))


def test_transforms_give_uint8_squares():
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 60, 3), dtype=np.uint8))
    out = train_transform(32)(image)
    assert out.shape == (3, 32, 32) and out.dtype == torch.uint8
    centre = eval_transform(20)(image)
    assert centre.shape == (3, 20, 20) and torch.equal(centre, eval_transform(20)(image))


def test_hub_dataset_id_that_is_not_cached_offline_is_an_mgll_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MgllError, match=r"no-such-org/mgll-fundus: not a local folder and not a reachable Hub dataset"):
        split_files("no-such-org/mgll-fundus", "train")
