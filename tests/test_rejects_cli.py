"""`mgll-data rejects`: the registry of reasons, and a built folder's rejects with their meanings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trees import aptos as aptos_tree
from typer.testing import CliRunner

from mgll_data.builder import build_recipe
from mgll_data.cli import app
from mgll_data.recipe import parse_recipe
from mgll_data.rejects import STAGES, check_reason, reason_table
from mgll_data.sources.base import Reject

WIDE = {"COLUMNS": "300"}


def test_reasons_lists_every_registered_reason_with_its_meaning() -> None:
    result = CliRunner().invoke(app, ["rejects", "--reasons", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert list(listed) == list(reason_table())
    for code, info in reason_table().items():
        assert listed[code] == {"stages": list(info.stages), "meaning": info.meaning}
        assert set(info.stages) <= set(STAGES) and info.meaning
    table = CliRunner().invoke(app, ["rejects", "--reasons"], env=WIDE)
    assert table.exit_code == 0 and all(code in table.output for code in listed)


def test_unregistered_or_misplaced_reason_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not in mgll_data/data/reject_reasons.yaml"):
        Reject("x", "a.png", "source", "something_made_up")
    with pytest.raises(ValueError, match="registered for stages"):
        check_reason("exact_duplicate", "source")


def test_rejects_of_a_build_are_counted_with_their_meaning(tmp_path: Path) -> None:
    aptos_tree.make_tree(tmp_path / "aptos")
    recipe = parse_recipe(
        {"name": "r", "sources": [{"name": "aptos", "root": "aptos"}], "output": {"dir": "out"}, "image": {"size": 16}},
        tmp_path,
    )
    out = build_recipe(recipe).out_dir
    counts = json.loads(CliRunner().invoke(app, ["rejects", str(out), "--json"]).output)
    assert counts["total"] == 3 and counts["by_source"]["aptos"] == {"unlabelled": 2, "missing_file": 1}
    result = CliRunner().invoke(app, ["rejects", str(out)], env=WIDE)
    assert result.exit_code == 0
    assert "3 rejected item(s)" in result.output and "unlabelled" in result.output and "missing_file" in result.output
