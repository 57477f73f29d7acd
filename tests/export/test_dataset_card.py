"""The dataset card makes the folder loadable offline with the real features, and its body states the counts."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from export.output_fixture import SOURCES, default_records, make_record, read_manifest, write_output
from PIL import Image

from mgll_data.export.card import card_metadata, write_card


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def _front_matter(path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_load_dataset_reads_the_folder_offline_with_real_features(output_dir, tmp_path, offline):
    import datasets

    ds = datasets.load_dataset(str(output_dir), cache_dir=str(tmp_path / "cache"))
    expected_rows = Counter(record["split"] for record in default_records())
    assert {split: ds[split].num_rows for split in ds} == dict(expected_rows)
    train = ds["train"]
    assert isinstance(train.features["image"], datasets.Image)
    for column in ("labels", "uncertain_labels", "negative_labels", "descriptions", "explanations"):
        assert isinstance(train.features[column], datasets.List), column
    by_id = {row["id"]: row for row in train}
    image = by_id["odir/1_right"]["image"]
    assert isinstance(image, Image.Image) and image.size == (20, 20)
    cxr = by_id["iu_xray/CXR1_1"]["image"]
    assert cxr.mode.startswith("I")  # the 16-bit PNG survives as 16-bit
    assert by_id["iu_xray/CXR2_1"]["uncertain_labels"] == ["cardiomegaly"]


def test_card_lists_only_present_splits_and_still_loads(tmp_path, offline):
    import datasets

    out = tmp_path / "out"
    write_output(out, [make_record("odir/7_left", "train", "odir/7", ["glaucoma"], seed=7)])
    meta = _front_matter(out / "README.md")
    assert meta["configs"] == [
        {"config_name": "default", "default": True, "data_files": [{"split": "train", "path": "data/train-*"}]}
    ]
    assert [s["name"] for s in meta["dataset_info"]["splits"]] == ["train"]
    ds = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert list(ds) == ["train"] and ds["train"][0]["labels"] == ["glaucoma"]


def test_front_matter_sizes_licence_and_features(output_dir):
    meta = _front_matter(output_dir / "README.md")
    manifest_bytes = {}
    for path in sorted((output_dir / "data").glob("*.parquet")):
        split = path.name.split("-")[0]
        manifest_bytes[split] = manifest_bytes.get(split, 0) + path.stat().st_size
    splits = {s["name"]: s for s in meta["dataset_info"]["splits"]}
    assert {name: s["num_examples"] for name, s in splits.items()} == {"train": 4, "validation": 1, "test": 1}
    assert {name: s["num_bytes"] for name, s in splits.items()} == manifest_bytes
    assert meta["license"] == "other"
    # odir needs registration, iu_xray is open: registration is stricter
    assert meta["license_name"] == "per-source-terms-with-registration"
    assert meta["pretty_name"] == "fixture-demo"
    assert {"chest-x-ray", "fundus-photography", "medical"} <= set(meta["tags"])
    features = {entry["name"]: entry for entry in meta["dataset_info"]["features"]}
    assert features["image"] == {"name": "image", "dtype": "image"}
    assert features["labels"] == {"name": "labels", "list": "string"}


def test_credentialed_source_sets_the_strictest_licence_name(tmp_path):
    sources = {name: dict(info) for name, info in SOURCES.items()}
    sources["iu_xray"]["licence_class"] = "credentialed"
    manifest = write_output(tmp_path / "out", sources=sources)
    assert card_metadata(manifest)["license_name"] == "credentialed-access-do-not-redistribute"
    assert "`credentialed`:" in (tmp_path / "out" / "README.md").read_text()


def test_body_states_sources_rejects_filters_and_build(output_dir):
    body = (output_dir / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "| iu_xray | cxr | open | 2 | 0 | 1 | 3 | 1 | 2016 |" in body
    assert "| odir | fundus | registration | 2 | 1 | 0 | 3 | 2 | 2019 |" in body
    assert SOURCES["iu_xray"]["citation"] in body and SOURCES["odir"]["homepage"] in body
    for reason in ("undecodable", "no_fov", "empty_report"):
        assert f"| {reason} | 1 |" in body
    assert "| too_short | 0 |" in body
    assert f"hash `{read_manifest(output_dir)['recipe_hash']}`" in body
    assert "| labels | list<string> | no | positive findings as canonical ontology ids |" in body
    assert "Abnormal, Mild Non-Proliferative Diabetic Retinopathy" in body  # granularity 1 example


def test_body_states_how_each_granularity_is_made_per_source(output_dir):
    """A report source's texts come from its report; a fundus source's from its labels, keywords and facts."""
    body = (output_dir / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    section = body.split("## How the texts are made", 1)[1].split("\n## ", 1)[0]
    rows = {line.split(" | ")[0].strip("| "): line for line in section.splitlines() if line.startswith("| ")}
    assert "the impression's sentences that state a labelled finding" in rows["iu_xray"]
    assert "the findings sentences that state a labelled finding" in rows["iu_xray"]
    assert "the eye and the DR / DME grade" in rows["odir"]
    assert "the measured cup-to-disc ratio" in rows["odir"] and "impression" not in rows["odir"]
    assert "no side, lobe, zone, acuity, lesion age, view or sub-type" in section


def test_load_path_goes_into_the_loading_example(output_dir):
    from export.output_fixture import read_manifest

    path = write_card(output_dir, read_manifest(output_dir), load_path="my-org/fundus-mix")
    assert 'load_dataset("my-org/fundus-mix")' in path.read_text(encoding="utf-8")


def test_table_cells_escape_pipes_and_newlines(tmp_path):
    sources = {name: dict(info) for name, info in SOURCES.items()}
    sources["odir"]["version"] = "v1 | beta\nsecond line"
    write_output(tmp_path / "out", sources=sources)
    body = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "v1 \\| beta second line" in body


def test_subset_configs_load_only_their_rows(output_dir, tmp_path, offline):
    import datasets

    meta = _front_matter(output_dir / "README.md")
    filters = {config["config_name"]: config.get("filters") for config in meta["configs"]}
    assert filters == {
        "default": None,
        "cxr": [["modality", "==", "cxr"]],
        "fundus": [["modality", "==", "fundus"]],
        "iu_xray": [["source", "==", "iu_xray"]],
        "odir": [["source", "==", "odir"]],
    }
    records = default_records()
    for config, column in (("fundus", "modality"), ("iu_xray", "source")):
        ds = datasets.load_dataset(str(output_dir), config, cache_dir=str(tmp_path / "cache"))
        expected = Counter(r["split"] for r in records if r[column] == config)
        assert {split: ds[split].num_rows for split in ds} == dict(expected)
        assert {value for split in ds for value in ds[split][column]} == {config}


def test_front_matter_states_provenance_and_licence_link(output_dir):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(output_dir / "README.md")  # the hub client reads back what it wrote
    assert card.data.license == "other" and card.data.license_link == "README.md#licence-and-access"
    assert card.data.annotations_creators == ["expert-generated", "machine-generated"]
    assert card.data.source_datasets == [
        "extended|Indiana University chest X-ray collection (Open-i)",
        "extended|ODIR-5K (ODIR-2019 challenge)",
    ]


def test_single_source_with_a_known_licence_names_it(tmp_path):
    manifest = write_output(
        tmp_path / "out", [make_record("iu_xray/CXR9_1", "train", "iu/9", [], seed=9)], sources={
            "iu_xray": SOURCES["iu_xray"]
        }
    )
    meta = card_metadata(manifest)
    assert meta["license"] == "cc-by-nc-nd-4.0" and "license_name" not in meta


def test_body_has_citations_vocabulary_and_use_sections(output_dir):
    body = (output_dir / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "```bibtex" in body and "eprint    = {2511.15943}" in body
    assert "@article{demnerfushman2016iuxray," in body and "@misc{odir2019," in body
    for title in ("Personal and sensitive information", "Limitations and biases", "Not for clinical use"):
        assert f"\n## {title}\n" in body
    fundus = next(line for line in body.splitlines() if line.startswith("- **fundus** ("))
    assert "`diabetic_retinopathy`" in fundus and "`pleural_effusion`" not in fundus
    assert "- **iu_xray**: licence `cc-by-nc-nd-4.0` (<https://creativecommons.org/licenses/by-nc-nd/4.0/>)" in body
    assert "no derivatives" in body
    assert "| fundus | modality == fundus | train, validation |" in body
    assert 'load_dataset("<org>/fixture-demo", "cxr")' in body


def test_the_card_is_what_huggingface_hub_and_datasets_would_write(tmp_path, offline):
    """The front matter is written without either library (a build must not pay a second to import them); it
    must be exactly what `DatasetCardData` + `DatasetInfosDict` produce and what `DatasetCard` writes back."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard, DatasetCardData

    from mgll_data.export.card import render_card
    from mgll_data.schema import features

    manifest = write_output(tmp_path / "out", default_records())
    ours = card_metadata(manifest)
    info = {key: value for key, value in ours.items() if key != "dataset_info"}
    expected = DatasetCardData(**info)
    splits = SplitDict()
    for split in ours["dataset_info"]["splits"]:
        splits.add(SplitInfo(**split))
    size = ours["dataset_info"]["dataset_size"]
    DatasetInfosDict(
        {"default": DatasetInfo(features=features(), splits=splits, download_size=size, dataset_size=size)}
    ).to_dataset_card_data(expected)
    assert ours == expected.to_dict() and list(ours) == list(expected.to_dict())
    card = render_card(manifest, load_path="me/data")
    assert str(DatasetCard(card)) == card


def test_writing_a_card_imports_neither_datasets_nor_huggingface_hub(output_dir):
    import subprocess
    import sys

    probe = (
        "import sys, json; from mgll_data.export.card import render_card; "
        f"render_card(json.load(open({str(output_dir / 'manifest.json')!r}))); "
        "print(sorted(m for m in ('datasets', 'huggingface_hub', 'pandas') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "[]\n"
