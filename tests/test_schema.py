"""The record schema: one definition, and the derived forms agree with it."""

from __future__ import annotations

import io

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from mgll_data import schema


def _row() -> dict:
    buffer = io.BytesIO()
    Image.new("L", (4, 3), 7).save(buffer, format="PNG")
    row = {name: None for name in schema.FIELD_NAMES}
    row.update(
        id="folder/a",
        source="folder",
        modality="cxr",
        split="train",
        patient_id="p1",
        image={"bytes": buffer.getvalue(), "path": "a.png"},
        width=4,
        height=3,
        labels=["cardiomegaly"],
        uncertain_labels=[],
        negative_labels=["pleural_effusion"],
        disease_text="Cardiomegaly",
        descriptions=["enlarged heart"],
        explanations=["wide cardiac silhouette"],
        attributes=schema.empty_attributes(),
        geometry=schema.empty_geometry(),
        hashes={"pixel_sha256": "0" * 64, "phash": "0" * 16},
        provenance={"source_file": "labels.csv"},
    )
    return row


def test_a_lone_shard_loads_with_the_image_feature_without_a_card(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    shard = tmp_path / "train-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist([_row()], schema=schema.arrow_schema()), shard)
    loaded = datasets.load_dataset("parquet", data_files=str(shard), split="train", cache_dir=str(tmp_path / "c"))
    assert isinstance(loaded.features["image"], datasets.Image)
    assert loaded.features["labels"] == datasets.List(datasets.Value("string"))
    assert loaded[0]["image"].size == (4, 3)
    assert loaded[0]["negative_labels"] == ["pleural_effusion"]


def test_features_and_arrow_schema_cover_the_same_fields_in_order():
    assert list(schema.features()) == list(schema.FIELD_NAMES)
    assert schema.arrow_schema().names == list(schema.FIELD_NAMES)
    assert datasets.Features.from_arrow_schema(schema.arrow_schema()) == schema.features()


def test_json_schema_requires_exactly_the_non_nullable_fields():
    required = set(schema.json_schema()["required"])
    assert required == {f.name for f in schema.FIELDS if not f.nullable}
    assert "study_id" not in required and "image" in required


def test_shard_metadata_states_exactly_the_datasets_features():
    """The features written into every shard are spelled out without importing `datasets`; they must stay
    what `datasets.Features.to_dict()` says, or `load_dataset` reads a shard differently."""
    import json
    import subprocess
    import sys

    stated = json.loads(schema.arrow_schema().metadata[b"huggingface"])["info"]["features"]
    assert stated == schema.features().to_dict()
    assert json.dumps(stated) == json.dumps(schema.features().to_dict())  # same key order too
    probe = "import sys; from mgll_data.schema import arrow_schema; arrow_schema(); print('datasets' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "False\n"


def test_card_features_are_what_datasets_writes_into_a_card():
    """The card's `dataset_info.features` are spelled out without `datasets` too; they must stay its YAML form."""
    assert schema.card_features() == schema.features()._to_yaml_list()
