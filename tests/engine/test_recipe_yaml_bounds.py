"""Recipe YAML is read with bounds (second fault matrix, classes 3, 4 and 5): an anchor/alias bomb, a 5,000-digit
integer and a key given twice are one-line recipe errors naming the file, found in milliseconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mgll_data.errors import RecipeError
from mgll_data.recipe import load_recipe

VALID = "name: bounded\nsources:\n  - name: folder\n    root: tree\n    options: {modality: cxr}\n"


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return VALID + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_bomb(), "anchors and aliases expand past"),
        (VALID + "output: {shard_size: " + "9" * 5000 + "}\n", "an integer of 5000 digits"),
        (VALID + "output: {shard_size: 10}\noutput: {shard_size: 20}\n", "key 'output' is given twice"),
        (VALID.replace("root: tree", "root: tree\n    root: other"), "key 'root' is given twice"),
    ],
    ids=["alias-bomb", "huge-integer", "duplicate-top-key", "duplicate-nested-key"],
)
def test_hostile_recipe_yaml_is_a_one_line_recipe_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)
    assert time.monotonic() - started < 5


def test_anchors_and_merges_within_bounds_still_load(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(VALID + "x-common: &common {shard_size: 50}\noutput:\n  <<: *common\n  dir: out\n")
    with pytest.raises(RecipeError, match="x-common"):  # the anchor holder itself is an unknown recipe key
        load_recipe(path)
    path.write_text(VALID.replace("options: {modality: cxr}", "options: &o {modality: cxr}") + "output: {dir: out}\n")
    assert Path(load_recipe(path).output.dir).name == "out"
