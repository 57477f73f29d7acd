"""IDRiD adapter: parts A, B and C in the DataPort layout (URL-encoded outer folders), and the real grading files."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from trees import idrid as tree
from trees.images import placeholder

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.idrid import IdridSource

B_IMAGES = "B. Disease Grading/1. Original Images"

# by hand from trees/idrid.py: id -> (split, labels, negatives, attributes)
EXPECTED = {
    "grading/train/IDRiD_001": (
        "train",
        ["severe_npdr", "clinically_significant_dme"],
        [],
        {"dr_grade": 3, "dme_grade": 2, "od_center": [2858.0, 1805.0], "fovea_center": [2000.0, 1900.0]},
    ),
    "grading/train/IDRiD_002": (
        "train",
        [],
        ["diabetic_retinopathy", "diabetic_macular_edema"],
        {"dr_grade": 0, "dme_grade": 0, "od_center": [2900.0, 1600.0]},
    ),
    "grading/test/IDRiD_001": ("test", ["mild_npdr"], ["diabetic_macular_edema"], {"dr_grade": 1, "dme_grade": 0}),
    "localization/train/IDRiD_004": ("train", [], [], {"fovea_center": [2100.0, 1500.0]}),
    "segmentation/train/IDRiD_01": (
        "train",
        ["microaneurysms", "retinal_hemorrhage", "hard_exudates", "cotton_wool_spots"],
        [],
        {
            "lesions": [
                {"name": n, "area_fraction": None}
                for n in ("microaneurysms", "retinal_hemorrhage", "hard_exudates", "cotton_wool_spots")
            ]
        },
    ),
    "segmentation/train/IDRiD_02": (
        "train",
        ["microaneurysms", "retinal_hemorrhage", "hard_exudates"],
        ["cotton_wool_spots"],
        {
            "lesions": [
                {"name": n, "area_fraction": None} for n in ("microaneurysms", "retinal_hemorrhage", "hard_exudates")
            ]
        },
    ),
}


def test_three_parts_give_hand_written_records(tmp_path):
    root, options = tree.make_tree(tmp_path)
    rows = list(IdridSource(root, **options).records())
    assert len(rows) == tree.LISTED
    records = [r for r in rows if isinstance(r, RawRecord)]
    assert {r.native_id: (r.split, r.labels, r.negative_labels, r.attributes) for r in records} == EXPECTED
    assert [r.native_id for r in records] == list(EXPECTED)
    [missing] = [r for r in rows if isinstance(r, Reject)]
    assert missing.reason == "missing_file" and missing.item.endswith("a. Training Set/IDRiD_003.jpg")
    assert all(r.patient_id == r.native_id for r in records), "no patient key: each image is its own subject"
    masks = next(r for r in records if r.native_id == "segmentation/train/IDRiD_02").related_files
    assert [m.name for m in masks] == ["IDRiD_02_MA.tif", "IDRiD_02_HE.tif", "IDRiD_02_EX.tif", "IDRiD_02_OD.tif"]


def test_wrong_root_is_a_layout_error(tmp_path):
    (tmp_path / "IDRiD" / "images").mkdir(parents=True)
    with pytest.raises(LayoutError, match="Disease Grading"):
        IdridSource(tmp_path / "IDRiD")


def test_real_grading_files_through_a_generated_tree(tmp_path, realdata):
    """Row counts and grade distributions per split equal the real label files; ids repeat across splits."""
    expected: Counter = Counter()
    truths = tmp_path / "B. Disease Grading" / "2. Groundtruths"
    truths.mkdir(parents=True)
    for table in sorted((realdata / "fundus" / "idrid").glob("*.csv")):
        split, folder = ("train", "a. Training Set") if "Training" in table.name else ("test", "b. Testing Set")
        (truths / table.name).write_bytes(table.read_bytes())
        with open(table, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            for row in (r for r in reader if r and r[0]):
                placeholder(tmp_path / B_IMAGES / folder / f"{row[0]}.jpg")
                expected[(split, int(row[1]), int(row[2]))] += 1
    records = list(IdridSource(tmp_path).records())
    assert all(isinstance(r, RawRecord) for r in records)
    assert len(records) == sum(expected.values()) == 413 + 103
    assert Counter((r.split, r.attributes["dr_grade"], r.attributes["dme_grade"]) for r in records) == expected
    assert len({r.native_id for r in records}) == len(records)
    assert {"grading/train/IDRiD_001", "grading/test/IDRiD_001"} <= {r.native_id for r in records}
