"""The package's own YAML data files (ontology, rules, wording, reasons), parsed the one fast way.

libyaml's C parser is several times faster than PyYAML's pure-Python one; every build process and pool worker
reads a dozen of these files at start-up, so the parser is a visible share of a small build's CPU time.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data_yaml(text: str) -> Any:
    """Parse the text of one of the package's data files (safe: plain YAML types only)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader


def read_data_yaml(package: str, name: str) -> Any:
    """Parse the data file `name` (a path relative to `package`, e.g. "data/cleaning.yaml")."""
    return load_data_yaml(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
