"""The record schema: one row per image, the contract every stage and every user relies on.

This module is the single definition. The Arrow schema written into shards, the `datasets.Features`
that `load_dataset` returns, and the JSON Schema published in `schemas/record.schema.json` are all
derived from `FIELDS` below, and a test keeps the published file in sync.
Renaming or removing a field needs a `SCHEMA_VERSION` bump; adding one does not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeAlias

import pyarrow as pa

Row: TypeAlias = dict[str, Any]
"""One record as Python values (column name to value), as pyarrow's `to_pylist` gives it and the writer takes it."""
Attributes: TypeAlias = dict[str, Any]
"""The `attributes` struct of a record (keys: the ATTRIBUTES_TYPE fields)."""
GeometryRecord: TypeAlias = dict[str, Any]
"""The `geometry` struct of a record: how stored pixels map to the original file's."""

SCHEMA_VERSION = "1.0.0"


@dataclass(frozen=True)
class Field:
    """One column: its name, Arrow type, whether it may be null, and what it means."""

    name: str
    type: pa.DataType
    nullable: bool
    doc: str


def _struct(*fields: tuple[str, pa.DataType]) -> pa.StructType:
    return pa.struct([pa.field(name, dtype) for name, dtype in fields])


IMAGE_TYPE = _struct(("bytes", pa.binary()), ("path", pa.string()))

BOX_TYPE = _struct(
    ("label", pa.string()), ("x0", pa.float32()), ("y0", pa.float32()), ("x1", pa.float32()), ("y1", pa.float32())
)

ATTRIBUTES_TYPE = _struct(
    ("age", pa.float32()),
    ("sex", pa.string()),
    ("gradable", pa.bool_()),
    ("quality", pa.string()),
    ("device", pa.string()),
    ("body_part", pa.string()),
    ("dicom_modality", pa.string()),
    ("photometric", pa.string()),
    ("pixel_spacing", pa.list_(pa.float32())),
    ("bit_depth", pa.int32()),
    ("fov_found", pa.bool_()),
    ("fov_radius", pa.float32()),
    ("blur", pa.float32()),
    ("exposure", pa.float32()),
    ("dr_grade", pa.int32()),
    ("dme_grade", pa.int32()),
    ("messidor_grade", pa.int32()),
    ("macular_edema_risk", pa.int32()),
    ("quality_overall", pa.int32()),
    ("quality_clarity", pa.int32()),
    ("quality_field", pa.int32()),
    ("quality_artifact", pa.int32()),
    ("eye_mismatch", pa.bool_()),
    ("cup_to_disc_ratio", pa.float32()),
    ("od_center", pa.list_(pa.float32())),
    ("fovea_center", pa.list_(pa.float32())),
    ("lesions", pa.list_(_struct(("name", pa.string()), ("area_fraction", pa.float32())))),
    ("boxes", pa.list_(BOX_TYPE)),
    ("mask_area_fraction", pa.float32()),
    ("dataset_origin", pa.string()),
    ("reader_count", pa.int32()),
    ("label_origin", pa.string()),
    ("unlabelled", pa.bool_()),
    ("synthetic", pa.bool_()),
)
# Attributes holding image coordinates: adapters give them in the original file's pixels, and the build maps
# them through the recorded geometry, so stored values are in stored-image pixels.
POINT_ATTRIBUTES = ("od_center", "fovea_center")
# Boolean attributes marking a row kept despite an inconsistency in its source (DeepDRiD's grade in the other
# eye's column): the manifest counts the rows carrying each, per source, so none goes unnoticed.
FLAG_ATTRIBUTES = ("eye_mismatch",)
BOX_ATTRIBUTES = ("boxes",)

GEOMETRY_TYPE = _struct(
    ("policy", pa.string()),
    ("orig_width", pa.int32()),
    ("orig_height", pa.int32()),
    ("crop_x", pa.int32()),
    ("crop_y", pa.int32()),
    ("crop_width", pa.int32()),
    ("crop_height", pa.int32()),
    ("scale", pa.float64()),
    ("pad_left", pa.int32()),
    ("pad_top", pa.int32()),
    ("resample", pa.string()),
)

HASHES_TYPE = _struct(("pixel_sha256", pa.string()), ("phash", pa.string()))

PROVENANCE_TYPE = _struct(
    ("source_file", pa.string()),
    ("source_entry", pa.string()),
    ("image_file", pa.string()),
    ("source_version", pa.string()),
    ("licence_class", pa.string()),
    ("adapter", pa.string()),
    ("related_files", pa.list_(pa.string())),
)

STRINGS = pa.list_(pa.string())

FIELDS: tuple[Field, ...] = (
    Field("id", pa.string(), False, "stable unique id, same on every rebuild (source + native id)"),
    Field("source", pa.string(), False, "adapter name, e.g. odir, iu_xray"),
    Field("modality", pa.string(), False, "fundus or cxr"),
    Field("split", pa.string(), False, "train, validation or test (official splits kept)"),
    Field("patient_id", pa.string(), False, "pseudonymous patient key (never a name or MRN)"),
    Field("study_id", pa.string(), True, "study / exam / visit key"),
    Field("image", IMAGE_TYPE, False, "encoded image bytes (PNG 8/16 bit, JPEG or WebP) and a file name"),
    Field("width", pa.int32(), False, "width of the stored image in pixels"),
    Field("height", pa.int32(), False, "height of the stored image in pixels"),
    Field("view", pa.string(), True, "CXR view: PA, AP, LATERAL, LL, ...; null where unknown"),
    Field("laterality", pa.string(), True, "fundus eye: L or R"),
    Field("labels", STRINGS, False, "positive findings as canonical ontology ids"),
    Field("uncertain_labels", STRINGS, False, "findings stated as possible or uncertain"),
    Field("negative_labels", STRINGS, False, "findings explicitly stated absent"),
    Field("disease_text", pa.string(), False, "granularity 1: the disease labels in words"),
    Field("descriptions", STRINGS, False, "granularity 2: diagnostic descriptions"),
    Field("explanations", STRINGS, False, "granularity 3: clinical explanations"),
    Field("report_findings", pa.string(), True, "FINDINGS section of the source report"),
    Field("report_impression", pa.string(), True, "IMPRESSION section of the source report"),
    Field(
        "attributes",
        ATTRIBUTES_TYPE,
        False,
        "quality, gradability, device, age, sex, DICOM and fundus attributes; synthetic: drawn by mgll-data (demo)",
    ),
    Field("geometry", GEOMETRY_TYPE, False, "how the stored image maps back to the original pixels"),
    Field("hashes", HASHES_TYPE, False, "exact pixel hash and perceptual hash, for deduplication"),
    Field("provenance", PROVENANCE_TYPE, False, "source file, entry, image file, version and licence class"),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)


def features() -> Any:
    """The `datasets.Features` of a record (Image for `image`, lists as `List`)."""
    import datasets

    def convert(name: str, dtype: pa.DataType) -> Any:
        if name == "image":
            return datasets.Image()
        if pa.types.is_struct(dtype):
            return {f.name: convert(f.name, f.type) for f in dtype}
        if pa.types.is_list(dtype):
            return datasets.List(convert("", dtype.value_type))
        return datasets.Value(str(dtype) if str(dtype) != "bool" else "bool")

    return datasets.Features({f.name: convert(f.name, f.type) for f in FIELDS})


_DATASETS_DTYPES = {"halffloat": "float16", "float": "float32", "double": "float64"}  # Arrow's names -> datasets'


def _feature_dict(name: str, dtype: pa.DataType) -> dict[str, Any]:
    """`features()` in its serialised form (`Features.to_dict()`), written out here so a build worker need
    not import `datasets` (a third of a second per process) to write a shard; a test keeps the two equal."""
    if name == "image":
        return {"_type": "Image"}
    if pa.types.is_struct(dtype):
        return {f.name: _feature_dict(f.name, f.type) for f in dtype}
    if pa.types.is_list(dtype):
        return {"feature": _feature_dict("", dtype.value_type), "_type": "List"}
    return {"dtype": _DATASETS_DTYPES.get(str(dtype), str(dtype)), "_type": "Value"}


def _card_feature(name: str, dtype: pa.DataType) -> dict[str, Any]:
    """One feature in the dataset card's YAML form (`datasets.Features._to_yaml_list`), without the name."""
    if name == "image":
        return {"dtype": "image"}
    if pa.types.is_struct(dtype):
        return {"struct": [{"name": f.name, **_card_feature(f.name, f.type)} for f in dtype]}
    if pa.types.is_list(dtype):
        inner = _card_feature("", dtype.value_type)
        only = next(iter(inner)) if len(inner) == 1 else None
        return {"list": inner[only] if only in ("dtype", "struct") else inner}
    return {"dtype": _DATASETS_DTYPES.get(str(dtype), str(dtype))}


def card_features() -> list[dict[str, Any]]:
    """`features()` as the dataset card's `dataset_info.features` states them, written out here so a build
    need not import `datasets` to write its card; a test keeps the two equal."""
    return [{"name": f.name, **_card_feature(f.name, f.type)} for f in FIELDS]


def arrow_schema() -> pa.Schema:
    """The Arrow schema of a shard, with the `huggingface` metadata `load_dataset` reads features from.

    Every Arrow field is nullable: `datasets` uses the stored features only for fields whose Arrow type
    matches its own (always nullable) exactly, so a non-nullable `image` would load as a plain struct when a
    shard is read without the dataset card. Required fields stay required in the contract: `Field.nullable`,
    the JSON Schema's `required` list and `mgll-data validate` enforce them.
    """
    schema = pa.schema([pa.field(f.name, f.type, nullable=True) for f in FIELDS])
    stated = {f.name: _feature_dict(f.name, f.type) for f in FIELDS}
    metadata = {
        b"huggingface": json.dumps({"info": {"features": stated}}).encode(),
        b"mgll_data_schema_version": SCHEMA_VERSION.encode(),
    }
    return schema.with_metadata(metadata)


def _json_type(dtype: pa.DataType, nullable: bool) -> dict[str, Any]:
    if pa.types.is_struct(dtype):
        node: dict[str, Any] = {
            "type": "object",
            "properties": {f.name: _json_type(f.type, True) for f in dtype},
            "additionalProperties": False,
        }
    elif pa.types.is_list(dtype):
        node = {"type": "array", "items": _json_type(dtype.value_type, False)}
    elif pa.types.is_boolean(dtype):
        node = {"type": "boolean"}
    elif pa.types.is_integer(dtype):
        node = {"type": "integer"}
    elif pa.types.is_floating(dtype):
        node = {"type": "number"}
    elif pa.types.is_binary(dtype):
        node = {"type": "string", "contentEncoding": "base64"}
    else:
        node = {"type": "string"}
    if nullable:
        node["type"] = [node["type"], "null"]
    return node


def json_schema() -> dict[str, Any]:
    """The record as JSON Schema (draft 2020-12), published in `schemas/record.schema.json`."""
    properties = {}
    for f in FIELDS:
        node = _json_type(f.type, f.nullable)
        node["description"] = f.doc
        properties[f.name] = node
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"mgll-data/record/{SCHEMA_VERSION}",
        "title": "mgll-data record",
        "description": "One row per image of a multi-granular image-text dataset built by mgll-data.",
        "type": "object",
        "properties": properties,
        "required": [f.name for f in FIELDS if not f.nullable],
        "additionalProperties": False,
    }


def empty_attributes() -> dict[str, Any]:
    return {f.name: None for f in ATTRIBUTES_TYPE}


def empty_geometry() -> dict[str, Any]:
    return {f.name: None for f in GEOMETRY_TYPE}
