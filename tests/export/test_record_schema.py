"""schemas/record.schema.json is the code's JSON Schema, and real rows validate against it."""

from __future__ import annotations

import base64
import json

import jsonschema
from export.output_fixture import default_records

from mgll_data.export.record_schema import RECORD_SCHEMA_PATH, render_record_schema, write_record_schema
from mgll_data.schema import FIELDS


def test_published_file_is_in_sync_with_the_code():
    assert RECORD_SCHEMA_PATH.is_file(), "run: python -m mgll_data.export.record_schema"
    published = RECORD_SCHEMA_PATH.read_text(encoding="utf-8")
    assert published == render_record_schema(), (
        "schemas/record.schema.json is out of date with mgll_data/schema.py; "
        "regenerate it with: python -m mgll_data.export.record_schema"
    )


def test_schema_lists_every_field_and_the_non_nullable_ones_as_required():
    schema = json.loads(RECORD_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert list(schema["properties"]) == [f.name for f in FIELDS]
    assert set(schema["required"]) == {f.name for f in FIELDS if not f.nullable}


def test_a_record_as_json_validates():
    record = default_records()[3]
    record["image"] = {**record["image"], "bytes": base64.b64encode(record["image"]["bytes"]).decode()}
    schema = json.loads(RECORD_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(record, schema)
    record["labels"] = "cardiomegaly"
    try:
        jsonschema.validate(record, schema)
    except jsonschema.ValidationError as error:
        assert "labels" in str(error.absolute_path) or "array" in error.message
    else:
        raise AssertionError("a string where a list belongs must not validate")


def test_write_record_schema_writes_the_rendered_text(tmp_path):
    path = write_record_schema(tmp_path / "schemas" / "record.schema.json")
    assert json.loads(path.read_text(encoding="utf-8"))["title"] == "mgll-data record"
    assert path.read_text(encoding="utf-8").endswith("}\n")
