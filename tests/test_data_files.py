"""The package's data files are parsed with libyaml's C loader; it must read every one of them exactly as PyYAML's
pure-Python safe loader does (the two differ on a few edge cases of the YAML spec)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import mgll_data
from mgll_data.data_files import load_data_yaml, read_data_yaml

PACKAGE = Path(mgll_data.__file__).parent
DATA_FILES = sorted(PACKAGE.rglob("*.yaml"))


def test_the_package_has_data_files():
    assert len(DATA_FILES) > 20


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_each_data_file_reads_as_the_pure_python_loader_reads_it(path):
    text = path.read_text(encoding="utf-8")
    assert load_data_yaml(text) == yaml.safe_load(text)


def test_read_data_yaml_takes_a_path_inside_a_package():
    assert read_data_yaml("mgll_data", "data/reject_reasons.yaml") == yaml.safe_load(
        (PACKAGE / "data" / "reject_reasons.yaml").read_text(encoding="utf-8")
    )
