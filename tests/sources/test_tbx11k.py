"""TBX11K: folder class plus box kinds, splits from the COCO files, hidden test labels, the real sample."""

from __future__ import annotations

import json

import pytest
from trees import tbx11k as tree

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.tbx11k import Tbx11kSource


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_records_from_the_coco_files(tmp_path):
    root, options = tree.make_tree(tmp_path)
    records, rejects = split_items(Tbx11kSource(root, **options))
    got = {r.native_id: (r.split, r.labels, r.negative_labels, r.keywords) for r in records}
    assert got == {
        "tb/tb0005": ("train", ["tuberculosis", "latent_tuberculosis"], [], []),
        "tb/tb1199": ("train", ["tuberculosis"], [], []),
        "health/h0001": ("train", ["normal"], ["tuberculosis"], []),
        "sick/s0001": ("train", [], ["tuberculosis"], ["abnormal chest radiograph without tuberculosis"]),
        "test/test_0001": ("test", [], [], []),
    }
    boxes = next(r for r in records if r.native_id == "tb/tb0005").attributes["boxes"]
    assert boxes == [
        {"label": "tuberculosis", "x0": 381.5, "y0": 126.0, "x1": 421.5, "y1": 170.5},
        {"label": "latent_tuberculosis", "x0": 10.0, "y0": 20.0, "x1": 40.0, "y1": 60.0},
    ]
    assert [(r.reason, r.detail) for r in rejects] == [("missing_file", "TBX11K_val.json: image id 7")]


def test_wrong_root_and_broken_json(tmp_path):
    with pytest.raises(LayoutError, match="TBX11K_train.json"):
        Tbx11kSource(tmp_path)
    root, _ = tree.make_tree(tmp_path)
    (root / "annotations" / "json" / "TBX11K_train.json").write_text("{not json")
    with pytest.raises(LayoutError, match="COCO JSON"):
        list(Tbx11kSource(root).records())


def test_real_sample(realdata):
    records, rejects = split_items(Tbx11kSource(realdata / "cxr" / "tbx11k_test_data"))
    assert not rejects
    assert {r.native_id: r.labels for r in records} == {
        "tb/tb0005": ["tuberculosis"],
        "tb/tb0007": ["latent_tuberculosis"],
        "health/h0001": ["normal"],
    }
    assert len(next(r for r in records if r.native_id == "tb/tb0007").attributes["boxes"]) == 2


def test_an_annotation_without_a_box_is_a_layout_error(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    broken = {**tree.TRAIN, "annotations": [{"id": 1, "image_id": 1, "category_id": 1}]}
    (root / "annotations" / "json" / "TBX11K_train.json").write_text(json.dumps(broken))
    with pytest.raises(LayoutError, match="bbox"):
        list(Tbx11kSource(root).records())
