"""VinDr-CXR: Kaggle per-reader rows and the PhysioNet label tables fused per image (majority / any), boxes,
the test file's `Other disease` spelling, and the real VinBigData train.csv with the fusion rule's counts."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter, defaultdict

import pytest
from trees import vindr_cxr as tree
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError, RecipeError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.vindr_cxr import VindrCxrSource


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_kaggle_majority_fusion(tmp_path):
    root, options = tree.make_tree(tmp_path / "vin")
    records, rejects = split_items(VindrCxrSource(root, **options))
    got = {
        r.native_id: (r.split, r.labels, r.uncertain_labels, r.keywords, r.attributes["reader_count"])
        for r in records
        if r.split == "train"
    }
    assert got == {
        "aaa": ("train", ["normal"], [], [], 3),
        "bbb": ("train", ["cardiomegaly"], ["pleural_thickening", "aortic_enlargement"], [], 3),
        "ccc": ("train", [], [], ["other lesion"], 3),
    }
    bbb = next(r for r in records if r.native_id == "bbb")
    assert bbb.attributes["boxes"] == [
        {"label": "cardiomegaly", "x0": 691.0, "y0": 1375.0, "x1": 1653.0, "y1": 1831.0},
        {"label": "cardiomegaly", "x0": 700.0, "y0": 1380.0, "x1": 1650.0, "y1": 1830.0},
    ]
    assert [(r.native_id, r.split, r.labels) for r in records if r.split == "test"] == [("eee", "test", [])]
    assert [(r.reason, r.item) for r in rejects] == [("missing_file", "train/ddd.dicom")]


def test_any_reader_fusion_and_option_check(tmp_path):
    root, _ = tree.make_tree(tmp_path / "vin")
    records, _ = split_items(VindrCxrSource(root, fusion="any"))
    bbb = next(r for r in records if r.native_id == "bbb")
    assert bbb.labels == ["cardiomegaly", "pleural_thickening", "aortic_enlargement"] and not bbb.uncertain_labels
    assert len(bbb.attributes["boxes"]) == 4
    with pytest.raises(RecipeError, match="fusion"):
        VindrCxrSource(root, fusion="vote")


LABELS = ["Aortic enlargement", "Cardiomegaly", "Pleural effusion", "Other diseases", "No finding"]


def test_physionet_layout_with_test_spelling(tmp_path):
    root = tmp_path / "physionet"
    train = [
        "image_id,rad_id," + ",".join(LABELS),
        "p1,R1,0,1,1,0,0",
        "p1,R2,0,1,0,0,0",
        "p1,R3,0,0,0,1,0",
        "p2,R1,0,0,0,0,1",
        "p2,R4,0,0,0,0,1",
        "p2,R5,0,0,0,0,1",
    ]
    test = ["image_id," + ",".join(LABELS[:3] + ["Other disease", "No finding"]), "t1,1,0,0,1,0"]
    write_text(root / "annotations" / "image_labels_train.csv", "\n".join(train) + "\n")
    write_text(root / "annotations" / "image_labels_test.csv", "\n".join(test) + "\n")
    write_text(
        root / "annotations" / "annotations_train.csv",
        "image_id,rad_id,class_name,x_min,y_min,x_max,y_max\np1,R1,Cardiomegaly,1,2,3,4\n"
        "p1,R1,Pleural effusion,5,6,7,8\n",
    )
    placeholders([root / "train" / "p1.dicom", root / "train" / "p2.dicom", root / "test" / "t1.dicom"])
    records, rejects = split_items(VindrCxrSource(root))
    assert not rejects
    got = {
        r.native_id: (
            r.split,
            r.labels,
            r.uncertain_labels,
            r.keywords,
            r.attributes["reader_count"],
            r.attributes.get("boxes"),
        )
        for r in records
    }
    assert got == {
        "p1": (
            "train",
            ["cardiomegaly"],
            ["pleural_effusion"],
            [],
            3,
            [{"label": "cardiomegaly", "x0": 1.0, "y0": 2.0, "x1": 3.0, "y1": 4.0}],
        ),
        "p2": ("train", ["normal"], [], [], 3, None),
        "t1": ("test", ["aortic_enlargement"], [], ["other disease"], 1, None),
    }


def test_unknown_column_and_wrong_root_are_layout_errors(tmp_path):
    root = tmp_path / "physionet"
    write_text(root / "annotations" / "image_labels_train.csv", "image_id,rad_id,Mystery sign\np1,R1,1\n")
    with pytest.raises(LayoutError, match="Mystery sign"):
        list(VindrCxrSource(root).records())
    with pytest.raises(LayoutError, match="VinBigData"):
        VindrCxrSource(root / "annotations")


def test_real_vinbigdata_train_fused_by_majority(tmp_path, realdata):
    root = tmp_path / "real"
    root.mkdir()
    source_file = realdata / "cxr" / "vinbigdata" / "vinbigdata-train.csv.gz"
    with gzip.open(source_file, "rb") as handle, (root / "train.csv").open("wb") as out:
        shutil.copyfileobj(handle, out)
    readers: dict[str, set[str]] = defaultdict(set)
    marks: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in gzip.decompress(source_file.read_bytes()).decode().splitlines()[1:]:
        image, name, _, reader = line.split(",")[:4]
        readers[image].add(reader)
        marks[(image, name)].add(reader)
    majority = Counter(name for (image, name), who in marks.items() if 2 * len(who) > len(readers[image]))
    minority = Counter(name for (image, name), who in marks.items() if 2 * len(who) <= len(readers[image]))
    placeholders(root / "train" / f"{image}.dicom" for image in readers)
    records, rejects = split_items(VindrCxrSource(root))
    assert not rejects and len(records) == len(readers) == 15_000
    found = Counter(label for r in records for label in r.labels)
    unsure = Counter(label for r in records for label in r.uncertain_labels)
    assert found["normal"] == majority["No finding"]
    assert found["cardiomegaly"] == majority["Cardiomegaly"] and unsure["cardiomegaly"] == minority["Cardiomegaly"]
    assert found["pneumothorax"] == majority["Pneumothorax"]
    assert found["lung_lesion"] == majority["Nodule/Mass"] and unsure["lung_lesion"] == minority["Nodule/Mass"]
    assert sum("other lesion" in r.keywords for r in records) == majority["Other lesion"]
    assert {r.attributes["reader_count"] for r in records} == {3}


def test_a_box_that_is_not_a_number_is_a_reject(tmp_path):
    root = tmp_path / "bad"
    write_text(
        root / "train.csv",
        "image_id,class_name,class_id,rad_id,x_min,y_min,x_max,y_max\naaa,Cardiomegaly,3,R1,691.0,left,1653.0,1831.0\n",
    )
    placeholders([root / "train" / "aaa.dicom"])
    records, rejects = split_items(VindrCxrSource(root))
    assert not records and [r.reason for r in rejects] == ["bad_annotation_value"]
    assert "train.csv: line 2" in rejects[0].detail
