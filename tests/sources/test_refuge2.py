"""REFUGE2 adapter: REFUGE-1 parts as training data, the new validation csv and the header-less test xls."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.refuge2 import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord
from mgll_data.sources.refuge2 import Refuge2Source


@pytest.mark.parametrize("inner", [False, True], ids=["parent-root", "REFUGE2-root"])
def test_records(tmp_path: Path, inner: bool) -> None:
    root = write_tree(tmp_path)
    items = list(Refuge2Source(root / "REFUGE2" if inner else root).records())
    assert all(isinstance(r, RawRecord) for r in items)
    got = [(r.native_id, r.split, r.labels, r.negative_labels, r.attributes.get("cup_to_disc_ratio")) for r in items]
    assert got == [
        ("r1train_g0001", "train", ["glaucoma"], [], 0.8),
        ("r1train_n0001", "train", [], ["glaucoma"], None),
        ("r1val_V0001", "train", ["glaucoma"], [], None),
        ("r1test_T0001", "train", [], ["glaucoma"], None),
        ("val_V0001", "validation", [], ["glaucoma"], None),
        ("val_V0002", "validation", ["glaucoma"], [], None),
        ("test_T0001", "test", ["glaucoma"], [], None),
    ]
    assert "fovea_center" not in items[3].attributes  # (0, 0) means not visible
    assert items[6].source_file == "task1.xls" and items[6].source_entry == "task1.xls: line 1"


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("refuge2") is Refuge2Source
    with pytest.raises(LayoutError, match="REFUGE1-train"):
        Refuge2Source(tmp_path)
