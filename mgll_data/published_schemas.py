"""The JSON Schemas published in `schemas/`, generated from the code that defines each contract.

One generator per file: the record (mgll_data/schema.py), the recipe, and the training and eval configs.
After changing any of them run `python -m mgll_data.published_schemas` from the project root;
tests/test_published_schemas.py fails while a file and its code disagree.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from mgll_data.config_io import JsonObject
from mgll_data.eval.config import EvalConfig
from mgll_data.recipe import Recipe
from mgll_data.schema import json_schema
from mgll_data.train.config import TrainConfig

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"


def _model_schema(model: type[BaseModel], schema_id: str) -> Callable[[], JsonObject]:
    def generate() -> JsonObject:
        schema = model.model_json_schema()
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}

    return generate


GENERATORS: dict[str, Callable[[], JsonObject]] = {
    "record.schema.json": json_schema,
    "recipe.schema.json": _model_schema(Recipe, "mgll-data/recipe"),
    "train.schema.json": _model_schema(TrainConfig, "mgll-data/train-config"),
    "eval.schema.json": _model_schema(EvalConfig, "mgll-data/eval-config"),
}


def render_schema(name: str) -> str:
    """A published file's exact text: two-space indented JSON with a final newline."""
    return json.dumps(GENERATORS[name](), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in GENERATORS:
        path = directory / name
        path.write_text(render_schema(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMAS_DIR):
        print(written)
