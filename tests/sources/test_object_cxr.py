"""Object-CXR: rectangles, ellipses and polygons as foreign-object boxes, both header spellings, bad shapes."""

from __future__ import annotations

import pytest
from trees import object_cxr as tree
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.object_cxr import ObjectCxrSource


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def box(x0, y0, x1, y1):
    return {"label": "foreign_object", "x0": x0, "y0": y0, "x1": x1, "y1": y1}


def test_records(tmp_path):
    root, options = tree.make_tree(tmp_path)
    records, rejects = split_items(ObjectCxrSource(root, **options))
    got = {r.native_id: (r.split, r.labels, r.negative_labels, r.attributes.get("boxes")) for r in records}
    assert got == {
        "train/00001": ("train", ["foreign_object"], [], [box(1020, 1262, 1058, 1307), box(1250, 1420, 1290, 1460)]),
        "train/00002": ("train", ["foreign_object"], [], [box(100, 200, 150, 260)]),
        "train/00003": ("train", [], ["foreign_object"], None),
        "dev/08001": ("validation", [], ["foreign_object"], None),
    }
    assert [(r.reason, r.detail.split(":")[0]) for r in rejects] == [
        ("bad_annotation_value", "train.csv"),
        ("missing_file", "train.csv"),
    ]


def test_readme_header_spelling_and_wrong_root(tmp_path):
    write_text(tmp_path / "dev.csv", "image_path,annotation\ndev/08001.jpg,0 1 2 3 4\n")
    placeholders([tmp_path / "dev" / "08001.jpg"])
    records, _ = split_items(ObjectCxrSource(tmp_path))
    assert [(r.native_id, r.attributes["boxes"]) for r in records] == [("dev/08001", [box(1, 2, 3, 4)])]
    with pytest.raises(LayoutError, match="image_name"):
        ObjectCxrSource(tmp_path / "dev")
