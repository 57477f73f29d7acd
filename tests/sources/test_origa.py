"""ORIGA adapter (Kaggle glaucoma bundle): OrigaList.csv, expert or mask cup-to-disc ratios, laterality."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees import origa

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.origa import OrigaSource


def _split(items: list) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


@pytest.mark.parametrize("inner", [False, True])
def test_origa(tmp_path: Path, inner: bool) -> None:
    root = origa.write_tree(tmp_path)
    records, rejects = _split(list(OrigaSource(root / "ORIGA" if inner else root).records()))
    got = [
        (r.native_id, r.split, r.laterality, r.labels, r.negative_labels, r.attributes.get("cup_to_disc_ratio"))
        for r in records
    ]
    assert got == [
        ("001", "train", "R", ["glaucoma"], [], 0.71),  # the expert's ExpCDR wins over the mask's 0.7
        ("002", "train", "L", [], ["glaucoma"], 0.4),  # no ExpCDR: from the mask (cup 4 of disc 10 rows)
        ("003", "test", "R", [], ["glaucoma"], 0.5),  # Set B: the official test half
    ]
    assert records[0].attributes["od_center"] == [9.5, 8.5]
    assert records[0].image_path.parent.name == "Images"
    expected = [("004.jpg", "missing_file"), ("005.jpg", "unknown_split")]
    assert [(Path(r.item).name, r.reason) for r in rejects] == expected
    assert "Set 'C'" in rejects[1].detail


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("origa") is OrigaSource
    with pytest.raises(LayoutError, match="OrigaList.csv"):
        OrigaSource(tmp_path)
