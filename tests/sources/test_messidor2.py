"""Messidor-2 adapter: ADCIS images with the Kaggle adjudicated grades and the left;right pair file."""

from __future__ import annotations

import pytest
from trees import messidor2 as tree

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.messidor2 import Messidor2Source

# by hand: id -> (patient, laterality, labels, negatives, attributes)
EXPECTED = {
    "20051020_43808_0100_PP": (
        "20051020_43808_0100_PP",
        "L",
        [],
        ["diabetic_retinopathy", "diabetic_macular_edema"],
        {"dr_grade": 0, "gradable": True},
    ),
    "20051020_43832_0100_PP": (
        "20051020_43808_0100_PP",
        "R",
        ["moderate_npdr", "diabetic_macular_edema"],
        [],
        {"dr_grade": 2, "gradable": True},
    ),
    "IM000001": (
        "IM000002",
        "R",
        ["proliferative_dr", "diabetic_macular_edema"],
        [],
        {"dr_grade": 4, "gradable": True},
    ),
    "IM000002": ("IM000002", "L", ["ungradable_image"], [], {"gradable": False}),
}


def test_adcis_layout_with_kaggle_grades(tmp_path):
    root, options = tree.make_tree(tmp_path)
    rows = list(Messidor2Source(root, **options).records())
    assert len(rows) == tree.LISTED
    got = {
        r.native_id: (r.patient_id, r.laterality, r.labels, r.negative_labels, r.attributes)
        for r in rows
        if isinstance(r, RawRecord)
    }
    assert got == EXPECTED
    brest = next(r for r in rows if isinstance(r, RawRecord) and r.native_id == "IM000001")
    assert brest.image_path.name == "IM000001.JPG"
    [missing] = [r for r in rows if isinstance(r, Reject)]
    assert missing.reason == "missing_file" and missing.item.endswith("messidor-2/IMAGES/IM000003.jpg")


def test_without_pair_file_each_image_is_its_own_exam(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    (root / "messidor-2.csv").unlink()
    records = [r for r in Messidor2Source(root).records() if isinstance(r, RawRecord)]
    assert all(r.patient_id == r.native_id and r.laterality is None for r in records)


def test_wrong_root_is_a_layout_error(tmp_path):
    (tmp_path / "IMAGES").mkdir()
    with pytest.raises(LayoutError, match="messidor_data.csv"):
        Messidor2Source(tmp_path)
