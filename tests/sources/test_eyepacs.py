"""EyePACS adapter: Kaggle layout with and without the solution file and the header line, EyeQ quality."""

from __future__ import annotations

import pytest
from trees import eyepacs as tree

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.eyepacs import EyepacsSource

# by hand from trees/eyepacs.py: id -> (split, patient, laterality, labels, negatives, dr_grade)
EXPECTED = {
    "train/10_left": ("train", "train/10", "L", [], ["diabetic_retinopathy"], 0),
    "train/10_right": ("train", "train/10", "R", ["moderate_npdr"], [], 2),
    "train/13_left": ("train", "train/13", "L", ["proliferative_dr"], [], 4),
    "test/1_left": ("validation", "test/1", "L", [], ["diabetic_retinopathy"], 0),
    "test/1_right": ("validation", "test/1", "R", ["severe_npdr"], [], 3),
    "test/2_left": ("test", "test/2", "L", ["mild_npdr"], [], 1),
    "test/2_right": ("test", "test/2", "R", [], ["diabetic_retinopathy"], 0),
}


def _summary(rows):
    return {
        r.native_id: (r.split, r.patient_id, r.laterality, r.labels, r.negative_labels, r.attributes.get("dr_grade"))
        for r in rows
        if isinstance(r, RawRecord)
    }


@pytest.mark.parametrize("header", [True, False], ids=["header", "re-hosted copy without header"])
def test_kaggle_layout_with_solution(tmp_path, header):
    root, options = tree.make_tree(tmp_path, header=header)
    rows = list(EyepacsSource(root, **options).records())
    assert len(rows) == tree.LISTED
    assert _summary(rows) == EXPECTED
    [missing] = [r for r in rows if isinstance(r, Reject)]
    assert (missing.reason, missing.item) == ("missing_file", str(root / "train/13_right.jpeg"))


def test_test_part_not_unpacked_is_one_missing_part_reject(tmp_path):
    """The solution lists the test images but test/ is absent: one reject naming the folder and the count."""
    root, _ = tree.make_tree(tmp_path)
    for image in (root / "test").iterdir():
        image.unlink()
    (root / "test").rmdir()
    rows = list(EyepacsSource(root).records())
    part = [(r.item, r.detail) for r in rows if isinstance(r, Reject) and r.reason == "missing_part"]
    assert part == [("test/", f"retinopathy_solution.csv lists {len(tree.SOLUTION)} image(s); test/ is absent")]
    assert {r.split for r in rows if isinstance(r, RawRecord)} == {"train"}


def test_sample_folder_is_named_as_not_read(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    tree.write_named_image(root / "sample" / "10_left.jpeg")
    [unread] = [r for r in EyepacsSource(root).records() if isinstance(r, Reject) and r.reason == "unread_file"]
    assert unread.item == str(root / "sample") and "no label table" in unread.detail


def test_without_solution_the_test_images_are_listed_unlabelled(tmp_path):
    root, _ = tree.make_tree(tmp_path, solution=False)
    test_rows = [r for r in EyepacsSource(root).records() if isinstance(r, RawRecord) and r.split == "test"]
    assert [r.native_id for r in test_rows] == ["test/1_left", "test/1_right", "test/2_left", "test/2_right"]
    assert not any(r.is_labelled() or "dr_grade" in r.attributes for r in test_rows), "placeholder zeros are no grade"


def test_eyeq_quality_grades_become_attributes(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    (root / "Label_EyeQ_train.csv").write_text(",image,quality,DR_grade\n0,10_left.jpeg,0,0\n1,10_right.jpeg,2,2\n")
    records = [r for r in EyepacsSource(root).records() if isinstance(r, RawRecord) and r.split == "train"]
    quality = {r.native_id: r.attributes.get("quality") for r in records}
    assert quality == {"train/10_left": "good", "train/10_right": "reject", "train/13_left": None}


def test_wrong_root_is_a_layout_error(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(LayoutError, match="trainLabels.csv"):
        EyepacsSource(tmp_path)
