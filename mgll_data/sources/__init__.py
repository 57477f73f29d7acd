"""Source adapters, one module per public dataset, found by name, and the kit they are built from.

To add a source, write `mgll_data/sources/<name>.py` with one `Source` subclass and add the module name to
`ADAPTER_MODULES` (see CONTRIBUTING.md). The kit: `base` (Source, RawRecord, Reject, SourceOptions),
`tables` (read_table), `files` (FileIndex), `labels` (LabelSet).
"""

from __future__ import annotations

import importlib

from mgll_data.config_io import did_you_mean
from mgll_data.errors import RecipeError
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions

ADAPTER_MODULES: tuple[str, ...] = (
    "odir",
    "iu_xray",
    "folder",
    "aptos",
    # fundus sources II (issue 11)
    "rfmid",
    "rfmid2",
    "jsiec",
    "refuge",
    "refuge2",
    "palm",
    "adam",
    "rimone_dl",
    "papila",
    "origa",
    "g1020",
    "fives",
    "mured",
    "brset",
    # issue 10: diabetic-retinopathy grading and image-quality sources
    "eyepacs",
    "messidor",
    "messidor2",
    "idrid",
    "ddr",
    "deepdrid",
    # chest X-ray sources I (issue 12)
    "nih_cxr14",
    "chexpert",
    "rsna_pneumonia",
    "siim_pneumothorax",
    "vindr_cxr",
    "covidx",
    "montgomery",
    "shenzhen",
    "tbx11k",
    "object_cxr",
    "chexlocalize",
    "padchest",
    # chest X-ray sources II (issue 13)
    "mimic_cxr",
    "mimic_cxr_jpg",
    "chexpert_plus",
    # generated: the synthetic shapes benchmark (mgll_data/demo/shapes_tree.py)
    "synthetic_shapes",
)


def adapter_class(module_name: str) -> type[Source]:
    """The one concrete `Source` subclass defined in `mgll_data.sources.<module_name>`."""
    module = importlib.import_module(f"mgll_data.sources.{module_name}")
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, Source)
        and obj.__module__ == module.__name__
        and not getattr(obj, "__abstractmethods__", None)
    ]
    if len(classes) != 1:
        raise RuntimeError(f"mgll_data.sources.{module_name} must define exactly one Source subclass")
    return classes[0]


def available_sources() -> dict[str, type[Source]]:
    """Adapter name -> class, for every registered module."""
    return {cls.name: cls for cls in map(adapter_class, ADAPTER_MODULES)}


def get_source(name: str) -> type[Source]:
    sources = available_sources()
    if name not in sources:
        available = ", ".join(sorted(sources))
        raise RecipeError(f"unknown source {name!r}; available: {available}{did_you_mean(name, list(sources))}")
    return sources[name]


__all__ = ["ADAPTER_MODULES", "RawRecord", "Reject", "Source", "SourceOptions", "available_sources", "get_source"]
