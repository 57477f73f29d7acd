"""TorchDataset over the demo build (fundus RGB next to chest X-ray grey): default-collate batches, multi-hot
labels over the fixed ontology vocabulary, texts per granularity, and the light public API."""

from __future__ import annotations

import subprocess
import sys

import pyarrow.parquet as pq
import pytest
import torch

import mgll_data
from mgll_data.errors import MgllError
from mgll_data.ontology import load_ontology
from mgll_data.train.torch_dataset import TorchDataset, label_vocabulary


def _records(folder, split="train"):
    rows = {}
    for path in sorted((folder / "data").glob(f"{split}-*.parquet")):
        for row in pq.read_table(path, columns=["id", "modality", "labels", "uncertain_labels",
                                                "negative_labels", "descriptions", "explanations",
                                                "disease_text"]).to_pylist():
            rows[row["id"]] = row
    return rows


@pytest.mark.parametrize(("channels", "depth"), [("rgb", 3), ("gray", 1)])
def test_default_collate_batches_mixed_modalities(demo_build, channels, depth):
    dataset = TorchDataset(demo_build, "train", channels=channels, image_size=32)
    shuffled = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=True, generator=shuffled)
    modalities, seen = set(), 0
    for batch in loader:
        assert batch["image"].dtype == torch.uint8 and batch["image"].shape[1:] == (depth, 32, 32)
        assert batch["positive"].shape == (len(batch["id"]), len(dataset.vocabulary))
        modalities.update(batch["modality"])
        seen += len(batch["id"])
    assert modalities == {"fundus", "cxr"} and seen == len(dataset) == len(_records(demo_build))


def test_multi_hot_vectors_match_the_rows_labels(demo_build):
    dataset = TorchDataset(demo_build, "train", image_size=16)
    records = _records(demo_build)
    uncertain_or_negative = 0
    for index in range(len(dataset)):
        item = dataset[index]
        record = records[item["id"]]
        for column, key in (("labels", "positive"), ("uncertain_labels", "uncertain"), ("negative_labels", "negative")):
            expected = sorted(dataset.vocabulary.index(label) for label in record[column] or [])
            assert item[key].nonzero().flatten().tolist() == expected, (item["id"], key)
        uncertain_or_negative += int(item["uncertain"].sum() + item["negative"].sum())
        assert item["disease_text"] == record["disease_text"]
        assert item["description"] in (record["descriptions"] or [record["disease_text"]])
        assert item["explanation"] in (record["explanations"] or [record["disease_text"]])
    assert uncertain_or_negative > 0  # the demo reports state absent and possible findings


def test_vocabulary_is_the_ontology_order_and_modality_subsets_keep_it():
    vocabulary = label_vocabulary()
    assert vocabulary == [finding.id for finding in load_ontology().findings()]
    assert len(set(vocabulary)) == len(vocabulary)
    for modality in ("fundus", "cxr"):
        subset = label_vocabulary(modality)
        assert subset and set(subset) < set(vocabulary)
        assert subset == sorted(subset, key=vocabulary.index)


def test_sampled_texts_are_seeded_per_epoch(demo_build):
    dataset = TorchDataset(demo_build, "train", image_size=16)
    first = [dataset[i]["explanation"] for i in range(len(dataset))]
    assert first == [dataset[i]["explanation"] for i in range(len(dataset))]
    dataset.set_epoch(1)
    assert first != [dataset[i]["explanation"] for i in range(len(dataset))]


def test_label_outside_the_vocabulary_and_bad_channels_are_clear_errors(demo_build):
    with pytest.raises(MgllError, match=r"label '\w+' is not in the label vocabulary"):
        dataset = TorchDataset(demo_build, "train", image_size=16, vocabulary=["normal"])
        for index in range(len(dataset)):
            dataset[index]
    with pytest.raises(MgllError, match="channels='bgr': expected one of rgb, gray"):
        TorchDataset(demo_build, "train", channels="bgr")
    with pytest.raises(MgllError, match="no shards for split 'dev'"):
        TorchDataset(demo_build, "dev")


def test_public_api_is_lazy():
    code = "import sys, mgll_data; print('torch' in sys.modules, 'huggingface_hub' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
    assert mgll_data.TorchDataset is TorchDataset and mgll_data.label_vocabulary is label_vocabulary
    assert mgll_data.__version__
    from mgll_data.train.model import load_model

    assert mgll_data.load_model is load_model
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = mgll_data.Nope
