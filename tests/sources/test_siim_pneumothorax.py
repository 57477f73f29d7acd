"""SIIM-ACR pneumothorax: RLE rows OR-ed per image, `-1` with or without a space, the DICOM tree walked once,
and the real RLE file over a generated placeholder tree."""

from __future__ import annotations

import gzip
import shutil

import pytest
from trees import siim_pneumothorax as tree
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.siim_pneumothorax import SiimPneumothoraxSource, mask_area_fraction


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_stage1_records(tmp_path):
    root, options = tree.make_tree(tmp_path / "siim")
    records, rejects = split_items(SiimPneumothoraxSource(root, **options))
    got = {r.native_id: (r.labels, r.negative_labels, r.attributes["mask_area_fraction"]) for r in records}
    # pos: runs 10..13 and 1034..1037 (second start counts from the first run's end) plus 1,048,000..1,048,099
    assert got == {
        tree.IMAGES["neg"]: ([], ["pneumothorax"], 0.0),
        tree.IMAGES["pos"]: (["pneumothorax"], [], 108 / 1024**2),
        tree.IMAGES["spaced"]: ([], ["pneumothorax"], 0.0),
    }
    assert [(r.reason, r.detail) for r in rejects] == [("missing_file", "train-rle.csv: line 6")]


def test_rle_runs_are_relative_and_unioned():
    assert mask_area_fraction(["0 2 2 2", "1 2"], (2, 4)) == pytest.approx(5 / 8)
    with pytest.raises(ValueError):
        mask_area_fraction(["5 4"], (2, 4))


def test_stage2_file_bad_rle_and_wrong_root(tmp_path):
    root = tmp_path / "stage2"
    write_text(root / "stage_2_train.csv", f"ImageId,EncodedPixels\n{tree.IMAGES['pos']},12 x\n")
    placeholders([root / "stage_2_images" / f"{tree.IMAGES['pos']}.dcm"])
    _, rejects = split_items(SiimPneumothoraxSource(root))
    assert [r.reason for r in rejects] == ["bad_annotation_value"]
    with pytest.raises(LayoutError, match="train-rle.csv"):
        SiimPneumothoraxSource(root / "stage_2_images")


def test_real_rle_file_gives_every_image_once(tmp_path, realdata):
    root = tmp_path / "real"
    root.mkdir()
    source_file = realdata / "cxr" / "siim" / "siim-pneumothorax-train-rle.csv.gz"
    shutil.copy(source_file, root)
    rows = [line.split(",", 1) for line in gzip.decompress(source_file.read_bytes()).decode().splitlines()[1:]]
    ids = list(dict.fromkeys(image for image, _ in rows))
    positive = {image for image, rle in rows if rle.strip() != "-1"}
    placeholders(root / "dicom-images-train" / f"s{n % 50}" / f"r{n % 7}" / f"{i}.dcm" for n, i in enumerate(ids))
    records, rejects = split_items(SiimPneumothoraxSource(root))
    assert not rejects and len(records) == len(ids) == 12_047
    assert {r.native_id for r in records if r.labels == ["pneumothorax"]} == positive
    assert len(positive) == 2_669
    assert all(r.attributes["mask_area_fraction"] > 0 for r in records if r.labels)


def test_a_user_mapping_csv_links_siim_images_to_nih_patients(tmp_path):
    root, _ = tree.make_tree(tmp_path / "siim")
    write_text(root / "siim_to_nih.csv", f"ImageId,Image Index\n{tree.IMAGES['pos']},00000042_003.png\n")
    records, _ = split_items(SiimPneumothoraxSource(root, nih_mapping="siim_to_nih.csv"))
    linked = {r.native_id: (r.patient_id, r.attributes.get("dataset_origin")) for r in records}
    assert linked[tree.IMAGES["pos"]] == ("42", "nih_cxr14:00000042_003.png")
    assert linked[tree.IMAGES["neg"]] == (tree.IMAGES["neg"], None)
