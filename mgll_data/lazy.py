"""Lazy package exports: a name is imported from its module on first use, not when the package is imported.

The package, `mgll_data.text` and `mgll_data.images` export names whose modules pull in spaCy, torch, numpy or
Pillow; a recipe mistake or `mgll-data --help` must not pay for those.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` serving `exports` (name -> module path, absolute or relative to `package`)."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        setattr(sys.modules[package], name, value)  # later uses find it at once, not through here (a per-row cost)
        return value

    return __getattr__
