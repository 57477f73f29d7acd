"""RSNA Pneumonia: one row per image from the per-box label rows, classes, boxes, unlabelled test images, stage 1,
and the real stage 2 label file over a generated placeholder tree."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from trees import rsna_pneumonia as tree
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.rsna_pneumonia import RsnaPneumoniaSource


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_stage2_records(tmp_path):
    root, options = tree.make_tree(tmp_path / "rsna")
    records, rejects = split_items(RsnaPneumoniaSource(root, **options))
    got = {r.native_id: (r.split, r.labels, r.negative_labels, r.attributes.get("boxes")) for r in records}
    assert got == {
        "0004cfab-14fd-4e49-80ba-63a80b6bddd6": (None, [], ["lung_opacity"], None),
        "00436515-870c-4b36-a041-de91049b9ab4": (
            None,
            ["lung_opacity"],
            [],
            [
                {"label": "lung_opacity", "x0": 264.0, "y0": 152.0, "x1": 477.0, "y1": 531.0},
                {"label": "lung_opacity", "x0": 562.0, "y0": 152.0, "x1": 818.0, "y1": 605.0},
            ],
        ),
        "003d8fa0-6bf1-40ed-b54c-ac657f8495c5": (None, ["normal"], ["lung_opacity"], None),
        "000924cf-0f8d-42bd-9158-1af53881a557": ("test", [], [], None),
    }
    assert [(r.reason, r.detail) for r in rejects] == [("missing_file", "stage_2_train_labels.csv: line 6")]
    assert records[1].source_entry == "stage_2_train_labels.csv: line 3"


def test_stage1_layout_without_class_file_uses_target(tmp_path):
    root = tmp_path / "stage1"
    write_text(root / "stage_1_train_labels.csv", tree.LABELS)
    placeholders(
        root / "stage_1_train_images" / f"{i}.dcm"
        for i in ("0004cfab-14fd-4e49-80ba-63a80b6bddd6", "00436515-870c-4b36-a041-de91049b9ab4")
    )
    records, rejects = split_items(RsnaPneumoniaSource(root))
    assert [(r.native_id[:8], r.labels, r.negative_labels) for r in records] == [
        ("0004cfab", [], ["lung_opacity"]),
        ("00436515", ["lung_opacity"], []),
    ]
    assert [r.reason for r in rejects] == ["missing_file", "missing_file"]


def test_bad_box_and_wrong_root(tmp_path):
    root = tmp_path / "bad"
    write_text(root / "stage_2_train_labels.csv", "patientId,x,y,width,height,Target\nabc,1,2,three,4,1\n")
    placeholders([root / "stage_2_train_images" / "abc.dcm"])
    _, rejects = split_items(RsnaPneumoniaSource(root))
    assert [r.reason for r in rejects] == ["bad_annotation_value"]
    with pytest.raises(LayoutError, match="stage_2_train_labels.csv"):
        RsnaPneumoniaSource(tmp_path / "bad" / "stage_2_train_images")


def test_real_stage2_labels_give_one_row_per_image(tmp_path, realdata):
    root = tmp_path / "real"
    with zipfile.ZipFile(realdata / "cxr" / "rsna" / "kaggle_stage_2_train_labels.csv.zip") as archive:
        text = archive.read("stage_2_train_labels.csv").decode()
    write_text(root / "stage_2_train_labels.csv", text)
    rows = [line.split(",") for line in io.StringIO(text).read().splitlines()[1:]]
    ids = list(dict.fromkeys(row[0] for row in rows))
    positive = {row[0] for row in rows if row[5] == "1"}
    boxes = sum(row[5] == "1" for row in rows)
    placeholders(root / "stage_2_train_images" / f"{i}.dcm" for i in ids)
    records, rejects = split_items(RsnaPneumoniaSource(root))
    assert not rejects and len(records) == len(ids) == 26_684
    assert [r.native_id for r in records] == ids
    assert {r.native_id for r in records if "lung_opacity" in r.labels} == positive
    assert sum(len(r.attributes.get("boxes", [])) for r in records) == boxes


def test_nih_mapping_gives_the_nih_patient_and_official_split(tmp_path):
    root, _ = tree.make_tree(tmp_path / "rsna")
    mapping = [
        {"subset_img_id": "0004cfab-14fd-4e49-80ba-63a80b6bddd6", "img_id": "00000005_006.png", "orig_labels": []},
        {"subset_img_id": "00436515-870c-4b36-a041-de91049b9ab4", "img_id": "00000013_001.png", "orig_labels": []},
    ]
    write_text(root / "pneumonia-challenge-dataset-mappings_2018.json", json.dumps(mapping))
    nih = tmp_path / "nih"
    write_text(nih / "train_val_list.txt", "00000013_001.png\n")
    write_text(nih / "test_list.txt", "00000005_006.png\n")
    source = RsnaPneumoniaSource(
        root,
        nih_mapping="pneumonia-challenge-dataset-mappings_2018.json",
        nih_split_lists=[str(nih / "train_val_list.txt"), str(nih / "test_list.txt")],
    )
    records, _ = split_items(source)
    got = {r.native_id[:8]: (r.patient_id, r.split, r.attributes.get("dataset_origin")) for r in records}
    assert got == {
        "0004cfab": ("5", "test", "nih_cxr14:00000005_006.png"),
        "00436515": ("13", "train", "nih_cxr14:00000013_001.png"),
        "003d8fa0": ("003d8fa0-6bf1-40ed-b54c-ac657f8495c5", None, None),
        "000924cf": ("000924cf-0f8d-42bd-9158-1af53881a557", "test", None),
    }
    with pytest.raises(LayoutError, match="NIH link"):
        RsnaPneumoniaSource(root, nih_mapping="absent.json")
