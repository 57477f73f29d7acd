"""FIVES adapter: category from the file name, ids repeating across splits, vessel masks as related files."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.fives import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.fives import FivesSource


@pytest.mark.parametrize("inner", [False, True], ids=["parent-root", "rar-folder-root"])
def test_records(tmp_path: Path, inner: bool) -> None:
    root = write_tree(tmp_path)
    if inner:
        root = root / "FIVES A Fundus Image Dataset for AI-based Vessel Segmentation"
    items = list(FivesSource(root).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    assert [(r.native_id, r.split, r.labels) for r in records] == [
        ("train_10_A", "train", ["amd"]),
        ("train_1_A", "train", ["amd"]),
        ("train_2_D", "train", ["diabetic_retinopathy"]),
        ("test_10_A", "test", ["amd"]),
        ("test_3_G", "test", ["glaucoma"]),
        ("test_4_N", "test", ["normal"]),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [
        ("Thumbs.db", "not_an_image_file"),
        ("5_X.png", "unmapped_label"),
    ]
    assert [p.parent.name for p in records[0].related_files] == ["Ground truth"]


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("fives") is FivesSource
    with pytest.raises(LayoutError, match="Original"):
        FivesSource(tmp_path)
