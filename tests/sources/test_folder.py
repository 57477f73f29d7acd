"""Bring-your-own folder adapter: PNG / JPEG / DICOM trees with and without a CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from mgll_data.errors import LayoutError, RecipeError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.folder import FolderSource, dicom_identity, pseudonym

SALT = "test-salt"


def write_tree(root: Path, realdata: Path) -> Path:
    """cataract/a.png, normal/b.JPG, Pleural Effusion/c.jpeg, scans/d.dcm (real DICOM), loose.png, one empty file."""
    for folder in ("cataract", "normal", "Pleural Effusion", "scans", ".thumbs"):
        (root / folder).mkdir(parents=True)
    Image.new("RGB", (8, 8), (200, 80, 30)).save(root / "cataract" / "a.png")
    Image.new("RGB", (8, 8), (200, 80, 30)).save(root / "normal" / "b.JPG", format="JPEG")
    Image.new("L", (8, 8), 100).save(root / "Pleural Effusion" / "c.jpeg", format="JPEG")
    shutil.copyfile(realdata / "dicom" / "siim_cr_chest_jpeg_baseline.dcm", root / "scans" / "d.dcm")
    Image.new("L", (8, 8), 100).save(root / "loose.png")
    Image.new("L", (8, 8), 100).save(root / ".thumbs" / "hidden.png")
    (root / "normal" / "zero.png").write_bytes(b"")
    (root / "notes.txt").write_text("not an image", encoding="utf-8")
    return root


def _split(items: list[RawRecord | Reject]) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


def test_walk_without_csv(tmp_path: Path, realdata: Path) -> None:
    source = FolderSource(write_tree(tmp_path / "mine", realdata), modality="fundus", patient_salt=SALT)
    records, rejects = _split(list(source.records()))
    patient = dicom_identity(realdata / "dicom" / "siim_cr_chest_jpeg_baseline.dcm")["PatientID"]
    assert [(r.native_id, r.labels, r.keywords, r.patient_id) for r in records] == [
        ("Pleural Effusion/c.jpeg", [], ["Pleural Effusion"], "Pleural Effusion/c"),  # a cxr finding: no fundus label
        ("cataract/a.png", ["cataract"], ["cataract"], "cataract/a"),
        ("loose.png", [], [], "loose"),
        ("normal/b.JPG", ["normal"], ["normal"], "normal/b"),
        ("scans/d.dcm", [], ["scans"], pseudonym(patient, SALT, "p")),  # the DICOM PatientID, hashed
    ]
    assert [(r.item, r.stage, r.reason) for r in rejects] == [
        (".thumbs", "source", "hidden_file"),  # listed, never read: nothing vanishes
        ("normal/zero.png", "source", "empty_file"),
        ("notes.txt", "source", "not_an_image"),
    ]
    assert {r.modality for r in records} == {"fundus"}


def test_walk_cxr_maps_folder_names(tmp_path: Path, realdata: Path) -> None:
    tree = write_tree(tmp_path / "mine", realdata)
    records, _ = _split(list(FolderSource(tree, modality="cxr", patient_salt=SALT).records()))
    assert [r.labels for r in records] == [["pleural_effusion"], [], [], ["normal"], []]


def test_csv(tmp_path: Path, realdata: Path) -> None:
    root = write_tree(tmp_path / "mine", realdata)
    (root / "labels.csv").write_text(
        "path,labels,text,patient_id,split,view,laterality\n"
        "scans/d.dcm,pleural_effusion|Cardiomegaly,Small left effusion. Enlarged heart.,p1,train,pa,\n"
        "Pleural Effusion/c.jpeg,,,p1,Test,AP,\n"
        "missing/e.png,normal,,p2,,,\n"
        "loose.png,pleural effusion|not a finding,,p3,,,\n"
        "cataract/a.png,,,,,,left\n",
        encoding="utf-8",
    )
    source = FolderSource(root, modality="cxr", csv="labels.csv", patient_salt=SALT)
    records, rejects = _split(list(source.records()))
    p1 = pseudonym("p1", SALT, "p")
    assert [(r.native_id, r.patient_id, r.split, r.view, r.laterality, r.labels) for r in records] == [
        ("scans/d.dcm", p1, "train", "PA", None, ["pleural_effusion", "cardiomegaly"]),
        ("Pleural Effusion/c.jpeg", p1, "test", "AP", None, []),
        ("cataract/a.png", "cataract/a", None, None, "L", []),
    ]
    assert records[0].report == {"findings": "Small left effusion. Enlarged heart."}
    assert records[1].report is None
    assert (records[0].source_file, records[0].source_entry) == ("labels.csv", "row 2")
    assert [(Path(r.item).name, r.stage, r.reason, r.detail) for r in rejects] == [
        ("e.png", "source", "missing_file", ""),
        ("loose.png", "label", "unknown_label", "row 5: not a finding"),
    ]


def test_csv_labels_resolve_within_the_modality(tmp_path: Path, realdata: Path) -> None:
    root = write_tree(tmp_path / "mine", realdata)
    (root / "l.csv").write_text("path,labels\ncataract/a.png,cataract\n", encoding="utf-8")
    _, rejects = _split(list(FolderSource(root, modality="cxr", csv="l.csv").records()))
    assert [(r.reason, r.detail) for r in rejects] == [("unknown_label", "row 2: cataract")]
    records, _ = _split(list(FolderSource(root, modality="fundus", csv="l.csv").records()))
    assert [r.labels for r in records] == [["cataract"]]


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("file,labels\nloose.png,normal\n", "column\\(s\\) 'path'"),
        ("path,split\nloose.png,training\n", r"split values .* row 2: 'training'"),
        ("path,laterality\nloose.png,both\n", r"laterality values .* row 2: 'both'"),
    ],
)
def test_bad_csv_is_named(tmp_path: Path, realdata: Path, csv_text: str, message: str) -> None:
    root = write_tree(tmp_path / "mine", realdata)
    (root / "bad.csv").write_text(csv_text, encoding="utf-8")
    with pytest.raises(LayoutError, match=message):
        list(FolderSource(root, modality="cxr", csv="bad.csv").records())


def test_option_and_root_errors(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="modality"):
        FolderSource(tmp_path)
    with pytest.raises(LayoutError, match="named by option csv"):
        FolderSource(tmp_path, modality="cxr", csv="nothing.csv")
    with pytest.raises(LayoutError, match="or DICOM files under the root"):
        list(FolderSource(tmp_path, modality="cxr").records())
    with pytest.raises(LayoutError, match="an existing folder"):
        FolderSource(tmp_path / "absent", modality="cxr")


def test_registry_finds_folder() -> None:
    assert get_source("folder") is FolderSource


def test_quality_keyword_folders_are_quality_findings(tmp_path: Path) -> None:
    """A folder named with an image-quality remark labels its images with the quality finding, never unlabelled."""
    for folder, expected in (("lens dust", "lens_artefact"), ("low image quality", "poor_image_quality")):
        (tmp_path / folder).mkdir()
        Image.new("RGB", (8, 8), (200, 80, 30)).save(tmp_path / folder / f"{expected}.png")
    records, rejects = _split(list(FolderSource(tmp_path, modality="fundus").records()))
    assert rejects == []
    assert sorted((r.keywords[0], r.labels) for r in records) == [
        ("lens dust", ["lens_artefact"]),
        ("low image quality", ["poor_image_quality"]),
    ]
