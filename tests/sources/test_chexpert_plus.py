"""CheXpert Plus adapter: report table joined to CheXpert images by path, CheXbert JSON Lines labels, and real
CheXpert paths and label cells (CheXlocalize valid.csv, CheXpert test ground truth) run through its join."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from trees.chexpert_plus import COLUMNS, LISTED, STUDY1, make_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.chexpert_plus import ChexpertPlusSource

SECTIONS1 = {
    "findings": STUDY1["section_findings"],
    "impression": STUDY1["section_impression"],
    "history": STUDY1["section_clinical_history"],
    "comparison": STUDY1["section_comparison"],
}
RAW_SECTIONS = {
    "findings": "The lungs are clear. No pneumothorax.",
    "impression": "No acute cardiopulmonary abnormality.",
}
# native id -> (patient, study, split, view, labels, uncertain, negative, attributes, report, stored suffix)
EXPECTED = {
    "patient00001_study1_view1_frontal": (
        "00001", "patient00001/study1", "train", "AP", ["cardiomegaly"], ["edema"], [],
        {"label_origin": "dataset", "age": 68.0, "sex": "M"}, SECTIONS1, ".jpg",
    ),
    "patient00001_study1_view2_lateral": (
        "00001", "patient00001/study1", "train", "LATERAL", ["cardiomegaly"], ["edema"], [],
        {"label_origin": "dataset", "age": 68.0, "sex": "M"}, SECTIONS1, ".jpg",
    ),
    "patient00002_study2_view1_frontal": (
        "00002", "patient00002/study2", "train", "PA", [], [], [],
        {"label_origin": "report", "age": 45.0, "sex": "F"}, RAW_SECTIONS, ".jpg",
    ),
    "patient64541_study1_view1_frontal": (  # age 0 is the missing-age sentinel; sex Unknown
        "64541", "patient64541/study1", "validation", "AP", ["normal"], [], ["pneumothorax"],
        {"label_origin": "dataset", "age": None, "sex": None}, RAW_SECTIONS, ".png",
    ),
}  # fmt: skip
REJECTS = [
    ("train/patient00003/study1/view1_frontal.jpg", "missing_file"),
    ("train/patient00004/study1/view1_frontal.jpg", "empty_report"),
    ("df_chexpert_plus_240401.csv", "no_path"),
]


def read(source: ChexpertPlusSource) -> tuple[dict[str, RawRecord], list[tuple[str, str]]]:
    items = list(source.records())
    assert len(items) == LISTED
    records = {r.native_id: r for r in items if isinstance(r, RawRecord)}
    return records, [(r.item, r.reason) for r in items if isinstance(r, Reject)]


def summary(record: RawRecord) -> tuple:
    fields = (record.labels, record.uncertain_labels, record.negative_labels, record.attributes, record.report)
    return (record.patient_id, record.study_id, record.split, record.view, *fields, record.image_path.suffix)


@pytest.mark.parametrize("images", ["CheXpert-v1.0", "chexpert_plus/CheXpert-v1.0", "chexpert_plus/PNG"])
def test_fixture_tree(tmp_path: Path, images: str) -> None:
    """Images beside the table (option images_root), or inside the root under CheXpert-v1.0/ or PNG/ (no option)."""
    root, options = make_tree(tmp_path, images=images)
    source = ChexpertPlusSource(root, **(options if images == "CheXpert-v1.0" else {}))
    assert source.version == "240401"
    records, rejects = read(source)
    assert {key: summary(r) for key, r in records.items()} == EXPECTED
    assert rejects == REJECTS
    first = records["patient00001_study1_view1_frontal"]
    assert first.image_path == tmp_path / images / "train/patient00001/study1/view1_frontal.jpg"
    assert first.source_entry == "df_chexpert_plus_240401.csv: line 2; labels impression_fixed.json: line 1"
    assert first.id == "chexpert_plus/patient00001_study1_view1_frontal"


def test_other_chexbert_file_and_report_labels(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path)
    records, _ = read(ChexpertPlusSource(root, **options, chexbert_section="findings"))
    frontal, lateral = records["patient00001_study1_view1_frontal"], records["patient00001_study1_view2_lateral"]
    assert (frontal.labels, frontal.uncertain_labels) == (["cardiomegaly"], [])
    assert lateral.labels == [] and lateral.attributes["label_origin"] == "report"
    records, _ = read(ChexpertPlusSource(root, **options, labels="report"))
    assert all(not r.labels and r.attributes["label_origin"] == "report" for r in records.values())


def test_without_chexbert_files_the_report_labels(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path)
    for path in (root / "chexbert_labels").iterdir():
        path.unlink()
    records, _ = read(ChexpertPlusSource(root, **options))
    assert {r.attributes["label_origin"] for r in records.values()} == {"report"}


def test_layout_errors(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path)
    with pytest.raises(LayoutError, match="df_chexpert_plus_240401.csv"):
        ChexpertPlusSource(tmp_path)
    with pytest.raises(LayoutError, match="images_root"):
        ChexpertPlusSource(root, images_root="../nowhere")
    (root / "chexbert_labels" / "impression_fixed.json").write_text('{"path_to_image": "a"}\nnot json\n')
    with pytest.raises(LayoutError, match=r"impression_fixed.json.*line 2"):
        list(ChexpertPlusSource(root, **options).records())
    (root / "df_chexpert_plus_240401.csv").write_text("Path,Sex\nx,Male\n")
    with pytest.raises(LayoutError, match="path_to_image"):
        list(ChexpertPlusSource(root, **options).records())


def test_registry_lists_chexpert_plus_as_credentialed() -> None:
    cls = get_source("chexpert_plus")
    assert cls is ChexpertPlusSource and cls.licence_class == "credentialed" and cls.has_official_split


def _plus_tree(tmp_path: Path, rows: list[dict[str, str]], labels: list[dict[str, object]]) -> Path:
    """A CheXpert Plus table over real CheXpert paths, CheXbert labels from real label cells, placeholder images."""
    root = tmp_path / "plus"
    (root / "chexbert_labels").mkdir(parents=True)
    with (root / "df_chexpert_plus_240401.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    lines = "".join(json.dumps(item) + "\n" for item in labels)
    (root / "chexbert_labels" / "impression_fixed.json").write_text(lines)
    for row in rows:
        image = root / "CheXpert-v1.0" / row["path_to_image"]
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(b"placeholder image")
    return root


def test_real_chexpert_valid_rows(tmp_path: Path, realdata: Path) -> None:
    """CheXlocalize's valid.csv rows (real paths, views, demographics, label cells) as a CheXpert Plus table."""
    with (realdata / "cxr" / "chexlocalize" / "valid.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    names = [c for c in table[0] if c not in ("Path", "Sex", "Age", "Frontal/Lateral", "AP/PA")]
    rows, labels = [], []
    for entry in table:
        path = entry["Path"].removeprefix("CheXpert-v1.0/")
        patient = path.split("/")[1].removeprefix("patient")
        rows.append({"path_to_image": path, "deid_patient_id": patient, "frontal_lateral": entry["Frontal/Lateral"]})
        rows[-1] |= {"ap_pa": entry["AP/PA"], "age": entry["Age"], "sex": entry["Sex"], "split": "valid"}
        rows[-1] |= {"section_impression": "Written for the test."}
        labels.append({"path_to_image": path, **{n: float(entry[n]) for n in names}})
    records, rejects = read_real(ChexpertPlusSource(_plus_tree(tmp_path, rows, labels)), len(table))
    assert rejects == []
    for entry, record in zip(table, records, strict=True):
        positives = [n for n in names if entry[n] == "1.0"]
        negatives = [n for n in names if entry[n] == "0.0" and n != "No Finding"]  # "not normal" states nothing
        assert (len(record.labels), len(record.negative_labels)) == (len(positives), len(negatives))
        assert record.view == entry["AP/PA"] and record.attributes["age"] == float(entry["Age"])
        assert record.split == "validation" and record.attributes["sex"] == entry["Sex"][0]


def test_real_chexpert_test_studies(tmp_path: Path, realdata: Path) -> None:
    """The 500 CheXpert test studies (integer 0/1 cells) joined as one frontal image each."""
    with (realdata / "cxr" / "chexpert_test" / "groundtruth.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    names = [c for c in table[0] if c != "Study"]
    rows, labels = [], []
    for entry in table:
        path = entry["Study"].removeprefix("CheXpert-v1.0/") + "/view1_frontal.jpg"
        rows.append({"path_to_image": path, "deid_patient_id": path.split("/")[1], "split": "test"})
        rows[-1] |= {"frontal_lateral": "Frontal", "section_findings": "Written for the test."}
        labels.append({"path_to_image": path, **{n: int(entry[n]) for n in names}})
    records, _ = read_real(ChexpertPlusSource(_plus_tree(tmp_path, rows, labels)), len(table))
    ones = sum(entry[n] == "1" for entry in table for n in names)
    assert sum(len(r.labels) for r in records) == ones
    assert len({r.patient_id for r in records}) == len({e["Study"].split("/")[2] for e in table})
    assert {r.split for r in records} == {"test"}


def read_real(source: ChexpertPlusSource, listed: int) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    assert len(items) == listed
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]
