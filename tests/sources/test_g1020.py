"""G1020 adapter (Kaggle glaucoma bundle): G1020.csv in its distributed order, mask cup-to-disc ratios."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees import g1020

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.g1020 import G1020Source


def _split(items: list) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


def test_g1020(tmp_path: Path) -> None:
    records, rejects = _split(list(G1020Source(g1020.write_tree(tmp_path)).records()))
    got = [(r.native_id, r.labels, r.negative_labels, r.attributes.get("cup_to_disc_ratio")) for r in records]
    assert got == [
        ("image_0", [], ["glaucoma"], None),
        ("image_2", ["glaucoma"], [], 0.8),
        ("image_2568", ["glaucoma"], [], None),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("image_7.jpg", "missing_file")]


def test_bad_label_and_wrong_root(tmp_path: Path) -> None:
    root = g1020.write_tree(tmp_path / "g")
    (root / "G1020/G1020.csv").write_text("imageID,binaryLabels\nimage_0.jpg,2\n", encoding="utf-8")
    _, rejects = _split(list(G1020Source(root).records()))
    assert [r.reason for r in rejects] == ["unmapped_label"]
    assert get_source("g1020") is G1020Source
    with pytest.raises(LayoutError, match="G1020.csv"):
        G1020Source(tmp_path / "g" / "G1020" / "Images")
