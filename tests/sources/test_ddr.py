"""DDR adapter: grading lists with grade 5 = ungradable, and lesion masks including `segmentation label/`."""

from __future__ import annotations

import shutil

import pytest
from trees import ddr as tree

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.ddr import DdrSource

# by hand: id -> (split, labels, negatives, attributes, mask count)
EXPECTED = {
    "grading/train/007-0004-000": ("train", [], ["diabetic_retinopathy"], {"dr_grade": 0, "gradable": True}, 0),
    "grading/train/007-0005-000": ("train", ["moderate_npdr"], [], {"dr_grade": 2, "gradable": True}, 4),
    "grading/train/20170323093305605": ("train", ["ungradable_image"], [], {"gradable": False}, 0),
    "grading/validation/007-1001-100": ("validation", ["proliferative_dr"], [], {"dr_grade": 4, "gradable": True}, 0),
    "grading/test/007-2001-200": ("test", ["severe_npdr"], [], {"dr_grade": 3, "gradable": True}, 0),
    "segmentation/validation/007-3001-300": ("validation", [], [], {}, 4),
}


def test_grading_and_segmentation_layout(tmp_path):
    root, options = tree.make_tree(tmp_path)
    rows = list(DdrSource(root, **options).records())
    assert len(rows) == tree.LISTED
    got = {
        r.native_id: (r.split, r.labels, r.negative_labels, r.attributes, len(r.related_files))
        for r in rows
        if isinstance(r, RawRecord)
    }
    assert got == EXPECTED
    [missing] = [r for r in rows if isinstance(r, Reject)]
    assert missing.reason == "missing_file" and missing.item.endswith("DR_grading/valid/007-1002-100.jpg")
    validation = next(r for r in rows if isinstance(r, RawRecord) and r.native_id.startswith("segmentation/"))
    assert all("segmentation label" in m.as_posix() for m in validation.related_files)


def test_grading_only_download(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    for path in sorted((root / "lesion_segmentation").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    ids = [r.native_id for r in DdrSource(root).records() if isinstance(r, RawRecord)]
    assert ids == [i for i in EXPECTED if i.startswith("grading/")]


def test_wrong_root_is_a_layout_error(tmp_path):
    (tmp_path / "DR_grading").mkdir()
    with pytest.raises(LayoutError, match="train,valid,test"):
        DdrSource(tmp_path)


def test_partial_grading_download_is_named_part_by_part(tmp_path):
    """test.txt without test/ and valid/ without valid.txt: one `missing_part` reject each, with the count."""
    root, _ = tree.make_tree(tmp_path)
    shutil.rmtree(root / "DR_grading" / "test")
    (root / "DR_grading" / "valid.txt").unlink()
    rows = list(DdrSource(root).records())
    parts = sorted((r.item, r.detail) for r in rows if isinstance(r, Reject) and r.reason == "missing_part")
    assert parts == [
        ("DR_grading/test/", "DR_grading/test.txt lists 1 image(s); DR_grading/test/ is absent"),
        ("DR_grading/valid.txt", "DR_grading/valid lists 1 image(s); DR_grading/valid.txt is absent"),
    ]
    assert not any(isinstance(r, RawRecord) and r.native_id.startswith("grading/validation") for r in rows)
