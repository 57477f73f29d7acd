"""Explanation sentences from measured attributes (cup-to-disc ratio, lesion areas), for granularity 3.

Masks of the challenge sets become attributes at read time (mgll_data/images/masks.py); this turns those numbers
into plain statements a reader could check on the image. Pure and deterministic; wording in data/measures.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml


@cache
def _wording() -> JsonObject:
    return read_data_yaml("mgll_data.text", "data/measures.yaml")


def _percent(fraction: float) -> str:
    percent = fraction * 100
    return "0.1%" if percent < 0.1 else f"{percent:.1f}%" if percent < 10 else f"{percent:.0f}%"


def measurement_sentences(attributes: Mapping[str, Any] | None) -> list[str]:
    """Sentences for the measured attributes present: the cup-to-disc ratio band, then each lesion's area."""
    attributes = attributes or {}
    wording = _wording()
    sentences = []
    ratio = attributes.get("cup_to_disc_ratio")
    if ratio is not None:
        bands = wording["cup_to_disc_ratio"]
        band = next((b for b in bands if ratio < b["below"]), bands[-1])
        sentences.append(band["sentence"].format(ratio=f"{ratio:.2f}".rstrip("0").rstrip(".")))
    for lesion in attributes.get("lesions") or []:
        if lesion.get("area_fraction"):
            name = wording["lesion_names"].get(lesion["name"], lesion["name"])
            sentences.append(wording["lesion"].format(name=name, percent=_percent(lesion["area_fraction"])))
    return sentences
