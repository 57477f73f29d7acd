"""Adapters share code through the kit, never by importing a sibling adapter (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import mgll_data.sources as sources
from mgll_data.sources import ADAPTER_MODULES

FOLDER = Path(sources.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_adapter_imports_another_adapter():
    adapters = {f"mgll_data.sources.{name}" for name in ADAPTER_MODULES}
    offenders = {
        name: sorted(imported_modules(FOLDER / f"{name}.py") & (adapters - {f"mgll_data.sources.{name}"}))
        for name in ADAPTER_MODULES
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_check_sees_a_sibling_import(tmp_path):
    module = tmp_path / "g1020.py"
    module.write_text("from mgll_data.sources.origa import glaucoma_labels\n", encoding="utf-8")
    assert "mgll_data.sources.origa" in imported_modules(module)
