"""Image normalisation: pure functions from a file to stored bytes plus recorded attributes.

Names are resolved lazily, as in `mgll_data.text`: the recipe needs only `ImagePolicy`, and a recipe
mistake should be reported before numpy, Pillow and pydicom are loaded.
"""

from __future__ import annotations

from mgll_data.lazy import lazy_getattr

_EXPORTS = {
    "ImagePolicy": ".policy",
    "ImageRejected": ".rejects",
    "ProcessedImage": ".pipeline",
    "RejectReason": ".rejects",
    "process_image": ".pipeline",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
