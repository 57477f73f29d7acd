"""TBX11K as unzipped: imgs/{health,sick,tb,test}/ + annotations/json/TBX11K_{train,val}.json and all_test.json."""

from __future__ import annotations

import json
from pathlib import Path

from trees.placeholders import placeholders, write_text

CATEGORIES = [
    {"id": 1, "name": "ActiveTuberculosis", "supercategory": "Tuberculosis"},
    {"id": 2, "name": "ObsoletePulmonaryTuberculosis", "supercategory": "Tuberculosis"},
    {"id": 3, "name": "PulmonaryTuberculosis", "supercategory": "Tuberculosis"},
]
TRAIN = {
    "images": [
        {"id": 1, "file_name": "tb/tb0005.png", "width": 512, "height": 512},
        {"id": 2, "file_name": "tb/tb1199.png", "width": 512, "height": 512},
        {"id": 601, "file_name": "health/h0001.png", "width": 512, "height": 512},
        {"id": 602, "file_name": "sick/s0001.png", "width": 512, "height": 512},
    ],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [381.5, 126.0, 40.0, 44.5]},
        {"id": 2, "image_id": 1, "category_id": 2, "bbox": [10.0, 20.0, 30.0, 40.0]},
    ],
    "categories": CATEGORIES,
}
VAL = {"images": [{"id": 7, "file_name": "health/h0002.png"}], "annotations": [], "categories": CATEGORIES}
TEST = {"images": [{"id": 9, "file_name": "test/test_0001.png"}], "categories": CATEGORIES}
MISSING = "health/h0002.png"
LISTED = 6


def make_tree(root: Path) -> tuple[Path, dict]:
    base = root / "TBX11K"
    for name, data in (("TBX11K_train.json", TRAIN), ("TBX11K_val.json", VAL), ("all_test.json", TEST)):
        write_text(base / "annotations" / "json" / name, json.dumps(data))
    names = [image["file_name"] for data in (TRAIN, VAL, TEST) for image in data["images"]]
    placeholders(base / "imgs" / name for name in names if name != MISSING)
    return base, {}
