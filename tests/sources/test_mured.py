"""MuReD adapter: two label CSVs (test_ or val_), one image folder, origin from the file name."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.mured import HEADER, write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.mured import MuredSource


@pytest.mark.parametrize(("second", "split"), [("test_data.csv", "test"), ("val_data.csv", "validation")])
def test_records(tmp_path: Path, second: str, split: str) -> None:
    items = list(MuredSource(write_tree(tmp_path, second)).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    got = [(r.native_id, r.split, r.labels, r.attributes.get("dataset_origin")) for r in records]
    assert got == [
        ("17", "train", ["diabetic_retinopathy"], None),
        ("im0003", "train", ["normal"], "STARE"),
        ("aria_a_7_1", "train", ["amd", "drusen"], "ARIA"),
        ("aria_d_2_4", split, ["diabetic_retinopathy", "hypertensive_retinopathy"], "ARIA"),
    ]
    assert records[2].image_path.suffix == ".tif"
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("missing_9.png", "missing_file")]


def test_unknown_column_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("mured") is MuredSource
    with pytest.raises(LayoutError, match="train_data.csv"):
        MuredSource(tmp_path)
    root = write_tree(tmp_path / "m")
    row = ",".join(["17"] + ["0"] * (HEADER.count(",") + 1))  # one data row: an empty table is its own error
    (root / "train_data.csv").write_text(HEADER + ",XYZ\n" + row + "\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="unknown: XYZ"):
        list(MuredSource(root).records())
