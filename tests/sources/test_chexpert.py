"""CheXpert: the -small, full-resolution and AIMI batch layouts, label states, views, and the real 500-study test
labels broadcast to their images."""

from __future__ import annotations

import shutil

import pytest
from trees import chexpert as tree
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.chexpert import ChexpertSource


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


EXPECTED = {
    # id: (split, view, positive, uncertain, negative, age, sex)
    "patient00001/study1/view1_frontal": (
        "train",
        "AP",
        ["normal", "support_devices"],
        [],
        ["pneumothorax"],
        68.0,
        "F",
    ),
    "patient00002/study2/view1_frontal": (
        "train",
        "AP",
        ["lung_opacity", "fracture"],
        ["cardiomegaly", "edema", "consolidation", "atelectasis"],
        [],
        87.0,
        "F",
    ),
    "patient00002/study1/view2_lateral": ("train", "LATERAL", ["lung_opacity", "fracture"], [], [], 83.0, "F"),
    "patient00003/study1/view2_frontal": ("train", "PA", ["edema"], [], ["pleural_effusion"], None, None),
    "patient64541/study1/view1_frontal": (
        "validation",
        "AP",
        ["enlarged_cardiomediastinum", "cardiomegaly", "lung_opacity"],
        [],
        [
            "lung_lesion",
            "edema",
            "consolidation",
            "pneumonia",
            "atelectasis",
            "pneumothorax",
            "pleural_effusion",
            "pleural_other",
            "fracture",
            "support_devices",
        ],
        73.0,
        "M",
    ),
}


def summary(records: list[RawRecord]) -> dict:
    return {
        r.native_id: (
            r.split,
            r.view,
            r.labels,
            r.uncertain_labels,
            r.negative_labels,
            r.attributes.get("age"),
            r.attributes.get("sex"),
        )
        for r in records
    }


def test_small_layout_records(tmp_path):
    root, options = tree.make_tree(tmp_path / "chexpert")
    records, rejects = split_items(ChexpertSource(root, **options))
    assert summary(records) == EXPECTED
    assert {r.native_id: (r.patient_id, r.study_id) for r in records}["patient00002/study1/view2_lateral"] == (
        "patient00002",
        "patient00002/study1",
    )
    assert [(r.reason, r.detail) for r in rejects] == [("missing_file", "train.csv: line 6")]


def test_full_resolution_and_aimi_batch_layouts_find_the_same_images(tmp_path):
    full = tmp_path / "full" / "CheXpert-v1.0"
    aimi = tmp_path / "aimi"
    for base, train_folder in ((full, full / "train"), (aimi, aimi / "CheXpert-v1.0 batch 2 (train 1)")):
        rows = [line.replace("CheXpert-v1.0-small/", "CheXpert-v1.0/") for line in tree.TRAIN]
        write_text(base / "train.csv", "\n".join([tree.HEADER, *rows]) + "\n")
        write_text(base / "valid.csv", "\n".join([tree.HEADER, *tree.VALID]) + "\n")
        placeholders(train_folder / line.split(",")[0].split("/train/")[1] for line in rows)
        placeholders([base / "valid" / "patient64541" / "study1" / "view1_frontal.jpg"])
    for root in (full.parent, aimi):
        records, rejects = split_items(ChexpertSource(root))
        assert not rejects
        assert len(records) == 6
        assert {k: v for k, v in summary(records).items() if k in EXPECTED} == EXPECTED


def test_wrong_root_is_a_layout_error(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(LayoutError, match="CheXpert-v1.0"):
        ChexpertSource(tmp_path / "x")


def test_real_test_labels_are_broadcast_to_every_image_of_the_study(tmp_path, realdata):
    root = tmp_path / "CheXpert"
    truth = realdata / "cxr" / "chexpert_test" / "groundtruth.csv"
    root.mkdir()
    shutil.copy(truth, root / "groundtruth.csv")
    lines = truth.read_text().splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    studies = [row[0].split("/test/")[1] for row in rows]
    # every study gets a frontal; every third study also a lateral taken as view2 and a frontal as view3
    placeholders(root / "test" / s / "view1_frontal.jpg" for s in studies)
    placeholders(root / "test" / s / name for s in studies[::3] for name in ("view2_lateral.jpg", "view3_frontal.jpg"))
    records, rejects = split_items(ChexpertSource(root))
    assert not rejects
    assert len(records) == len(studies) + 2 * len(studies[::3])
    assert {r.split for r in records} == {"test"}
    lateral = [r for r in records if r.native_id.endswith("lateral")]
    assert {r.view for r in lateral} == {"LATERAL"} and {r.view for r in records if r not in lateral} == {None}
    by_study = {r.study_id: r for r in records if r.native_id.endswith("view1_frontal")}
    cardio = header.index("Cardiomegaly")
    assert sum("cardiomegaly" in r.labels for r in by_study.values()) == sum(row[cardio] == "1" for row in rows)
    assert sum("cardiomegaly" in r.negative_labels for r in by_study.values()) == sum(
        row[cardio] == "0" for row in rows
    )
    assert all(not r.uncertain_labels for r in records)


def test_a_cell_outside_the_label_values_is_a_reject(tmp_path):
    root = tmp_path / "odd"
    row = tree.TRAIN[0].replace(",0.0,", ",2.0,")
    write_text(root / "train.csv", "\n".join([tree.HEADER, row]) + "\n")
    placeholders([root / "train" / "patient00001" / "study1" / "view1_frontal.jpg"])
    source = ChexpertSource(root)
    records, rejects = split_items(source)
    assert not records
    assert [(r.reason, r.detail) for r in rejects] == [("unmapped_label", "train.csv: line 2: Pneumothorax '2.0'")]
    assert source.unmapped == {"Pneumothorax": {"2.0": 1}}
