"""Image normalisation: pure functions from a file to stored bytes plus recorded attributes.

Names are resolved lazily, as in `mgll_data.text`: the recipe needs only `ImagePolicy`, and a recipe
mistake should be reported before numpy, Pillow and pydicom are loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ImagePolicy": "policy",
    "ImageRejected": "rejects",
    "ProcessedImage": "pipeline",
    "RejectReason": "rejects",
    "process_image": "pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mgll_data.images' has no attribute {name!r}")
    return getattr(importlib.import_module(f"mgll_data.images.{_EXPORTS[name]}"), name)
