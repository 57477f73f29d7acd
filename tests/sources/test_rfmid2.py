"""RFMiD 2.0 adapter: latin-1 label files, header glitches, its own vocabulary, ambiguous columns rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.rfmid2 import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.rfmid2 import Rfmid2Source


def test_records(tmp_path: Path) -> None:
    source = Rfmid2Source(write_tree(tmp_path / "RFMiD2"))
    items = list(source.records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    assert [(r.native_id, r.split, r.labels) for r in records] == [
        ("train_1", "train", ["normal"]),
        ("train_2", "train", ["diabetic_retinopathy", "hypertensive_retinopathy"]),
        ("validation_1", "validation", ["optic_disc_edema", "optic_disc_pit_maculopathy"]),
        ("test_1", "test", ["diabetic_retinopathy"]),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("3.jpg", "unmapped_label"), ("2.jpg", "missing_file")]
    assert "MCA" in rejects[0].detail
    assert records[1].image_path == source.root / "Training_set" / "2.jpg"
    assert all(r.patient_id == r.native_id for r in records)


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("rfmid2") is Rfmid2Source
    with pytest.raises(LayoutError, match="RFMiD_2_Training_labels.csv"):
        Rfmid2Source(tmp_path)
