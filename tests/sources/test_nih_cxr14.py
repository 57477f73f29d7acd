"""NIH ChestX-ray14: Box and Kaggle layouts, the v2020 and trailing-comma headers, boxes, official split lists,
Google relabels, and the real 112,120-row Data_Entry table over a generated placeholder tree."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter

import pytest
from trees import nih_cxr14 as tree
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.nih_cxr14 import NihCxr14Source


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_box_layout_records_are_as_listed(tmp_path):
    root, options = tree.make_tree(tmp_path / "nih")
    records, rejects = split_items(NihCxr14Source(root, **options))
    got = {
        r.native_id: (r.patient_id, r.split, r.view, r.labels, r.attributes.get("age"), r.attributes["sex"])
        for r in records
    }
    assert got == {
        "00000001_000": ("1", "train", "PA", ["cardiomegaly"], 57.0, "M"),
        "00000001_001": ("1", "train", "PA", ["cardiomegaly", "emphysema"], 58.0, "M"),
        "00000003_000": ("3", "train", "AP", ["normal"], 81.0, "F"),
        "00000005_006": ("5", "test", "AP", ["infiltration", "pleural_effusion"], 70.0, "F"),
    }
    boxed = next(r for r in records if r.native_id == "00000005_006")
    assert boxed.attributes["boxes"] == [{"label": "infiltration", "x0": 100.5, "y0": 200.0, "x1": 150.5, "y1": 260.0}]
    assert [(r.reason, r.item) for r in rejects] == [("missing_file", "images/00000007_000.png")]
    assert rejects[0].detail == "Data_Entry_2017_v2020.csv: line 6"
    assert records[0].source_entry == "Data_Entry_2017_v2020.csv: line 2"


def test_kaggle_nesting_and_old_header_with_trailing_comma(tmp_path):
    root = tmp_path / "kaggle"
    lines = [f"{line}," for line in [tree.HEADER, *tree.ROWS[:4]]]
    write_text(root / "Data_Entry_2017.csv", "\n".join(lines) + "\n", newline="\r\n")
    placeholders(
        [
            root / "images_001" / "images" / "00000001_000.png",
            root / "images_001" / "images" / "00000001_001.png",
            root / "images_002" / "images" / "00000003_000.png",
            root / "images_002" / "images" / "00000005_006.png",
        ]
    )
    records, rejects = split_items(get_source("nih_cxr14")(root))
    assert not rejects
    assert [(r.native_id, r.labels, r.split, r.image_path.parent.parent.name) for r in records] == [
        ("00000001_000", ["cardiomegaly"], None, "images_001"),
        ("00000001_001", ["cardiomegaly", "emphysema"], None, "images_001"),
        ("00000003_000", ["normal"], None, "images_002"),
        ("00000005_006", ["infiltration", "pleural_effusion"], None, "images_002"),
    ]


def test_google_relabels_replace_their_four_findings(tmp_path):
    root, _ = tree.make_tree(tmp_path / "nih")
    header = f"{tree.HEADER},Fracture,Pneumothorax,Airspace opacity,Nodule or mass,Set Id"
    write_text(
        root / "relabels.csv",
        "\n".join(
            [
                header,
                "00000001_001.png,Cardiomegaly|Emphysema,1,1,58,M,PA,2894,2729,0.143,0.143,YES,NO,NO,NO,test",
                "00000003_000.png,No Finding,0,3,81,F,AP,2582,2991,0.143,0.143,NO,NO,NO,NO,val",
            ]
        )
        + "\n",
        newline="\r\n",
    )
    records, _ = split_items(NihCxr14Source(root, relabels=["relabels.csv"]))
    by_id = {r.native_id: r for r in records}
    assert by_id["00000001_001"].labels == ["cardiomegaly", "emphysema", "fracture"]
    assert by_id["00000001_001"].negative_labels == ["pneumothorax", "lung_opacity", "lung_lesion"]
    assert by_id["00000001_001"].attributes["label_origin"] == "google2019_relabel"
    assert by_id["00000003_000"].labels == ["normal"]
    assert "label_origin" not in by_id["00000001_000"].attributes


def test_wrong_root_and_missing_relabel_file_are_layout_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LayoutError, match="Data_Entry_2017"):
        NihCxr14Source(tmp_path / "empty")
    root, _ = tree.make_tree(tmp_path / "nih")
    with pytest.raises(LayoutError, match="relabel"):
        NihCxr14Source(root, relabels=["nowhere.csv"])


def test_real_data_entry_gives_every_row_with_its_finding_tokens(tmp_path, realdata):
    root = tmp_path / "real"
    root.mkdir()
    with gzip.open(realdata / "cxr" / "Data_Entry_2017_v2020.csv.gz", "rt") as handle:
        text = handle.read()
    (root / "Data_Entry_2017_v2020.csv").write_text(text)
    with (
        gzip.open(realdata / "cxr" / "BBox_List_2017.csv.gz", "rb") as handle,
        (root / "BBox_List_2017.csv").open("wb") as out,
    ):
        shutil.copyfileobj(handle, out)
    shutil.copy(realdata / "cxr" / "nih" / "google2019_nih-chest-xray-labels.csv.gz", root)
    lines = text.splitlines()[1:]
    names = [line.split(",", 1)[0] for line in lines]
    placeholders(root / f"images_{i // 10000 + 1:03d}" / "images" / name for i, name in enumerate(names))
    tokens = Counter(t for line in lines for t in line.split(",")[1].split("|"))
    relabel_text = gzip.decompress((realdata / "cxr" / "nih" / "google2019_nih-chest-xray-labels.csv.gz").read_bytes())
    relabelled = {line.split(",", 1)[0] for line in relabel_text.decode().splitlines()[1:]}
    box_text = gzip.decompress((realdata / "cxr" / "BBox_List_2017.csv.gz").read_bytes())
    boxed = {line.split(",", 1)[0] for line in box_text.decode().splitlines()[1:]}

    records, rejects = split_items(NihCxr14Source(root, relabels=["google2019_nih-chest-xray-labels.csv.gz"]))
    assert not rejects and len(records) == len(lines) == 112_120
    plain = [r for r in records if "label_origin" not in r.attributes]
    found = Counter(label for r in records for label in r.labels)
    expected_ids = {"Effusion": "pleural_effusion", "No Finding": "normal", "Pleural_Thickening": "pleural_thickening"}
    for token, count in tokens.items():
        finding = expected_ids.get(token, token.casefold())
        if finding in ("pneumothorax", "nodule", "mass", "normal"):
            # the relabels replace these on the images they cover: count those images apart
            covered = sum(1 for line in lines if line.split(",", 1)[0] in relabelled and token in line.split(",")[1])
            plain_count = sum(1 for r in plain if finding in r.labels)
            assert plain_count == count - covered, token
        else:
            assert found[finding] == count, token
    assert sum(1 for r in records if "label_origin" in r.attributes) == len(relabelled)
    assert {r.native_id + ".png" for r in records if "boxes" in r.attributes} == boxed
    assert len({r.patient_id for r in records}) == 30_805
