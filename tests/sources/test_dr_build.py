"""End to end over generated DR-grading trees (DeepDRiD and IDRiD): a valid dataset with the grade texts."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from trees import deepdrid, idrid

from mgll_data.builder import build_recipe
from mgll_data.checks.validate import validate_output
from mgll_data.images.geometry import map_box_to_stored
from mgll_data.recipe import parse_recipe


def test_dr_sources_build_into_a_valid_dataset(tmp_path):
    deepdrid_root, deepdrid_options = deepdrid.make_tree(tmp_path / "deepdrid")
    idrid_root, idrid_options = idrid.make_tree(tmp_path / "idrid")
    recipe = parse_recipe(
        {
            "name": "dr-grading-test",
            "sources": [
                {"name": "deepdrid", "root": str(deepdrid_root), "options": deepdrid_options},
                {"name": "idrid", "root": str(idrid_root), "options": idrid_options},
            ],
            "output": {"dir": "out", "shard_size": 50},
            "image": {"size": 32},
        },
        tmp_path,
    )
    result = build_recipe(recipe)
    out = tmp_path / "out"
    assert validate_output(out) == []
    rows = {r["id"]: r for s in sorted((out / "data").glob("*.parquet")) for r in pq.read_table(s).to_pylist()}
    assert all(r["disease_text"] and r["descriptions"] and r["explanations"] for r in rows.values())

    grade0 = rows["deepdrid/regular/test/400_r1"]
    assert grade0["labels"] == [] and grade0["negative_labels"] == ["diabetic_retinopathy"]
    assert grade0["disease_text"] == "No diabetic retinopathy"
    assert "no diabetic retinopathy" in grade0["descriptions"]

    grade4 = rows["deepdrid/regular/test/400_l1"]
    assert grade4["disease_text"] == "Abnormal, Proliferative Diabetic Retinopathy"
    assert any("proliferative" in text.lower() for text in grade4["descriptions"])
    assert grade4["attributes"]["dr_grade"] == 4

    ungradable = rows["deepdrid/ultra_widefield/train/2_l1"]
    assert ungradable["attributes"]["gradable"] is False and ungradable["attributes"]["dr_grade"] is None
    assert ungradable["labels"] == ["ungradable_image"] and ungradable["disease_text"] == "Ungradable Image"
    assert any("no grade can be given" in text for text in ungradable["explanations"])

    mismatched = [i for i, r in rows.items() if r["attributes"]["eye_mismatch"]]
    assert sorted(mismatched) == ["deepdrid/regular/train/56_l3", "deepdrid/regular/train/56_r3"]
    assert result.manifest.counts.flagged_rows == {"deepdrid": {"eye_mismatch": 2}}

    located = rows["idrid/grading/train/IDRiD_001"]
    stored = map_box_to_stored((2858.0, 1805.0, 2858.0, 1805.0), located["geometry"])[:2]
    assert located["attributes"]["od_center"] == pytest.approx(list(stored)), "points follow the recorded geometry"
    assert located["attributes"]["od_center"] != [2858.0, 1805.0]
    assert {r["split"] for r in rows.values()} == {"train", "validation", "test"}

    card = (out / "README.md").read_text()
    assert "## Flagged rows" in card and "| deepdrid: eye_mismatch | 2 |" in card
    assert "porwal2018idrid" in card and "liu2022deepdrid" in card, "each source is cited in the card"

    manifest = json.loads((out / "manifest.json").read_text())
    manifest["counts"]["flagged_rows"]["deepdrid"]["eye_mismatch"] = 5
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert any("counts.flagged_rows" in v.message for v in validate_output(out, check_images=False))
