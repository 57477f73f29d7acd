"""PALM adapter: prefix and workbook labels, fovea points, disc and lesion masks, all three distributions."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.palm import write_baidu, write_figshare, write_rerelease

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.palm import PalmSource


def _records(root: Path) -> list[RawRecord]:
    items = list(PalmSource(root).records())
    assert not [r for r in items if isinstance(r, Reject)]
    return items


def test_baidu(tmp_path: Path) -> None:
    records = _records(write_baidu(tmp_path))
    got = [(r.native_id, r.split, r.labels, r.negative_labels, r.attributes.get("fovea_center")) for r in records]
    assert got == [
        ("train_H0001", "train", ["myopia"], ["pathologic_myopia"], None),
        ("train_N0001", "train", ["normal"], ["pathologic_myopia"], None),
        ("train_P0001", "train", ["pathologic_myopia", "chorioretinal_atrophy"], [], None),
        ("val_V0001", "validation", ["pathologic_myopia"], [], [100.5, 200.0]),
        ("val_V0002", "validation", [], ["pathologic_myopia"], None),
    ]
    p0001 = records[2].attributes
    assert p0001["od_center"] == [24.5, 1.5]
    assert p0001["lesions"] == [{"name": "atrophy", "area_fraction": 0.2}]


def test_rerelease(tmp_path: Path) -> None:
    records = _records(write_rerelease(tmp_path))
    got = [(r.native_id, r.split, r.labels, r.attributes.get("fovea_center")) for r in records]
    assert got == [
        ("train_P0002", "train", ["pathologic_myopia"], [30.0, 40.0]),
        ("train_V0003", "train", [], None),
        ("test_T0001", "test", [], None),
    ]


def test_figshare(tmp_path: Path) -> None:
    records = _records(write_figshare(tmp_path))
    assert [(r.native_id, r.labels) for r in records] == [
        ("train_H0004", ["myopia"]),
        ("train_N0005", ["normal"]),
        ("train_P0003", ["pathologic_myopia", "chorioretinal_atrophy"]),
        ("val_V0001", []),
        ("test_T0001", []),
    ]
    p0003 = records[2]
    assert p0003.attributes["lesions"] == [
        {"name": "atrophy", "area_fraction": 0.1},
        {"name": "detachment", "area_fraction": 0.0},
    ]
    assert [p.parent.name for p in p0003.related_files] == ["Disc Masks", "Atrophy", "Detachment"]


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("palm") is PalmSource
    with pytest.raises(LayoutError, match="PALM-Training400"):
        PalmSource(tmp_path)
