"""The layers contract (ARCHITECTURE.md, `[tool.importlinter]` in pyproject.toml) holds, and it can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} missing: install the dev extra (import-linter)")
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("ontology/loader.py", "from mgll_data.engine import flow"),  # a stage reaching into the engine
        ("engine/finalize.py", "from mgll_data.export.card import write_card"),  # the engine writing the card
        ("schema.py", "from mgll_data.recipe import Recipe"),  # the foundation reaching up
    ],
)
def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path, module, upward):
    shutil.copytree(ROOT / "mgll_data", tmp_path / "mgll_data", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "mgll_data" / module
    target.write_text(target.read_text() + f"\n\ndef _reaches_up():\n    {upward}\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    importer = "mgll_data." + module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout
