"""DeepDRiD adapter: the official layout (regular, ultra-widefield, test workbooks), and the real label files."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from trees import deepdrid as tree
from trees.images import placeholder

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.deepdrid import DeepDridSource

# by hand from trees/deepdrid.py: id -> (split, patient, laterality, labels, negatives, attributes)
EXPECTED = {
    "regular/train/1_l1": (
        "train",
        "regular/1",
        "L",
        [],
        ["diabetic_retinopathy"],
        {
            "dr_grade": 0,
            "gradable": True,
            "quality_overall": 1,
            "quality_clarity": 8,
            "quality_field": 8,
            "quality_artifact": 4,
        },
    ),
    "regular/train/56_r3": (
        "train",
        "regular/56",
        "R",
        ["severe_npdr"],
        [],
        {
            "dr_grade": 3,
            "gradable": True,
            "quality_overall": 1,
            "quality_clarity": 10,
            "quality_field": 10,
            "quality_artifact": 1,
            "eye_mismatch": True,
        },
    ),
    "regular/train/56_l3": (
        "train",
        "regular/56",
        "L",
        ["proliferative_dr"],
        [],
        {
            "dr_grade": 4,
            "gradable": True,
            "quality_overall": 1,
            "quality_clarity": 10,
            "quality_field": 8,
            "quality_artifact": 0,
            "eye_mismatch": True,
        },
    ),
    "regular/validation/301_l1": (
        "validation",
        "regular/301",
        "L",
        ["mild_npdr"],
        [],
        {
            "dr_grade": 1,
            "gradable": True,
            "quality_overall": 1,
            "quality_clarity": 10,
            "quality_field": 10,
            "quality_artifact": 0,
        },
    ),
    "regular/validation/302_r2": (
        "validation",
        "regular/302",
        "R",
        ["moderate_npdr", "poor_image_quality"],
        [],
        {
            "dr_grade": 2,
            "gradable": True,
            "quality_overall": 0,
            "quality_clarity": 6,
            "quality_field": 4,
            "quality_artifact": 6,
        },
    ),
    "regular/test/400_l1": ("test", "regular/400", "L", ["proliferative_dr"], [], {"dr_grade": 4, "gradable": True}),
    "regular/test/400_r1": (
        "test",
        "regular/400",
        "R",
        [],
        ["diabetic_retinopathy"],
        {"dr_grade": 0, "gradable": True},
    ),
    "ultra_widefield/train/1_r1": (
        "train",
        "ultra_widefield/1",
        "R",
        [],
        ["diabetic_retinopathy"],
        {"dr_grade": 0, "gradable": True},
    ),
    "ultra_widefield/train/2_l1": ("train", "ultra_widefield/2", "L", ["ungradable_image"], [], {"gradable": False}),
}


def test_official_layout_gives_hand_written_records(tmp_path):
    root, options = tree.make_tree(tmp_path)
    rows = list(DeepDridSource(root, **options).records())
    records = [r for r in rows if isinstance(r, RawRecord)]
    rejects = [r for r in rows if isinstance(r, Reject)]
    assert len(rows) == tree.LISTED
    got = {
        r.native_id: (r.split, r.patient_id, r.laterality, r.labels, r.negative_labels, r.attributes) for r in records
    }
    assert got == EXPECTED
    assert [(r.reason, r.item) for r in rejects] == [
        ("missing_file", "regular_fundus_images/regular-fundus-training/Images/1/1_r1.jpg")
    ]
    first = next(r for r in records if r.native_id == "regular/train/1_l1")
    assert (
        first.image_path.relative_to(root).as_posix()
        == "regular_fundus_images/regular-fundus-training/Images/1/1_l1.jpg"
    )
    assert first.source_entry == "regular-fundus-training.csv: line 2"


def test_family_option_and_wrong_root(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    only_uwf = [r.native_id for r in DeepDridSource(root, families=["ultra_widefield"]).records()]
    assert only_uwf == ["ultra_widefield/train/1_r1", "ultra_widefield/train/2_l1"]
    # a root pointing at one family folder still finds its parts
    assert len(list(DeepDridSource(root / "ultra-widefield_images").records())) == 2
    with pytest.raises(LayoutError, match="regular-fundus-training"):
        DeepDridSource(tmp_path / "DeepDRiD" / "regular_fundus_images" / "regular-fundus-training" / "Images")


def _real_tables(realdata):
    base = realdata / "fundus" / "deepdrid"
    return sorted(base.glob("*/*/*.csv"))


def test_real_label_files_through_a_generated_tree(tmp_path, realdata):
    """Every real row becomes a record with the grade, eye and split the file states; mismatches are flagged."""
    expected_grades: Counter = Counter()
    expected_eyes: dict[str, str] = {}
    expected_mismatch = 0
    expected_poor: Counter = Counter()
    rows = 0
    splits = {"training": "train", "validation": "validation"}
    for table in _real_tables(realdata):
        family = "regular" if table.parts[-3] == "regular_fundus_images" else "ultra_widefield"
        split = splits[table.parent.name.rsplit("-", 1)[-1]]
        target = tmp_path / table.relative_to(realdata / "fundus" / "deepdrid")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(table.read_bytes())
        with open(table, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows += 1
                placeholder(target.parent / "Images" / row["patient_id"] / f"{row['image_id']}.jpg")
                eye = "L" if "_l" in row["image_id"] else "R"
                expected_eyes[f"{family}/{split}/{row['image_id']}"] = eye
                if family == "regular":
                    filled = "L" if row["left_eye_DR_Level"] else "R"
                    own = row["left_eye_DR_Level"] if eye == "L" else row["right_eye_DR_Level"]
                    grade = own or row["left_eye_DR_Level"] or row["right_eye_DR_Level"]
                    expected_mismatch += filled != eye
                    expected_poor[split] += row["Overall quality"] == "0"
                else:
                    grade = row["DR_level"]
                expected_grades[(family, split, grade)] += 1
    records = list(DeepDridSource(tmp_path).records())
    assert all(isinstance(r, RawRecord) for r in records)
    assert len(records) == rows == 1200 + 400 + 154 + 50
    got_grades = Counter((r.native_id.split("/")[0], r.split, str(r.attributes.get("dr_grade", 5))) for r in records)
    assert got_grades == expected_grades
    assert {r.native_id: r.laterality for r in records} == expected_eyes
    mismatched = [r for r in records if r.attributes.get("eye_mismatch")]
    assert len(mismatched) == expected_mismatch == 11
    ungradable = [r for r in records if r.attributes.get("gradable") is False]
    assert ungradable and all(r.labels == ["ungradable_image"] and "dr_grade" not in r.attributes for r in ungradable)
    poor = [r for r in records if "poor_image_quality" in r.labels]
    assert Counter(r.split for r in poor) == expected_poor
    assert all(r.attributes["quality_overall"] == 0 for r in poor)
    assert len(ungradable) == expected_grades[("ultra_widefield", "train", "5")]
    by_patient: dict[str, set] = {}
    for r in records:
        by_patient.setdefault(r.patient_id, set()).add(r.split)
    assert all(len(s) == 1 for s in by_patient.values()), "both eyes of a patient stay in one split"
