"""Recipe validation: messages name the file, the key and what is allowed; paths resolve against the recipe."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import yaml

from mgll_data.errors import MgllError, RecipeError
from mgll_data.recipe import load_recipe

MINIMAL = {"name": "my-dataset", "sources": [{"name": "odir", "root": "ODIR-5K"}], "output": {"dir": "out/my-dataset"}}


def write_recipe(folder: Path, data: dict, name: str = "recipe.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_minimal_recipe_gets_documented_defaults(tmp_path):
    recipe = load_recipe(write_recipe(tmp_path, MINIMAL))
    assert recipe.output.shard_size == 1000
    assert recipe.split.keep_official is True
    assert (recipe.split.train, recipe.split.validation, recipe.split.test) == (0.8, 0.1, 0.1)
    assert recipe.image.format == "png"


def test_unknown_key_is_named_with_allowed_keys(tmp_path):
    data = {**MINIMAL, "sources": [{"name": "odir", "root": "x", "rot": "typo"}]}
    path = write_recipe(tmp_path, data)
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    message = str(error.value)
    assert str(path) in message
    assert "sources.0.rot: unknown key" in message
    assert "allowed keys: id, name, options, root, split, unlabelled" in message


def test_bad_literal_lists_allowed_values(tmp_path):
    path = write_recipe(tmp_path, {**MINIMAL, "image": {"format": "gif"}})
    with pytest.raises(RecipeError, match=r"image\.format: got 'gif', allowed values: 'png', 'jpeg' or 'webp'"):
        load_recipe(path)


def test_source_split_mode_is_a_literal(tmp_path):
    path = write_recipe(tmp_path, {**MINIMAL, "sources": [{"name": "odir", "root": "x", "split": "random"}]})
    with pytest.raises(RecipeError, match=r"sources\.0\.split: got 'random', allowed values: 'official' or 'policy'"):
        load_recipe(path)


def test_fractions_must_sum_to_one(tmp_path):
    path = write_recipe(tmp_path, {**MINIMAL, "split": {"train": 0.7, "validation": 0.1, "test": 0.1}})
    with pytest.raises(RecipeError, match=r"split: .*must sum to 1, got 0\.9"):
        load_recipe(path)


def test_repeated_source_is_refused(tmp_path):
    repeated = [{"name": "odir", "root": "a"}, {"name": "odir", "root": "b"}]
    path = write_recipe(tmp_path, {**MINIMAL, "sources": repeated})
    with pytest.raises(RecipeError, match="repeated: odir"):
        load_recipe(path)


def test_missing_keys_and_missing_file(tmp_path):
    with pytest.raises(RecipeError, match=r"output: required key is missing"):
        load_recipe(write_recipe(tmp_path, {"name": "x", "sources": [{"name": "odir", "root": "r"}]}))
    missing = tmp_path / "nope.yaml"
    with pytest.raises(RecipeError, match=f"{missing}: file not found"):
        load_recipe(missing)


def test_relative_paths_resolve_against_the_recipe_folder(tmp_path, monkeypatch):
    recipe_dir = tmp_path / "project" / "recipes"
    data = {**MINIMAL, "sources": [{"name": "odir", "root": "../data/ODIR-5K"}], "output": {"dir": "../out/x"}}
    recipe = load_recipe(write_recipe(recipe_dir, data))
    monkeypatch.chdir(tmp_path)
    assert recipe.resolve_root(recipe.sources[0]) == (tmp_path / "project" / "data" / "ODIR-5K").resolve()
    assert recipe.output_dir() == (tmp_path / "project" / "out" / "x").resolve()
    assert recipe.output_dir("elsewhere") == (tmp_path / "elsewhere").resolve()
    absolute = tmp_path / "abs"
    recipe.sources[0].root = str(absolute)
    assert recipe.resolve_root(recipe.sources[0]) == absolute.resolve()


def test_demo_root_is_resolved_by_the_demo_package(tmp_path, monkeypatch):
    asked = []
    demo = types.ModuleType("mgll_data.demo")
    demo.resolve_demo_root = lambda name: asked.append(name) or tmp_path / f"tree-{name}"
    monkeypatch.setitem(sys.modules, "mgll_data.demo", demo)
    recipe = load_recipe(write_recipe(tmp_path, {**MINIMAL, "sources": [{"name": "odir", "root": "demo://odir"}]}))
    assert recipe.resolve_root(recipe.sources[0]) == tmp_path / "tree-odir"
    assert asked == ["odir"]


def test_content_hash_ignores_output_folder_and_wording_but_not_policies(tmp_path):
    base = load_recipe(write_recipe(tmp_path / "a", MINIMAL))
    moved = load_recipe(write_recipe(tmp_path / "b", {**MINIMAL, "output": {"dir": "elsewhere"}, "description": "x"}))
    resized = load_recipe(write_recipe(tmp_path / "c", {**MINIMAL, "image": {"size": 224}}))
    assert base.content_hash() == moved.content_hash()
    assert base.content_hash() != resized.content_hash()


def test_official_split_choice_per_source(tmp_path):
    data = {
        **MINIMAL,
        "sources": [{"name": "a", "root": "a"}, {"name": "b", "root": "b", "split": "policy"}],
        "split": {"keep_official": True},
    }
    recipe = load_recipe(write_recipe(tmp_path, data))
    assert [recipe.keeps_official_split(s) for s in recipe.sources] == [True, False]


RECIPES = sorted((Path(__file__).resolve().parents[2] / "recipes").glob("*.yaml"))


def test_recipes_folder_is_not_empty():
    assert len(RECIPES) >= 4


@pytest.mark.parametrize("path", RECIPES, ids=[p.name for p in RECIPES])
def test_every_recipe_file_validates(path):
    """Every file in recipes/ validates: build recipes name registered adapters; train/eval configs load."""
    from mgll_data.eval.config import load_eval_config
    from mgll_data.sources import available_sources
    from mgll_data.train.config import load_train_config

    if path.name.startswith("train-"):
        assert load_train_config(path).data.dataset
        return
    if path.name.startswith("eval-"):
        assert load_eval_config(path)
        return
    recipe = load_recipe(path)
    assert recipe.sources and all(not s.root.startswith("/") for s in recipe.sources)
    unknown = [s.name for s in recipe.sources if s.name not in available_sources()]
    assert not unknown, f"{path.name} names unregistered adapters {unknown}"


def test_one_adapter_twice_needs_distinct_ids(tmp_path):
    twice = {**MINIMAL, "sources": [{"name": "folder", "root": "a"}, {"name": "folder", "root": "b"}]}
    with pytest.raises(RecipeError, match="source entry ids must be unique; repeated: folder"):
        load_recipe(write_recipe(tmp_path / "twice", twice))
    named = {**twice, "sources": [{"name": "folder", "root": "a"}, {"name": "folder", "id": "mine", "root": "b"}]}
    assert [s.entry_id for s in load_recipe(write_recipe(tmp_path / "named", named)).sources] == ["folder", "mine"]


def test_unknown_adapter_names_the_recipe_key(tmp_path, monkeypatch):
    from mgll_data.engine import opening as engine

    def get_source(name):
        raise RecipeError(f"unknown source {name!r}; available: odir")

    monkeypatch.setattr(engine, "get_source", get_source)
    path = write_recipe(tmp_path, {**MINIMAL, "sources": [{"name": "odri", "root": "x"}]})
    with pytest.raises(RecipeError, match=r"recipe\.yaml: sources\.0\.name: unknown source 'odri'; available: odir"):
        engine.open_sources(load_recipe(path))


def test_ray_backend_without_ray_says_how_to_install(monkeypatch):
    from mgll_data.engine.backends import check_backend

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MgllError, match=r"pip install 'mgll-data\[ray\]'"):
        check_backend("ray")
    with pytest.raises(MgllError, match="allowed values: local, ray"):
        check_backend("spark")
