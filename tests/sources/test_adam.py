"""ADAM adapter: prefix labels, fovea (0,0) and all-white disc masks as 'not visible', lesion masks."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.adam import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.adam import AdamSource
from mgll_data.sources.base import RawRecord, Reject


def test_records(tmp_path: Path) -> None:
    items = list(AdamSource(write_tree(tmp_path)).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    assert [(r.native_id, r.split, r.labels, r.negative_labels) for r in records] == [
        ("train_A0001", "train", ["amd", "drusen"], []),
        ("train_A0002", "train", ["amd"], []),
        ("train_N0001", "train", [], ["amd"]),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("N0002.jpg", "missing_file")]
    a1, a2, n1 = (r.attributes for r in records)
    assert a1["fovea_center"] == [1000.0, 1020.5] and a1["od_center"] == [24.5, 1.5]
    assert a1["lesions"] == [{"name": "drusen", "area_fraction": 0.05}, {"name": "others", "area_fraction": 0.025}]
    assert "fovea_center" not in a2 and "od_center" not in a2
    assert a2["lesions"] == [{"name": "scar", "area_fraction": 0.0}]
    assert n1 == {"fovea_center": [990.0, 1001.0]}


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("adam") is AdamSource
    with pytest.raises(LayoutError, match="AMD-Training400"):
        AdamSource(tmp_path)
