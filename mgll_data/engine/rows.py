"""From a raw record, its processed image and its composed texts to one row of the record schema."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from mgll_data.config_io import JsonObject
from mgll_data.images.geometry import map_box_to_stored
from mgll_data.images.pipeline import ProcessedImage
from mgll_data.published import path_in_source, published_item
from mgll_data.records import EntryFacts, RawRecord
from mgll_data.schema import (
    ATTRIBUTES_TYPE,
    BOX_ATTRIBUTES,
    FIELD_NAMES,
    HASHES_TYPE,
    POINT_ATTRIBUTES,
    Attributes,
    GeometryRecord,
    empty_attributes,
    empty_geometry,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
ATTRIBUTE_NAMES = frozenset(f.name for f in ATTRIBUTES_TYPE)


def image_file_name(record_id: str, image_format: str) -> str:
    """A file name for the image struct's `path` that is unique per id and safe on every filesystem.

    Ids of safe characters map one to one ('/' becomes '__'); any other id (`a b` beside `a_b`, `a__b` beside
    `a/b`) also gets a short hash of the id, so two rows never share a stored path (exports write files by it).
    """
    safe = _UNSAFE.sub("_", record_id.replace("/", "__"))
    if _UNSAFE.search(record_id.replace("/", "")) or "__" in record_id:
        safe += "-" + hashlib.sha256(record_id.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{safe}.{image_format}"


def to_stored_coordinates(attributes: Attributes, geometry: GeometryRecord) -> JsonObject:
    """Points and boxes given in original-file pixels, moved into stored-image pixels (pure)."""
    if geometry.get("scale") is None:
        return attributes
    moved = dict(attributes)
    for key in POINT_ATTRIBUTES:
        if moved.get(key) is not None:
            x, y = moved[key]
            moved[key] = list(map_box_to_stored((x, y, x, y), geometry)[:2])
    for key in BOX_ATTRIBUTES:
        if moved.get(key):
            moved[key] = [
                {
                    "label": box["label"],
                    **dict(
                        zip(
                            ("x0", "y0", "x1", "y1"),
                            map_box_to_stored((box["x0"], box["y0"], box["x1"], box["y1"]), geometry),
                            strict=True,
                        )
                    ),
                }
                for box in moved[key]
            ]
    return moved


def _attributes(record: RawRecord, image: ProcessedImage, geometry: GeometryRecord) -> JsonObject:
    unknown = sorted((set(record.attributes) | set(image.attributes)) - ATTRIBUTE_NAMES)
    if unknown:
        allowed = sorted(ATTRIBUTE_NAMES)
        raise ValueError(f"{record.id}: attributes not in the record schema: {unknown}; allowed: {allowed}")
    attributes = empty_attributes()
    attributes.update(to_stored_coordinates(record.attributes, geometry))
    attributes.update({k: v for k, v in image.attributes.items() if v is not None})
    return attributes


def make_row(record: RawRecord, split: str, image: ProcessedImage, texts: Any, meta: EntryFacts) -> JsonObject:
    """One row with exactly the schema's columns; `texts` is what `compose_texts` returned."""
    report = record.report or {}
    geometry = empty_geometry()
    geometry.update(image.geometry)
    hashes = {f.name: None for f in HASHES_TYPE}
    hashes.update(image.hashes)
    row = {
        "id": record.id,
        "source": record.source,
        "modality": record.modality,
        "split": split,
        "patient_id": record.patient_id,
        "study_id": record.study_id,
        "image": {"bytes": image.data, "path": image_file_name(record.id, image.format)},
        "width": image.width,
        "height": image.height,
        "view": record.view or image.view,  # a source's own view wins over the DICOM ViewPosition
        "laterality": record.laterality,
        "labels": list(record.labels),
        "uncertain_labels": list(record.uncertain_labels),
        "negative_labels": list(record.negative_labels),
        "disease_text": texts.disease_text,
        "descriptions": list(texts.descriptions),
        "explanations": list(texts.explanations),
        "report_findings": report.get("findings"),
        "report_impression": report.get("impression"),
        "attributes": {**_attributes(record, image, geometry), **({"synthetic": True} if meta.synthetic else {})},
        "geometry": geometry,
        "hashes": hashes,
        "provenance": {
            "source_file": record.source_file,
            "source_entry": record.source_entry,
            "image_file": published_item(record.image_path, meta.root, record.published_path),
            "source_version": meta.version or None,
            "licence_class": meta.licence_class,
            "adapter": meta.adapter,
            "related_files": [path_in_source(p, meta.root) for p in record.related_files],
        },
    }
    assert tuple(row) == FIELD_NAMES, "make_row must follow mgll_data.schema.FIELDS"
    return row
