"""The files in schemas/ are the code's JSON Schemas, and real rows and recipes validate against them."""

from __future__ import annotations

import base64
import json

import jsonschema
import pytest
import yaml
from export.output_fixture import default_records

from mgll_data.published_schemas import GENERATORS, SCHEMAS_DIR, render_schema, write_schemas
from mgll_data.schema import FIELDS

RECORD_SCHEMA_PATH = SCHEMAS_DIR / "record.schema.json"


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_published_file_is_in_sync_with_the_code(name):
    path = SCHEMAS_DIR / name
    assert path.is_file(), "run: python -m mgll_data.published_schemas"
    assert path.read_text(encoding="utf-8") == render_schema(name), (
        f"schemas/{name} is out of date with the code; regenerate: python -m mgll_data.published_schemas"
    )


def test_recipe_schema_requires_the_minimal_keys_and_forbids_others():
    schema = json.loads((SCHEMAS_DIR / "recipe.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "sources", "output"}
    demo = yaml.safe_load((SCHEMAS_DIR.parent / "recipes" / "demo.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(demo, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**demo, "sourcez": []}, schema)


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


def test_write_schemas_writes_every_rendered_file(tmp_path):
    written = write_schemas(tmp_path / "schemas")
    assert sorted(p.name for p in written) == sorted(GENERATORS)
    record = (tmp_path / "schemas" / "record.schema.json").read_text(encoding="utf-8")
    assert json.loads(record)["title"] == "mgll-data record"
    assert record.endswith("}\n")
