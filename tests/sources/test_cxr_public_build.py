"""Chest X-ray sources I end to end: NIH, CheXpert and COVIDx fixture trees with decodable images built into one
valid dataset, and a build that fails when one image sits in two splits through two sources."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from trees import chexpert, covidx, nih_cxr14
from trees.images import write_image
from trees.placeholders import write_text

from mgll_data.builder import build_recipe
from mgll_data.checks.validate import validate_output
from mgll_data.errors import ValidationError
from mgll_data.recipe import load_recipe, parse_recipe

CXR_SOURCES = (
    "nih_cxr14",
    "chexpert",
    "rsna_pneumonia",
    "siim_pneumothorax",
    "vindr_cxr",
    "covidx",
    "montgomery",
    "shenzhen",
    "tbx11k",
    "object_cxr",
    "chexlocalize",
    "padchest",
)


def decodable(root, suffixes: tuple[str, ...], seed: int) -> None:
    """Replace every placeholder image of a fixture tree by a small random greyscale image."""
    for n, path in enumerate(sorted(p for p in root.rglob("*") if p.suffix in suffixes)):
        write_image(path, seed + n, size=(40, 32), mode="L")


def trees(base):
    roots = {}
    for name, module, suffixes, seed in (
        ("nih_cxr14", nih_cxr14, (".png",), 0),
        ("chexpert", chexpert, (".jpg",), 100),
        ("covidx", covidx, (".png", ".jpeg"), 200),
    ):
        root, _ = module.make_tree(base / name)
        decodable(root, suffixes, seed)
        roots[name] = root
    return roots


def recipe(base, roots, **extra):
    return parse_recipe(
        {
            "name": "cxr-public-fixture",
            "sources": [{"name": name, "root": str(root)} for name, root in roots.items()],
            "output": {"dir": "out", "shard_size": 50},
            "image": {"size": 32, **extra},
        },
        base,
    )


def test_three_cxr_sources_build_a_valid_dataset_with_all_texts(tmp_path):
    roots = trees(tmp_path)
    result = build_recipe(recipe(tmp_path, roots))
    assert validate_output(result.out_dir) == []
    rows = [r for s in sorted((result.out_dir / "data").glob("*.parquet")) for r in pq.read_table(s).to_pylist()]
    assert {r["source"] for r in rows} == {"nih_cxr14", "chexpert", "covidx"}
    assert len(rows) == 4 + 5 + 5
    assert all(r["disease_text"] and r["descriptions"] and r["explanations"] for r in rows)
    nih = {r["id"]: r for r in rows if r["source"] == "nih_cxr14"}
    assert nih["nih_cxr14/00000005_006"]["split"] == "test"
    box = nih["nih_cxr14/00000005_006"]["attributes"]["boxes"][0]
    assert box["label"] == "infiltration" and box["x1"] > box["x0"]  # mapped into the stored 32-px frame


def test_one_image_in_two_splits_through_two_sources_fails_the_build(tmp_path):
    roots = trees(tmp_path)
    # the NIH test image also listed by COVIDx's train file (an NIH image inside a collection built from it)
    shutil.copy(
        roots["nih_cxr14"] / "images" / "00000005_006.png",
        roots["covidx"] / "train" / "0004cfab-14fd-4e49-80ba-63a80b6bddd6.png",
    )
    with pytest.raises(ValidationError, match="identical pixels sit in more than one split"):
        build_recipe(recipe(tmp_path, roots))
    kept = build_recipe(recipe(tmp_path, roots, drop_exact_duplicates=True), out=tmp_path / "deduplicated")
    assert validate_output(kept.out_dir) == []


@pytest.mark.parametrize("name", [*CXR_SOURCES, "cxr-public"])
def test_shipped_recipes_validate(name):
    loaded = load_recipe(Path(__file__).resolve().parents[2] / "recipes" / f"{name}.yaml")
    assert loaded.sources and all(spec.root.startswith("../data/") for spec in loaded.sources)
    if name == "cxr-public":
        assert {spec.name for spec in loaded.sources} >= set(CXR_SOURCES)
        assert loaded.image.drop_exact_duplicates


def test_real_nih_and_tbx11k_images_build_with_their_real_labels(tmp_path, realdata):
    nih = tmp_path / "nih"
    lines = gzip.decompress((realdata / "cxr" / "Data_Entry_2017_v2020.csv.gz").read_bytes()).decode().splitlines()
    wanted = {"00000001_000.png", "00027426_000.png"}
    write_text(
        nih / "Data_Entry_2017_v2020.csv", "\n".join([lines[0], *(line for line in lines if line[:16] in wanted)])
    )
    (nih / "images").mkdir()
    for name in sorted(wanted):
        shutil.copy(realdata / "cxr" / name, nih / "images" / name)
    roots = {"nih_cxr14": nih, "tbx11k": realdata / "cxr" / "tbx11k_test_data"}
    result = build_recipe(recipe(tmp_path, roots))
    assert validate_output(result.out_dir) == []
    rows = {
        r["id"]: r for s in sorted((result.out_dir / "data").glob("*.parquet")) for r in pq.read_table(s).to_pylist()
    }
    assert rows["nih_cxr14/00000001_000"]["labels"] == ["cardiomegaly"]
    assert rows["nih_cxr14/00027426_000"]["labels"] == ["normal"]
    assert rows["tbx11k/tb/tb0007"]["labels"] == ["latent_tuberculosis"]
    assert all(r["disease_text"] and r["descriptions"] and r["explanations"] for r in rows.values())
