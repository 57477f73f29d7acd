"""The published JSON Schema of a record, `schemas/record.schema.json`, generated from `mgll_data.schema`.

Regenerate it after changing `FIELDS` with `python -m mgll_data.export.record_schema` (from the project
root); tests/export/test_record_schema.py fails while the file and the code disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mgll_data.schema import json_schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RECORD_SCHEMA_PATH = PROJECT_ROOT / "schemas" / "record.schema.json"


def render_record_schema() -> str:
    """The file's exact text: the JSON Schema, two-space indented, with a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_record_schema(path: Path = RECORD_SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_record_schema(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_record_schema(Path(sys.argv[1]) if len(sys.argv) > 1 else RECORD_SCHEMA_PATH))
