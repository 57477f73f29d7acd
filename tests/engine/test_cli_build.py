"""`mgll-data build` as users run it: a recipe file in, a summary table out, user mistakes as one message."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from build_fixtures import CsvSource
from typer.testing import CliRunner

from mgll_data import cli
from mgll_data.engine import opening


def test_build_command_builds_and_prints_a_summary(tmp_path, fundus_tree, monkeypatch):
    monkeypatch.setattr(opening, "get_source", lambda name: CsvSource)
    recipe = tmp_path / "recipes" / "fixture.yaml"
    recipe.parent.mkdir()
    recipe.write_text(
        yaml.safe_dump(
            {
                "name": "cli-fixture",
                "sources": [{"name": "csv_fundus", "root": "../fundus"}],
                "output": {"dir": "../built", "shard_size": 8},
                "image": {"size": 16},
            }
        )
    )
    result = CliRunner().invoke(cli.app, ["build", str(recipe), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "built" / "manifest.json").read_text())
    assert "cli-fixture" in result.output and "rows: train" in result.output
    for split, info in manifest["splits"].items():
        assert re.search(rf"rows: {split}\s*\S\s*{info['rows']}\s", result.output), result.output
    assert "rejected" in result.output


def test_build_command_reports_a_recipe_mistake_without_traceback(tmp_path, monkeypatch, capsys):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("name: x\nsources: [{name: odir, root: r}]\noutput: {dir: o, shards: 3}\n")
    monkeypatch.setattr("sys.argv", ["mgll-data", "build", str(recipe)])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "output.shards: unknown key" in err and "Traceback" not in err
