"""`mgll-data plan`: the fundus and CXR recipes over generated trees, previewed without decoding or writing."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml
from trees import adam
from typer.testing import CliRunner

from mgll_data import cli
from mgll_data.cli import app

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
PART_REASONS = ("missing_part", "unread_file")


def _recipe_over_trees(base: Path, recipe_file: str, drop: tuple[str, ...] = ()) -> tuple[Path, dict[str, int]]:
    """The shipped recipe with each entry's root pointed at that adapter's generated tree; returns the recipe file
    and each entry's LISTED (items its tree lists: every one must come back as a row or a reject)."""
    shipped = yaml.safe_load((RECIPES / recipe_file).read_text(encoding="utf-8"))
    entries, listed = [], {}
    for entry in shipped["sources"]:
        if entry["name"] in drop:
            continue
        module = importlib.import_module(f"trees.{entry['name']}")
        root, options = module.make_tree(base / entry["name"])
        entries.append({**entry, "root": str(root), "options": {**entry.get("options", {}), **options}})
        listed[entry["name"]] = module.LISTED
    shipped.update(sources=entries, output={"dir": str(base / "out")})
    path = base / "recipe.yaml"
    path.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    return path, listed


def _plan(recipe: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["plan", str(recipe), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["sources"]


def _check_accounts(plan: list[dict], listed: dict[str, int]) -> None:
    for found in plan:
        items = found["rows"] + found["rejects"] - sum(found["rejects_by_reason"].get(r, 0) for r in PART_REASONS)
        assert items == listed[found["adapter"]], found["entry"]


def test_plan_fundus_recipe_over_generated_trees(tmp_path: Path) -> None:
    recipe, listed = _recipe_over_trees(tmp_path, "mgll-fundus.yaml")
    plan = _plan(recipe)
    by_entry = {found["entry"]: found for found in plan}
    assert set(by_entry) == {entry for entry in listed}
    _check_accounts(plan, listed)
    assert not (tmp_path / "out").exists(), "plan writes nothing"
    assert (by_entry["origa"]["split_origin"], by_entry["origa"]["official_split_defined"]) == ("official", True)
    assert by_entry["aptos"]["split_origin"] == "policy" and not by_entry["aptos"]["official_split_defined"]
    assert by_entry["aptos"]["rejects_by_reason"] == {"missing_file": 1, "unlabelled": 2}  # test.csv: no grades
    assert by_entry["aptos"]["parts_read"] == {"train.csv": 3, "test.csv": 2}
    assert by_entry["odir"]["unmapped"] == {}
    assert by_entry["eyepacs"]["rows_by_split"].keys() >= {"validation", "test"}


def test_plan_names_a_partial_download_and_prints_a_table(tmp_path: Path, monkeypatch) -> None:
    recipe, listed = _recipe_over_trees(tmp_path, "mgll-fundus.yaml", drop=("mured",))
    shutil.rmtree(tmp_path / "aptos" / "test_images")
    [aptos] = [found for found in _plan(recipe) if found["entry"] == "aptos"]
    assert aptos["parts_missing"] == [
        {"part": "test_images", "reason": "missing_part", "detail": "test.csv lists 2 image(s); test_images/ is absent"}
    ]
    monkeypatch.setattr(cli.console, "width", 300)  # the console may have been made narrow by an earlier test
    result = CliRunner().invoke(app, ["plan", str(recipe)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "│ aptos" in line)
    assert "missing_file 1, missing_part 1" in line and "test.csv lists 2 image(s)" in line
    assert "policy (source defines none)" in line


def test_plan_cxr_recipe_over_generated_trees(tmp_path: Path) -> None:
    recipe, listed = _recipe_over_trees(tmp_path, "cxr-public.yaml")
    plan = _plan(recipe)
    assert [found["entry"] for found in plan] == [e["name"] for e in yaml.safe_load(recipe.read_text())["sources"]]
    _check_accounts(plan, listed)
    by_entry = {found["entry"]: found for found in plan}
    assert by_entry["nih_cxr14"]["split_origin"] == "official"
    assert by_entry["nih_cxr14"]["rows_by_split"] == {"test": 1, "train": 3}
    assert by_entry["montgomery"]["split_origin"] == "policy"
    assert by_entry["padchest"]["unmapped"] == {"Labels": {"kyphosis": 1}}
    assert by_entry["padchest"]["rejects_by_reason"] == {"missing_file": 1, "unlabelled": 2}


def test_plan_recipe_error_is_reported_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("name: x\nsources: []\n", encoding="utf-8")
    code = "import sys; from mgll_data.cli import main; sys.argv = ['mgll-data', *sys.argv[1:]]; main()"
    command = [sys.executable, "-c", code, "plan", str(tmp_path / "r.yaml")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "r.yaml is not valid" in result.stderr + result.stdout


def test_split_defined_when_records_carry_one_though_the_class_says_none() -> None:
    """MIMIC-CXR states no split itself but takes the JPG release's: its records carrying splits count."""
    from mgll_data.engine.plan import plan_notes

    assert plan_notes(False, {}, {"official": 3, "policy": 0, "carried": 3})["official_split_defined"] is True
    notes = plan_notes(False, {}, {"official": 0, "policy": 2, "carried": 0})
    assert (notes["official_split_defined"], notes["split_origin"]) == (False, "policy")
    assert plan_notes(False, {}, {"official": 1, "policy": 2, "carried": 1})["split_origin"] == "mixed"


def test_entries_listed_in_worker_processes_give_the_serial_plan(tmp_path: Path) -> None:
    """With workers, each entry is opened and listed in its own process and counted here in recipe order: the plan
    is the serial one, duplicates across entries included (a tree listed under two entry ids: every image of the
    second is a `duplicate_image` reject)."""
    cxr, _ = _recipe_over_trees(tmp_path / "cxr", "cxr-public.yaml")
    entries = yaml.safe_load(cxr.read_text())["sources"]
    nih = next(e for e in entries if e["name"] == "nih_cxr14")
    entries.append({**nih, "id": "nih_again"})
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({"name": "twice", "sources": entries, "output": {"dir": str(tmp_path / "out")}}))
    runs = {}
    for workers in ("1", "2", "3"):
        result = CliRunner().invoke(app, ["plan", str(recipe), "--json", "--workers", workers])
        assert result.exit_code == 0, result.output
        runs[workers] = json.loads(result.output)
    assert runs["2"] == runs["1"] == runs["3"]
    by_entry = {found["entry"]: found for found in runs["2"]["sources"]}
    first, again = by_entry["nih_cxr14"], by_entry["nih_again"]
    assert again["rows"] == 0 and again["rejects_by_reason"]["duplicate_image"] == first["rows"] > 0


def test_an_entry_error_in_a_worker_is_the_serial_one_line_message(tmp_path: Path) -> None:
    """A layout error met while a worker opens its entry reaches the user as the same one line, no traceback."""
    cxr, _ = _recipe_over_trees(tmp_path, "cxr-public.yaml")
    (tmp_path / "nih_cxr14").rename(tmp_path / "moved")
    code = "import sys; from mgll_data.cli import main; sys.argv = ['mgll-data', *sys.argv[1:]]; main()"
    outputs = []
    for workers in ("1", "2"):
        command = [sys.executable, "-c", code, "plan", str(cxr), "--workers", workers]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        outputs.append(result.stdout + result.stderr)
    assert outputs[0] == outputs[1] and "nih_cxr14" in outputs[1]


def test_plan_counts_equal_what_a_build_of_the_same_trees_produces(tmp_path: Path) -> None:
    """The preview's rows per split, rejects per reason and unmapped values are the build's, entry by entry (the
    trees hold missing files, unlabelled and unmapped items, official and policy splits)."""
    import pyarrow.parquet as pq

    from mgll_data.builder import build_recipe
    from mgll_data.recipe import load_recipe

    fundus, _ = _recipe_over_trees(tmp_path / "fundus", "mgll-fundus.yaml")
    cxr, _ = _recipe_over_trees(tmp_path / "cxr", "cxr-public.yaml")
    keep = {"aptos", "origa", "refuge2", "adam", "nih_cxr14", "padchest"}
    entries = [e for r in (fundus, cxr) for e in yaml.safe_load(r.read_text())["sources"] if e["name"] in keep]
    release = adam.write_release(tmp_path / "adam_release")  # GT text tables: unmapped and unlabelled items too
    entries.append({"name": "adam", "id": "adam_release", "root": str(release)})
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({"name": "both", "sources": entries, "output": {"dir": str(tmp_path / "out")}}))
    plan = {found["entry"]: found for found in _plan(recipe)}
    assert set(plan) == keep | {"adam_release"}
    assert plan["adam_release"]["unmapped"] == {"label": {"2": 1}}

    result = build_recipe(load_recipe(recipe), out=tmp_path / "out")
    rejects = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    for entry, found in plan.items():
        built = [r for r in rejects if r["source"] == entry and r["stage"] != "image"]
        decoded = sum(r["source"] == entry and r["stage"] == "image" for r in rejects)  # what a preview cannot see
        assert found["rejects_by_reason"] == dict(Counter(r["reason"] for r in built)), entry
        rows = manifest["counts"]["by_source_split"].get(entry, {})
        assert found["rows"] == sum(rows.values()) + decoded, entry
        assert decoded or found["rows_by_split"] == rows, entry
        assert found["unmapped"] == manifest["sources"][entry]["unmapped"], entry
