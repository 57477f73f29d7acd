"""RIM-ONE DL adapter: one partition at a time, folder labels, release origin, disc/cup segmentations."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.rimone_dl import write_tree

from mgll_data.errors import LayoutError, RecipeError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord
from mgll_data.sources.rimone_dl import RimOneDlSource


def _rows(source: RimOneDlSource) -> list[tuple]:
    items = list(source.records())
    assert all(isinstance(r, RawRecord) for r in items)
    return [(r.native_id, r.split, r.labels, r.negative_labels, r.attributes.get("dataset_origin")) for r in items]


def test_by_hospital_default(tmp_path: Path) -> None:
    source = RimOneDlSource(write_tree(tmp_path))
    assert _rows(source) == [
        ("r3_Im010", "test", ["normal"], ["glaucoma"], "RIM-ONE v3"),
        ("r1_Im001", "train", ["glaucoma"], [], "RIM-ONE v1"),
        ("r1_Im002", "train", ["normal"], ["glaucoma"], "RIM-ONE v1"),
    ]
    glaucoma = next(r for r in source.records() if r.native_id == "r1_Im001")
    assert glaucoma.attributes["cup_to_disc_ratio"] == 0.7  # cup rows 10..23 over disc rows 5..24
    assert glaucoma.attributes["od_center"] == [14.5, 14.5] and len(glaucoma.related_files) == 2


def test_randomly_reads_the_other_partition_only(tmp_path: Path) -> None:
    rows = _rows(RimOneDlSource(write_tree(tmp_path), partition="randomly"))
    assert [(native_id, split) for native_id, split, *_ in rows] == [
        ("r1_Im001", "test"),
        ("r1_Im002", "test"),
        ("r3_Im010", "train"),
    ]


def test_bad_option_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("rimone_dl") is RimOneDlSource
    root = write_tree(tmp_path / "ok")
    with pytest.raises(RecipeError, match="partition"):
        RimOneDlSource(root, partition="both")
    with pytest.raises(LayoutError, match="partitioned_by_hospital"):
        RimOneDlSource(tmp_path / "ok" / "RIM-ONE_DL_reference_segmentations")
