"""Unmapped source values and split origins in the manifest and card, and what `validate` checks about them."""

from __future__ import annotations

import json
from pathlib import Path

from trees import aptos as aptos_tree
from trees import origa as origa_tree

from mgll_data.builder import build_recipe
from mgll_data.checks.validate import validate_output
from mgll_data.recipe import parse_recipe


def _build(tmp_path: Path) -> Path:
    aptos_root, _ = aptos_tree.make_tree(tmp_path / "aptos")
    with (aptos_root / "train.csv").open("a", encoding="utf-8") as handle:
        handle.write("000c1434d8d7x,7\r\n")  # a grade outside ICDR 0-4: counted as unmapped
    (aptos_root / "train_images" / "000c1434d8d7.png").replace(aptos_root / "train_images" / "000c1434d8d7x.png")
    origa_tree.write_tree(tmp_path / "origa")
    data = {
        "name": "unmapped",
        "sources": [{"name": "aptos", "root": "aptos"}, {"name": "origa", "root": "origa"}],
        "output": {"dir": "out", "shard_size": 50},
        "image": {"size": 16},
    }
    return build_recipe(parse_recipe(data, tmp_path, origin=str(tmp_path / "recipe.yaml"))).out_dir


def test_manifest_and_card_list_unmapped_values_and_split_origin(tmp_path: Path) -> None:
    out = _build(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    aptos, origa = manifest["sources"]["aptos"], manifest["sources"]["origa"]
    assert aptos["unmapped"] == {"diagnosis": {"7": 1}}
    assert origa["unmapped"] == {}
    assert (aptos["split_origin"], aptos["official_split_defined"]) == ("policy", False)
    assert (origa["split_origin"], origa["official_split_defined"]) == ("official", True)
    assert origa["split_records"] == {"official": 3, "policy": 0}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| aptos | diagnosis | 7 | 1 |" in card
    assert "| origa | official | yes |" in card
    assert validate_output(out) == []


def test_validate_catches_unmapped_counts_that_disagree(tmp_path: Path) -> None:
    out = _build(tmp_path)
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["sources"]["aptos"]["unmapped"] = {}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    messages = [v.message for v in validate_output(out) if v.check == "unmapped"]
    assert any("aptos.unmapped counts 0 value(s); rejects.parquet has 1 unmapped_label rows" in m for m in messages)
    assert any("the card lists unmapped value ('aptos', 'diagnosis', '7', '1')" in m for m in messages)
    manifest["sources"]["aptos"]["unmapped"] = {"diagnosis": {"7": 0}}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    messages = [v.message for v in validate_output(out) if v.check == "unmapped"]
    assert any("has count 0, expected a positive integer" in m for m in messages)
