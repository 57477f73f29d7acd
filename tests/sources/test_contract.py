"""Every registered adapter honours the same contract on a fixture tree in its public layout.

Deterministic order, unique ids, every listed item a row or a reject, a wrong root is a LayoutError naming
what was expected, an unknown option is a one-line recipe error, and `mgll-data sources` lists the adapter.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.errors import LayoutError, RecipeError
from mgll_data.sources import available_sources
from mgll_data.sources.base import RawRecord, Reject

ADAPTERS = sorted(available_sources())


def _tree(name: str, tmp_path: Path):
    try:
        module = importlib.import_module(f"trees.{name}")
    except ModuleNotFoundError:
        pytest.fail(f"adapter {name!r} has no fixture-tree builder tests/trees/{name}.py")
    root, options = module.make_tree(tmp_path / name)
    return module, root, options


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_contract(name: str, tmp_path: Path) -> None:
    cls = available_sources()[name]
    module, root, options = _tree(name, tmp_path)
    first = list(cls(root, **options).records())
    again = list(cls(root, **options).records())
    assert first == again, "records must come in the same order with the same content on every read"
    records = [item for item in first if isinstance(item, RawRecord)]
    rejects = [item for item in first if isinstance(item, Reject)]
    assert records, "the fixture tree must yield at least one row"
    ids = [record.id for record in records]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    assert len(records) + len(rejects) == module.LISTED, "every listed item must be a row or a reject"
    assert all(record.image_path.is_file() for record in records)
    assert all(record.source == cls.name and record.modality in ("fundus", "cxr", "synthetic") for record in records)


@pytest.mark.parametrize("name", ADAPTERS)
def test_wrong_root_is_a_layout_error(name: str, tmp_path: Path) -> None:
    cls = available_sources()[name]
    _, _, options = _tree(name, tmp_path)
    empty = tmp_path / "not-a-download"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing here", encoding="utf-8")
    with pytest.raises(LayoutError) as caught:
        cls(empty, **options)
    assert str(empty) in str(caught.value) and "expected layout" in str(caught.value)


@pytest.mark.parametrize("name", ADAPTERS)
def test_unknown_option_is_a_recipe_error_naming_the_key(name: str, tmp_path: Path) -> None:
    cls = available_sources()[name]
    _, root, options = _tree(name, tmp_path)
    with pytest.raises(RecipeError, match="unknown option 'no_such_option'"):
        cls(root, **options, no_such_option=1)


def test_sources_command_lists_every_adapter() -> None:
    result = CliRunner().invoke(app, ["sources"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    missing = [name for name in ADAPTERS if name not in result.output]
    assert not missing, f"`mgll-data sources` does not list {missing}"
