"""REFUGE adapter: folder and workbook labels, fovea points, disc/cup masks measured, both download layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.images import write_named_image
from trees.refuge import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.refuge import RefugeSource

# by hand from trees/refuge.py: disc spans 20 rows (10..29), the cup `cup_rows` rows; disc centre (24.5, 19.5)
EXPECTED = [
    ("train_g0001", "train", ["glaucoma"], [], [1200.5, 1000.25], 0.8),
    ("train_n0001", "train", [], ["glaucoma"], None, 0.3),
    ("train_n0002", "train", [], ["glaucoma"], [900.0, 1100.0], None),
    ("val_V0001", "validation", [], ["glaucoma"], [800.0, 820.0], 0.5),
    ("val_V0002", "validation", ["glaucoma"], [], [810.0, 790.0], None),
    ("test_T0001", "test", ["glaucoma"], [], [811.0, 799.0], 0.7),
]


@pytest.mark.parametrize("layout", ["grand-challenge", "baidu"])
def test_records(tmp_path: Path, layout: str) -> None:
    items = list(RefugeSource(write_tree(tmp_path / "REFUGE", layout)).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    got = [
        (
            r.native_id,
            r.split,
            r.labels,
            r.negative_labels,
            r.attributes.get("fovea_center"),
            r.attributes.get("cup_to_disc_ratio"),
        )
        for r in records
    ]
    assert got == EXPECTED
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("V0003.jpg", "missing_file")]
    first = records[0]
    assert first.attributes["od_center"] == [24.5, 19.5]
    assert [p.name for p in first.related_files] == ["g0001.bmp"]
    assert first.source_file == "Fovea_location.xlsx" and first.patient_id == "train_g0001"


def test_bundled_adam_folder_is_a_reject(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    write_named_image(root / "Training400/AMD/A0001.jpg")
    rejects = [r for r in RefugeSource(root).records() if isinstance(r, Reject)]
    assert [(Path(r.item).name, r.reason) for r in rejects][0] == ("A0001.jpg", "belongs_to_other_source")
    assert "adam adapter" in rejects[0].detail


def test_unreadable_mask_is_a_reject(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    (root / "Annotation-Training400/Disc_Cup_Masks/Glaucoma/g0001.bmp").write_bytes(b"broken")
    rejects = [r for r in RefugeSource(root).records() if isinstance(r, Reject)]
    assert ("g0001.bmp", "unreadable_mask") in [(Path(r.item).name, r.reason) for r in rejects]


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("refuge") is RefugeSource
    (tmp_path / "images").mkdir()
    with pytest.raises(LayoutError, match="Training400"):
        RefugeSource(tmp_path)
