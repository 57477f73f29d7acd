"""End to end: recipes/mgll-fundus.yaml lists every registered fundus adapter, and all its entries, pointed at
generated trees (image size made small), build, validate and count.

MuReD's copy of an RFMiD image is written byte for byte, so cross-source exact-duplicate removal must reject it;
a second copy is re-saved one grey level brighter, so it stays as a near duplicate that `stats` must cluster
across sources. Every kept row must have all three text granularities, and the card must cite every source.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml
from PIL import Image
from trees import mured

from mgll_data.builder import build_recipe
from mgll_data.checks.stats import compute_stats
from mgll_data.checks.validate import validate_output
from mgll_data.recipe import parse_recipe
from mgll_data.sources import available_sources, get_source

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "mgll-fundus.yaml"

SOURCES = ["odir", "aptos", "eyepacs", "messidor2", "messidor", "idrid", "ddr", "deepdrid"]
SOURCES += ["rfmid", "rfmid2", "jsiec", "refuge", "refuge2", "palm", "adam", "rimone_dl", "papila", "origa", "g1020"]
SOURCES += ["fives", "mured", "brset"]


def test_recipe_lists_every_fundus_adapter() -> None:
    listed = {entry["name"] for entry in yaml.safe_load(RECIPE.read_text(encoding="utf-8"))["sources"]}
    fundus = {name for name, cls in available_sources().items() if cls.modality == "fundus"}
    assert fundus <= listed, f"recipes/mgll-fundus.yaml lacks {sorted(fundus - listed)}"


def test_fundus_family_builds_and_validates(tmp_path: Path) -> None:
    shipped = yaml.safe_load(RECIPE.read_text(encoding="utf-8"))
    roots: dict[str, Path] = {}
    for name in SOURCES:
        if name != "mured":
            roots[name], _ = importlib.import_module(f"trees.{name}").make_tree(tmp_path / name)
    rfmid_images = tmp_path / "rfmid/A. RFMiD_All_Classes_Dataset/1. Original Images"
    brighter = np.asarray(Image.open(rfmid_images / "b. Validation Set/1.png")) + np.uint8(1)  # values stay <= 255
    Image.fromarray(brighter).save(tmp_path / "brighter.png")
    reused = {
        "17": (rfmid_images / "a. Training Set/1.png").read_bytes(),
        "im0003": (tmp_path / "brighter.png").read_bytes(),
    }
    roots["mured"] = mured.write_tree(tmp_path / "mured", reused=reused)
    entries = [{**entry, "root": str(roots[entry["name"]])} for entry in shipped["sources"] if entry["name"] in roots]
    names = [entry["name"] for entry in entries]
    assert set(names) == set(SOURCES) and names.index("rfmid") < names.index("mured"), "RFMiD keeps shared images"
    shipped.update(sources=entries, output={"dir": "out", "shard_size": 200}, image={**shipped["image"], "size": 32})
    recipe = parse_recipe(shipped, tmp_path)
    result = build_recipe(recipe)
    out = tmp_path / "out"
    assert validate_output(out) == []
    rows = [r for shard in sorted((out / "data").glob("*.parquet")) for r in pq.read_table(shard).to_pylist()]
    assert rows and all(r["disease_text"] and r["descriptions"] and r["explanations"] for r in rows)
    assert {r["source"] for r in rows} == set(SOURCES)

    rejects = pq.read_table(out / "rejects.parquet").to_pylist()
    duplicates = [r for r in rejects if r["reason"] == "exact_duplicate"]
    assert [(r["source"], r["record_id"]) for r in duplicates] == [("mured", "mured/17")]
    assert "rfmid/train_1" in duplicates[0]["detail"]

    stats = compute_stats(out)
    counted = {source: sum(splits.values()) for source, splits in stats["by_source_split"].items()}
    assert counted == {s: info.rows for s, info in result.manifest.sources.items()}
    assert stats["rejects"]["by_source"]["mured"]["exact_duplicate"] == 1
    near = [sorted(c["ids"]) for c in stats["duplicates"]["near"]["list"] if c["scope"] == "across sources"]
    assert ["mured/im0003", "rfmid/validation_1"] in near

    card = (out / "README.md").read_text(encoding="utf-8")
    for name in SOURCES:
        cls = get_source(name)
        assert cls.citation in card and cls.licence_class in card

    glaucoma = next(r for r in rows if r["id"] == "refuge/train_g0001")
    assert glaucoma["explanations"][0] == "enlarged optic cup with a vertical cup-to-disc ratio of about 0.8"
    assert glaucoma["attributes"]["cup_to_disc_ratio"] is not None and glaucoma["attributes"]["od_center"]
