"""MIMIC-CXR (DICOM + reports) adapter on fixture trees of 2.0.0 and 2.1.0, reports extracted and zipped."""

from __future__ import annotations

import gzip
import json
import tarfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from trees.images import build_dicom
from trees.mimic_cxr import LISTED, SECTIONS, STUDIES, dicom_id, make_tree, study_path
from trees.mimic_cxr_jpg import make_tree as make_jpg_tree

from mgll_data.builder import build_recipe
from mgll_data.checks.validate import validate_output
from mgll_data.errors import LayoutError
from mgll_data.recipe import load_recipe, parse_recipe
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.mimic_cxr import MimicCxrSource

SUBJECT_STUDY = {1: ("10000032", "50414267"), 2: ("10000032", "50414267"), 3: ("10000032", "53189527")}
SUBJECT_STUDY |= {5: ("10000764", "57375967")}
REPORT_OF = {1: "normal", 2: "normal", 3: "effusion", 5: "lines"}
# dicom number -> (reason, detail fragment) of the rejects the tree lists
REJECTS = {
    4: ("missing_file", "line 5"),
    6: ("missing_report", "s50771383.txt"),
    7: ("empty_report", "s54205396.txt"),
    8: ("missing_file", "gunzip"),
    9: ("empty_file", "line 10"),
}


def dicom_path(n: int) -> str:
    return next(f"{study_path(s, t)}/{dicom_id(n)}.dcm" for s, t, _, images in STUDIES if n in dict(images))


def read_all(source: MimicCxrSource) -> tuple[dict[str, RawRecord], dict[str, Reject]]:
    items = list(source.records())
    assert len(items) == LISTED
    records = {r.native_id: r for r in items if isinstance(r, RawRecord)}
    rejects = {Path(r.item).name.removesuffix(".dcm"): r for r in items if isinstance(r, Reject)}
    assert len(records) + len(rejects) == LISTED
    return records, rejects


@pytest.mark.parametrize(("version", "zipped"), [("2.0.0", False), ("2.1.0", True), ("2.1.0", False)])
def test_fixture_tree(tmp_path: Path, version: str, zipped: bool) -> None:
    root, options = make_tree(tmp_path, version=version, zipped=zipped)
    source = MimicCxrSource(root, **options)
    assert source.version == version
    records, rejects = read_all(source)
    assert sorted(records) == sorted(dicom_id(n) for n in REPORT_OF)
    for n, report in REPORT_OF.items():
        record = records[dicom_id(n)]
        subject, study = SUBJECT_STUDY[n]
        assert (record.patient_id, record.study_id, record.split, record.view) == (subject, study, None, None)
        assert record.image_path == root / dicom_path(n)
        assert record.report == SECTIONS[report]
        assert (record.labels, record.uncertain_labels, record.negative_labels) == ([], [], [])
        assert record.attributes == {"label_origin": "report"}
        assert record.source_file == "cxr-record-list.csv.gz"
        assert record.modality == "cxr" and record.id == f"mimic_cxr/{dicom_id(n)}"
    for n, (reason, detail) in REJECTS.items():
        reject = rejects[dicom_id(n)]
        assert (reject.reason, reject.item) == (reason, dicom_path(n))
        assert detail in reject.detail
    assert [getattr(i, "native_id", getattr(i, "item", None)) for i in source.records()] == [
        getattr(i, "native_id", getattr(i, "item", None)) for i in source.records()
    ]


def test_rows_of_a_study_do_not_share_attributes(tmp_path: Path) -> None:
    records, _ = read_all(MimicCxrSource(make_tree(tmp_path)[0]))
    first, second = records[dicom_id(1)], records[dicom_id(2)]
    first.attributes["unlabelled"] = True
    first.report["findings"] = "changed"
    assert "unlabelled" not in second.attributes and second.report == SECTIONS["normal"]


def test_without_study_list_report_paths_are_derived(tmp_path: Path) -> None:
    root, _ = make_tree(tmp_path)
    (root / "cxr-study-list.csv.gz").unlink()
    records, _ = read_all(MimicCxrSource(root))
    assert records[dicom_id(3)].report == SECTIONS["effusion"]


def test_split_and_labels_from_mimic_cxr_jpg(tmp_path: Path) -> None:
    """jpg_root brings the official split; labels: chexpert the JPG release's study labels (report where blank)."""
    root, _ = make_tree(tmp_path / "dicom")
    jpg_root, _ = make_jpg_tree(tmp_path / "jpg")
    items = list(MimicCxrSource(root, jpg_root=str(jpg_root), labels="chexpert").records())
    records = {r.native_id: r for r in items if isinstance(r, RawRecord)}
    rejects = {Path(r.item).stem: r.reason for r in items if isinstance(r, Reject)}
    assert {n: records[dicom_id(n)].split for n in (1, 2, 3, 5)} == {
        1: "train",
        2: "train",
        3: "train",
        5: "validation",
    }
    normal, effusion, lines = records[dicom_id(1)], records[dicom_id(3)], records[dicom_id(5)]
    assert (normal.labels, normal.negative_labels) == (["normal"], ["pleural_effusion", "pneumothorax"])
    assert effusion.labels == ["atelectasis", "cardiomegaly", "pleural_effusion"]
    assert effusion.uncertain_labels == ["edema"]
    assert normal.attributes == effusion.attributes == {"label_origin": "dataset"}
    assert "labels mimic-cxr-2.0.0-chexpert.csv.gz: line 2" in normal.source_entry
    assert lines.labels == [] and lines.attributes == {"label_origin": "report"}  # all 14 cells blank
    # the 2.1.0 test-set radiologist labels stand in for the missing report of study 50771383
    assert records[dicom_id(6)].labels == ["lung_opacity"] and records[dicom_id(6)].report is None
    assert rejects[dicom_id(7)] == "empty_report"


def test_labels_need_jpg_root(tmp_path: Path) -> None:
    root, _ = make_tree(tmp_path)
    with pytest.raises(LayoutError, match="labels: negbio needs the option jpg_root"):
        MimicCxrSource(root, labels="negbio")
    with pytest.raises(LayoutError, match="jpg_root"):
        MimicCxrSource(root, jpg_root="../no-such-folder")


def test_layout_errors(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="cxr-record-list.csv.gz"):
        MimicCxrSource(tmp_path)
    root, _ = make_tree(tmp_path / "t")
    (root / "cxr-record-list.csv.gz").write_bytes(gzip.compress(b"subject_id,study_id,path\n1,2,x\n"))
    with pytest.raises(LayoutError, match=r"cxr-record-list.csv.gz.*'dicom_id'"):
        list(MimicCxrSource(root).records())
    (root / "cxr-record-list.csv.gz").write_bytes(b"not gzip")
    with pytest.raises(LayoutError, match="gzip-compressed"):
        list(MimicCxrSource(root).records())


def test_reports_left_in_the_tar_archive_are_named(tmp_path: Path) -> None:
    root, _ = make_tree(tmp_path)
    for report in (root / "files").glob("p*/p*/s*.txt"):
        report.unlink()
    with tarfile.open(root / "mimic-cxr-reports.tar.gz", "w:gz"):
        pass
    with pytest.raises(LayoutError, match="tar -xzf mimic-cxr-reports.tar.gz"):
        MimicCxrSource(root)


def test_registry_lists_mimic_cxr_as_credentialed() -> None:
    cls = get_source("mimic_cxr")
    assert cls is MimicCxrSource and cls.licence_class == "credentialed" and cls.modality == "cxr"
    assert "cxr-record-list.csv.gz" in cls.layout and {"jpg_root", "labels"} <= set(cls.Options.model_fields)


@pytest.mark.parametrize("recipe", ["mimic-cxr.yaml", "mimic_cxr.yaml", "mimic_cxr_jpg.yaml", "chexpert_plus.yaml"])
def test_shipped_recipes_validate_with_their_adapter_options(recipe: str) -> None:
    loaded = load_recipe(Path(__file__).resolve().parents[2] / "recipes" / recipe)
    for spec in loaded.sources:
        options = get_source(spec.name).Options(**spec.options)
        assert get_source(spec.name).licence_class == "credentialed" and options.model_fields_set == set(spec.options)


def test_end_to_end_dicom_build(tmp_path: Path) -> None:
    """12-bit MONOCHROME1 DICOMs (as MIMIC stores them) build into 16-bit rows that validate; the view comes from
    the DICOM ViewPosition and no patient name or birth date reaches the output."""
    root, options = make_tree(tmp_path / "data")
    views = {1: "PA", 2: "LATERAL", 3: "AP", 5: "AP"}
    for n in (1, 2, 3, 5, 6, 7):
        pixels = np.random.default_rng(n).integers(0, 4095, (40, 32), dtype=np.uint16)
        elements = {"PatientName": "Doe^Jane", "PatientBirthDate": "21000101", "ViewPosition": views.get(n, "PA")}
        build_dicom(pixels, photometric="MONOCHROME1", bits_stored=12, **elements).save_as(
            root / dicom_path(n), enforce_file_format=True
        )
    recipe = parse_recipe(
        {
            "name": "mimic-dicom-test",
            "sources": [{"name": "mimic_cxr", "root": str(root), "options": options}],
            "output": {"dir": str(tmp_path / "out"), "shard_size": 10},
            "image": {"size": 32, "format": "png", "bit_depth": 16},
            "split": {"seed": 0, "train": 1.0, "validation": 0.0, "test": 0.0},
        },
        tmp_path,
    )
    result = build_recipe(recipe)
    assert validate_output(result.out_dir) == []
    rows = pq.read_table(result.out_dir / "data").drop(["image"]).to_pylist()
    assert {r["id"]: r["view"] for r in rows} == {f"mimic_cxr/{dicom_id(n)}": v for n, v in views.items()}
    assert all(r["attributes"]["label_origin"] == "report" and r["explanations"] for r in rows)
    text = json.dumps(rows, default=str)
    assert "Doe" not in text and "21000101" not in text
    rejects = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    assert sorted(r["reason"] for r in rejects) == sorted(reason for reason, _ in REJECTS.values())
