"""CheXlocalize: CheXpert-format labels with segmentation areas as lesions, the COCO RLE decoder checked by hand
and against the real sample's polygons."""

from __future__ import annotations

import json
import shutil

import pytest
from trees import chexlocalize as tree
from trees.placeholders import placeholders

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.chexlocalize import ChexlocalizeSource, coco_rle_area


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_records_carry_segmentation_areas(tmp_path):
    root, options = tree.make_tree(tmp_path)
    records, rejects = split_items(ChexlocalizeSource(root, **options))
    got = {r.native_id: (r.split, r.labels, r.attributes.get("lesions")) for r in records}
    assert got == {
        "patient64541/study1/view1_frontal": (
            "validation",
            ["cardiomegaly"],
            [{"name": "cardiomegaly", "area_fraction": 2 / 9}],
        ),
        "patient64542/study1/view1_frontal": ("validation", ["normal"], None),
    }
    assert [r.reason for r in rejects] == ["missing_file"]


def test_coco_rle_runs():
    assert coco_rle_area("324") == 2
    assert coco_rle_area("3241") == 5  # the 4th run is written relative to the 2nd: 1 + 2
    assert coco_rle_area("324O") == 3  # 'O' is -1: 2 - 1
    assert coco_rle_area("") == 0


def test_without_segmentations_is_a_layout_error(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    (root / "CheXlocalize" / "gt_segmentations_val.json").unlink()
    with pytest.raises(LayoutError, match="gt_segmentations_val.json"):
        ChexlocalizeSource(root)


def polygon_area(points) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(points)))) / 2


def test_real_sample_areas_match_the_polygons(tmp_path, realdata):
    sample = realdata / "cxr" / "chexlocalize"
    shutil.copy(sample / "valid.csv", tmp_path / "valid.csv")
    shutil.copy(sample / "gt_segmentations_val.json", tmp_path / "gt_segmentations_val.json")
    placeholders(tmp_path / "val" / f"patient6454{n}" / "study1" / "view1_frontal.jpg" for n in (1, 2))
    records, rejects = split_items(ChexlocalizeSource(tmp_path))
    assert not rejects and len(records) == 2
    polygons = json.loads((sample / "gt_annotations_val.json").read_text())
    names = {
        "Airspace Opacity": "lung_opacity",
        "Enlarged Cardiomediastinum": "enlarged_cardiomediastinum",
        "Cardiomegaly": "cardiomegaly",
        "Support Devices": "support_devices",
    }
    for record in records:
        cxr_id = record.native_id.replace("/", "_")
        height, width = polygons[cxr_id]["img_size"]
        contours = {
            names[t]: [polygon_area(c) / (height * width) for c in cs]
            for t, cs in polygons[cxr_id].items()
            if t in names
        }
        got = {lesion["name"]: lesion["area_fraction"] for lesion in record.attributes["lesions"]}
        assert got.keys() == contours.keys()
        for name, fraction in got.items():
            # the mask is the union of the task's contours, which may overlap (mediastinum around the heart)
            assert max(contours[name]) * 0.95 <= fraction <= sum(contours[name]) * 1.05, name
