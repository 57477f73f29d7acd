"""The synthetic benchmark writes a loadable built-dataset folder whose texts match what was drawn."""

from __future__ import annotations

import io

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from mgll_data.eval.synthetic import load_vocabulary, write_synthetic_dataset
from mgll_data.schema import arrow_schema


def test_layout_schema_and_determinism(tmp_path):
    out = write_synthetic_dataset(tmp_path / "a", {"train": 30, "test": 12}, image_size=32, seed=3, rows_per_shard=20)
    names = sorted(p.name for p in (out / "data").iterdir())
    assert names == ["test-00000-of-00001.parquet", "train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]
    table = pq.read_table(out / "data" / "train-00000-of-00002.parquet")
    assert table.schema.equals(arrow_schema(), check_metadata=False)
    again = write_synthetic_dataset(tmp_path / "b", {"train": 30, "test": 12}, image_size=32, seed=3, rows_per_shard=20)
    for name in names:
        assert pq.read_table(out / "data" / name).equals(pq.read_table(again / "data" / name))
    other = write_synthetic_dataset(tmp_path / "c", {"train": 30}, image_size=32, seed=4, rows_per_shard=20)
    assert not pq.read_table(other / "data" / names[1]).equals(table)


def test_texts_match_the_drawn_findings(tmp_path):
    out = write_synthetic_dataset(tmp_path, {"train": 80}, image_size=48, seed=0)
    rows = pq.read_table(out / "data" / "train-00000-of-00001.parquet").to_pylist()
    vocabulary = load_vocabulary()
    n_blank = 0
    for row in rows:
        names = [vocabulary.finding(f).display_name for f in row["labels"]]
        assert row["disease_text"] == (", ".join(names) if names else vocabulary.blank_text)
        assert len(row["descriptions"]) == len(row["explanations"]) == len(row["labels"])
        for finding_id, description, explanation in zip(
            row["labels"], row["descriptions"], row["explanations"], strict=True
        ):
            assert vocabulary.finding(finding_id).noun in description
            assert explanation in vocabulary.finding(finding_id).explanations
        assert set(row["labels"]).isdisjoint(row["negative_labels"])
        pixels = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])).convert("RGB"))
        bright = (pixels >= 150).all(axis=2).any()
        assert bright == bool(row["labels"]), row["id"]  # shapes are drawn bright; the background is dark
        n_blank += not row["labels"]
    assert 0 < n_blank < len(rows)
    assert any(len(row["labels"]) >= 2 for row in rows)  # multi-label
    assert len({row["patient_id"] for row in rows}) == len(rows) // 2
