"""BRSET adapter: both label-file names, BOM/CRLF, 1-cells as positives, ICDR grade, quality, the stray 'bv'."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.brset import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.brset import BrsetSource


@pytest.mark.parametrize("name", ["labels_brset.csv", "labels.csv"])
def test_records(tmp_path: Path, name: str) -> None:
    items = list(BrsetSource(write_tree(tmp_path / "brset", name)).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    assert [(r.native_id, r.patient_id, r.labels) for r in records] == [
        ("img00001", "1", []),
        ("img00002", "1", ["diabetic_retinopathy", "retinal_hemorrhage", "moderate_npdr"]),
        ("img00003", "2", ["optic_disc_cupping"]),
    ]
    assert [r.negative_labels for r in records] == [["diabetic_retinopathy"], [], ["diabetic_retinopathy"]]
    assert records[0].attributes == {
        "dr_grade": 0,
        "age": 48.0,
        "device": "Canon CR",
        "quality": "Adequate",
        "gradable": True,
    }
    assert records[2].attributes["gradable"] is False and "age" not in records[2].attributes
    assert records[1].laterality is None and "sex" not in records[1].attributes
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("img00004.jpg", "missing_file")]


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("brset") is BrsetSource
    with pytest.raises(LayoutError, match="labels_brset.csv"):
        BrsetSource(tmp_path)
