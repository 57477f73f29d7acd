"""Layout facts of an adapter (folder-name variants, header spellings, value maps) kept in a YAML file beside it.

Adapters whose download has many spellings keep them as data, not code; this reads `<name>.yaml` from this
package once per process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from mgll_data.config_io import JsonObject
from mgll_data.data_files import load_data_yaml


@cache
def layout_spec(name: str) -> JsonObject:
    """The parsed `mgll_data/sources/<name>.yaml`."""
    text = resources.files("mgll_data.sources").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data: JsonObject = load_data_yaml(text)
    return data
