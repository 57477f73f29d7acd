"""Kit for the Kaggle glaucoma bundles (ORIGA, G1020): their 0/1 glaucoma cells and their 0/1/2 disc-cup masks.

Both adapters read the same two things the same way, so the code lives here rather than in either adapter.
"""

from __future__ import annotations

from typing import Any

from mgll_data.config_io import JsonObject
from mgll_data.images.masks import MaskError, disc_cup_attributes, read_mask
from mgll_data.records import Reject
from mgll_data.sources.base import Source
from mgll_data.sources.labels import LabelSet

GLAUCOMA = {"0": "non-glaucoma", "1": "glaucoma"}


def mask_attributes(source: Source, masks: Any, stem: str) -> tuple[JsonObject, list] | Reject:
    """Disc/cup attributes from `<masks>/<stem>.png` (label values 0/1/2) and the mask as a related file; shared by
    the Kaggle glaucoma bundles (ORIGA, G1020). No mask folder or file: nothing."""
    mask = source.files.find_stem(stem, (".png",), under=masks) if masks is not None else None
    if mask is None:
        return {}, []
    try:
        return disc_cup_attributes(read_mask(mask), "label_values"), [mask]
    except MaskError as error:
        return source.reject(mask, "source", "unreadable_mask", str(error))


def glaucoma_labels(value: str) -> LabelSet:
    """0/1 glaucoma cell -> label states; raises UnmappedLabel for any other value."""
    labels = LabelSet()
    labels.add("glaucoma_status", GLAUCOMA.get(value.removesuffix(".0"), value))
    return labels
