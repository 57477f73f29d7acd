"""The synthetic benchmark is an ordinary build: a generated tree, the synthetic_shapes adapter, the engine."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from mgll_data.checks.validate import validate_output
from mgll_data.demo.shapes_tree import shape_rules
from mgll_data.eval.synthetic import write_synthetic_dataset
from mgll_data.ontology import load_ontology
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


def test_the_benchmark_validates_with_no_special_case(tmp_path):
    out = write_synthetic_dataset(tmp_path / "set", {"train": 20, "test": 8}, image_size=32, seed=1)
    assert validate_output(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sources"]["synthetic_shapes"]["adapter"] == "synthetic_shapes"
    assert not any(tmp_path.glob("mgll-shapes-*"))  # the generated tree is removed after the build


def test_texts_match_the_drawn_findings(tmp_path):
    out = write_synthetic_dataset(tmp_path, {"train": 80}, image_size=48, seed=0)
    rows = pq.read_table(out / "data" / "train-00000-of-00001.parquet").to_pylist()
    rules, ontology = shape_rules(), load_ontology()
    n_blank = 0
    for row in rows:
        assert row["modality"] == "synthetic"
        names = [ontology[f].display_name for f in row["labels"]]
        for name in names:
            assert name in row["disease_text"]
        for finding_id in row["labels"]:
            assert any(rules.nouns[finding_id] in description for description in row["descriptions"])
        drawn = {text for finding_id in row["labels"] for text in ontology[finding_id].explanations}
        if row["labels"]:  # explanations are the drawn shapes' (composition caps how many a row keeps)
            assert row["explanations"] and set(row["explanations"]) <= drawn
        assert set(row["labels"]).isdisjoint(row["negative_labels"])
        assert set(row["labels"]) | set(row["negative_labels"]) == set(rules.ids)
        pixels = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])).convert("RGB"))
        bright = (pixels >= 150).all(axis=2).any()
        assert bright == bool(row["labels"]), row["id"]  # shapes are drawn bright; the background is dark
        n_blank += not row["labels"]
    assert 0 < n_blank < len(rows)
    assert any(len(row["labels"]) >= 2 for row in rows)  # multi-label
    assert len({row["patient_id"] for row in rows}) == len(rows) // 2
