"""APTOS 2019: ICDR grades per image, unlabelled test images, missing files, grade attributes."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees import aptos as tree

from mgll_data.errors import LayoutError
from mgll_data.sources.aptos import AptosSource
from mgll_data.sources.base import RawRecord, Reject


def test_records_as_the_csv_says(tmp_path: Path) -> None:
    root, options = tree.make_tree(tmp_path / "aptos")
    items = list(AptosSource(root, **options).records())
    records = {r.native_id: r for r in items if isinstance(r, RawRecord)}
    rejects = [r for r in items if isinstance(r, Reject)]
    # by hand from the tree: ICDR 2 and 4 positive grades, 0 a negative DR, test images without labels
    assert records["000c1434d8d7"].labels == ["moderate_npdr"]
    assert records["000c1434d8d7"].attributes == {"dr_grade": 2}
    assert records["001639a390f0"].labels == ["proliferative_dr"]
    grade0 = records["002c21358ce6"]
    assert (grade0.labels, grade0.negative_labels, grade0.attributes) == ([], ["diabetic_retinopathy"], {"dr_grade": 0})
    assert "normal" not in grade0.labels
    assert not records["0005cfc8afb6"].is_labelled() and not records["003f0afdcd15"].is_labelled()
    assert {r.patient_id for r in records.values()} == set(records)  # no patient key: image == subject
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("0024cdab0c1e.png", "missing_file")]
    assert records["000c1434d8d7"].source_entry == "train.csv: line 2"


def test_missing_train_csv_is_a_layout_error(tmp_path: Path) -> None:
    (tmp_path / "train_images").mkdir()
    with pytest.raises(LayoutError, match="train.csv"):
        AptosSource(tmp_path)


def test_absent_image_folder_is_one_missing_part_reject(tmp_path: Path) -> None:
    """test.csv without test_images/ (a partial download): one reject naming the folder and the count."""
    root, options = tree.make_tree(tmp_path / "aptos")
    for image in (root / "test_images").iterdir():
        image.unlink()
    (root / "test_images").rmdir()
    rejects = [r for r in AptosSource(root, **options).records() if isinstance(r, Reject)]
    part = [r for r in rejects if r.reason == "missing_part"]
    assert [(r.item, r.detail) for r in part] == [
        ("test_images/", f"test.csv lists {len(tree.TEST)} image(s); test_images/ is absent")
    ]


def test_empty_or_broken_listed_file_is_named_as_such(tmp_path: Path) -> None:
    """Through `locate_image`: an empty file is `empty_file` and a dangling link `broken_link`, not `missing_file`."""
    root, options = tree.make_tree(tmp_path / "aptos")
    (root / "train_images" / "000c1434d8d7.png").write_bytes(b"")
    (root / "train_images" / "001639a390f0.png").unlink()
    (root / "train_images" / "001639a390f0.png").symlink_to(root / "nowhere.png")
    rejects = {
        Path(r.item).name: (r.reason, r.detail) for r in AptosSource(root, **options).records() if isinstance(r, Reject)
    }
    assert rejects["000c1434d8d7.png"] == ("empty_file", "train.csv: line 2")
    assert rejects["001639a390f0.png"] == ("broken_link", "train.csv: line 3")
    assert rejects["0024cdab0c1e.png"] == ("missing_file", "train.csv: line 4")
