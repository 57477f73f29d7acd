"""Source entries: one adapter listed twice, typed options in a recipe, unlabelled rows, grade-0 texts."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from trees import aptos as aptos_tree
from trees.images import write_image

from mgll_data.builder import build_recipe
from mgll_data.checks.validate import validate_output
from mgll_data.errors import RecipeError
from mgll_data.recipe import parse_recipe


def _recipe(base: Path, sources: list[dict]) -> object:
    data = {"name": "entries", "sources": sources, "output": {"dir": "out", "shard_size": 50}, "image": {"size": 16}}
    return parse_recipe(data, base, origin=str(base / "recipe.yaml"))


def _rows(out: Path) -> dict[str, dict]:
    return {r["id"]: r for shard in sorted((out / "data").glob("*.parquet")) for r in pq.read_table(shard).to_pylist()}


def test_two_folder_entries_build_with_their_own_ids(tmp_path: Path) -> None:
    for tree, seed in (("clinic_a", 0), ("clinic_b", 10)):
        write_image(tmp_path / tree / "cataract" / "x.png", seed)
        write_image(tmp_path / tree / "normal" / "y.png", seed + 1)
    recipe = _recipe(
        tmp_path,
        [
            {"name": "folder", "root": "clinic_a", "options": {"modality": "fundus"}},
            {"name": "folder", "id": "clinic_b", "root": "clinic_b", "options": {"modality": "fundus"}},
        ],
    )
    result = build_recipe(recipe)
    rows = _rows(result.out_dir)
    assert sorted(rows) == [
        "clinic_b/cataract/x.png",
        "clinic_b/normal/y.png",
        "folder/cataract/x.png",
        "folder/normal/y.png",
    ]
    assert {r["source"] for r in rows.values()} == {"folder", "clinic_b"}
    assert {r["provenance"]["adapter"] for r in rows.values()} == {"folder"}
    assert set(result.manifest.sources) == {"folder", "clinic_b"}
    assert result.manifest.sources["clinic_b"].adapter == "folder"
    assert validate_output(result.out_dir) == []


def test_option_typo_is_one_recipe_error_naming_the_key(tmp_path: Path) -> None:
    write_image(tmp_path / "mine" / "a.png", 0)
    recipe = _recipe(tmp_path, [{"name": "folder", "root": "mine", "options": {"modality": "fundus", "cvs": "x"}}])
    with pytest.raises(RecipeError) as caught:
        build_recipe(recipe)
    message = str(caught.value)
    assert "sources.0.options" in message and "unknown option 'cvs'" in message and "csv" in message
    assert "\n" not in message


def test_grade_zero_says_no_retinopathy_and_unlabelled_are_rejected(tmp_path: Path) -> None:
    root, _ = aptos_tree.make_tree(tmp_path / "aptos")
    result = build_recipe(_recipe(tmp_path, [{"name": "aptos", "root": "aptos"}]))
    rows = _rows(result.out_dir)
    grade0 = rows["aptos/002c21358ce6"]
    assert grade0["disease_text"] == "No diabetic retinopathy"
    assert grade0["descriptions"][0] == "no diabetic retinopathy"
    assert "normal" not in grade0["labels"] and grade0["negative_labels"] == ["diabetic_retinopathy"]
    assert grade0["attributes"]["dr_grade"] == 0
    texts = " ".join([grade0["disease_text"], *grade0["descriptions"], *grade0["explanations"]]).lower()
    assert "healthy" not in texts and "normal" not in texts
    assert rows["aptos/001639a390f0"]["attributes"]["dr_grade"] == 4
    rejects = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    unlabelled = sorted(Path(r["item"]).name for r in rejects if r["reason"] == "unlabelled")
    assert unlabelled == ["0005cfc8afb6.png", "003f0afdcd15.png"]
    assert not any(r["id"].endswith(("0005cfc8afb6", "003f0afdcd15")) for r in rows.values())


def test_unlabelled_keep_marks_rows_and_allows_empty_texts(tmp_path: Path) -> None:
    aptos_tree.make_tree(tmp_path / "aptos")
    result = build_recipe(_recipe(tmp_path, [{"name": "aptos", "root": "aptos", "unlabelled": "keep"}]))
    rows = _rows(result.out_dir)
    kept = rows["aptos/0005cfc8afb6"]
    assert kept["attributes"]["unlabelled"] is True
    assert (kept["disease_text"], kept["descriptions"], kept["explanations"]) == ("", [], [])
    assert rows["aptos/000c1434d8d7"]["attributes"]["unlabelled"] is None
    assert validate_output(result.out_dir) == []
