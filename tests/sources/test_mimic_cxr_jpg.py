"""MIMIC-CXR-JPG adapter on 2.0.0 / 2.1.0 fixture trees with a MIMIC-CXR reports root, and one end-to-end build
whose output validates and which `push` refuses without the credentialed override."""

from __future__ import annotations

import gzip
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
import pytest
from huggingface_hub import HfApi
from trees.images import write_image
from trees.mimic_cxr import SECTIONS, dicom_id
from trees.mimic_cxr_jpg import CHEXPERT, LISTED, csv_bytes, label_rows, make_tree

from mgll_data.builder import build_recipe
from mgll_data.checks.validate import validate_output
from mgll_data.errors import LayoutError, MgllError
from mgll_data.export.push import push_output
from mgll_data.recipe import parse_recipe
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.mimic_cxr_jpg import MimicCxrJpgSource
from mgll_data.text.policy import TextPolicy
from mgll_data.text.report_labels import with_report_labels

DATASET = {"label_origin": "dataset"}
REPORT = {"label_origin": "report"}
# dicom number -> (split, view, labels, uncertain, negative, attributes, report) on the 2.1.0 tree, default options
EXPECTED = {
    1: ("train", "PA", ["normal"], [], ["pleural_effusion", "pneumothorax"], DATASET, "normal"),
    2: ("train", "LATERAL", ["normal"], [], ["pleural_effusion", "pneumothorax"], DATASET, "normal"),
    3: ("train", "AP", ["atelectasis", "cardiomegaly", "pleural_effusion"], ["edema"], [], DATASET, "effusion"),
    5: ("validation", "AP", [], [], [], REPORT, "lines"),  # blank ViewPosition: the view code; blank labels
    6: ("test", "PA", ["lung_opacity"], ["pneumonia"], [], DATASET, None),  # test-set labels, no report
}
REJECTS = {4: "missing_file", 7: "empty_report", 8: "missing_file", 9: "empty_file"}


def read(source: MimicCxrJpgSource) -> tuple[dict[int, RawRecord], dict[int, str]]:
    items = list(source.records())
    assert len(items) == LISTED
    number = {dicom_id(n): n for n in range(1, LISTED + 1)}
    records = {number[r.native_id]: r for r in items if isinstance(r, RawRecord)}
    rejects = {number[Path(r.item).stem]: r.reason for r in items if isinstance(r, Reject)}
    return records, rejects


def summary(record: RawRecord) -> tuple:
    report = next((name for name, sections in SECTIONS.items() if sections == record.report), record.report)
    fields = (record.labels, record.uncertain_labels, record.negative_labels, record.attributes, report)
    return (record.split, record.view, *fields)


@pytest.mark.parametrize("zipped", [False, True])
def test_fixture_tree_2_1_0(tmp_path: Path, zipped: bool) -> None:
    root, options = make_tree(tmp_path, zipped_reports=zipped)
    source = MimicCxrJpgSource(root, **options)
    assert source.version == "2.1.0"
    records, rejects = read(source)
    assert {n: summary(r) for n, r in records.items()} == EXPECTED
    assert rejects == REJECTS
    record = records[3]
    assert (record.patient_id, record.study_id, record.id) == ("10000032", "53189527", f"mimic_cxr_jpg/{dicom_id(3)}")
    assert record.image_path == root / f"files/p10/p10000032/s53189527/{dicom_id(3)}.jpg"
    entry = "mimic-cxr-2.0.0-metadata.csv.gz: line 4; labels mimic-cxr-2.0.0-chexpert.csv.gz: line 3"
    assert record.source_entry == entry
    assert "mimic-cxr-2.1.0-test-set-labeled.csv: line 2" in records[6].source_entry


def test_fixture_tree_2_0_0_has_no_test_set_labels(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path, version="2.0.0")
    source = MimicCxrJpgSource(root, **options)
    records, rejects = read(source)
    assert source.version == "2.0.0"
    assert rejects == {**REJECTS, 6: "missing_report"}
    assert {n: summary(r) for n, r in records.items()} == {n: e for n, e in EXPECTED.items() if n != 6}


def test_negbio_and_report_labels(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path)
    records, _ = read(MimicCxrJpgSource(root, **options, labels="negbio"))
    assert (records[1].labels, records[1].negative_labels, records[3].labels) == (["normal"], [], ["pleural_effusion"])
    records, rejects = read(MimicCxrJpgSource(root, **options, labels="report", test_set_labels=False))
    assert all(r.attributes == REPORT and not r.labels for r in records.values())
    assert rejects[6] == "missing_report"


def test_without_reports_unlabelled_studies_carry_nothing(tmp_path: Path) -> None:
    """No reports root: a study with blank labels is listed bare, for the planner's `unlabelled` rule."""
    root, _ = make_tree(tmp_path)
    records, rejects = read(MimicCxrJpgSource(root))
    assert records[5].report is None and records[5].attributes == {} and not records[5].is_labelled()
    assert records[7].attributes == {} and 7 not in rejects
    assert records[1].report is None and records[1].labels == ["normal"]


def test_label_columns_are_read_by_name(tmp_path: Path) -> None:
    """The CSVs order the 14 columns alphabetically; a file in CheXpert's own order gives the same labels."""
    root, options = make_tree(tmp_path)
    chexpert_order = ["No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion"]
    chexpert_order += ["Edema", "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion"]
    chexpert_order += ["Pleural Other", "Fracture", "Support Devices"]
    rows = label_rows(CHEXPERT, True, chexpert_order)
    data = csv_bytes(["subject_id", "study_id", *chexpert_order], rows)
    (root / "mimic-cxr-2.0.0-chexpert.csv.gz").write_bytes(data)
    records, _ = read(MimicCxrJpgSource(root, **options))
    assert {n: summary(r) for n, r in records.items()} == EXPECTED


def test_unexpected_label_value_is_a_reject(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path)
    path = root / "mimic-cxr-2.0.0-chexpert.csv.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()).replace(b",-1.0,", b",2.0,")))
    items = list(MimicCxrJpgSource(root, **options).records())
    bad = [r for r in items if isinstance(r, Reject) and r.reason == "unmapped_label"]
    assert [Path(r.item).stem for r in bad] == [dicom_id(3)]
    assert bad[0].stage == "label" and "Edema='2.0'" in bad[0].detail and "chexpert.csv.gz: line 3" in bad[0].detail


def test_layout_errors(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path)
    with pytest.raises(LayoutError, match="metadata"):
        MimicCxrJpgSource(root.parent)
    with pytest.raises(LayoutError, match="labels: report needs the option reports_root"):
        MimicCxrJpgSource(root, labels="report")
    with pytest.raises(LayoutError, match="reports_root"):
        MimicCxrJpgSource(root, reports_root=str(tmp_path / "nowhere"))
    with pytest.raises(LayoutError, match="MIMIC-CXR reports"):
        MimicCxrJpgSource(root, reports_root=str(root))  # a folder without any report
    (root / "mimic-cxr-2.0.0-split.csv.gz").unlink()
    with pytest.raises(LayoutError, match="mimic-cxr-2.0.0-split.csv.gz"):
        MimicCxrJpgSource(root, **options)


def test_registry_lists_mimic_cxr_jpg_as_credentialed() -> None:
    cls = get_source("mimic_cxr_jpg")
    assert cls is MimicCxrJpgSource and cls.licence_class == "credentialed" and cls.has_official_split


def test_end_to_end_build_validates_and_push_refuses_it(tmp_path: Path) -> None:
    root, options = make_tree(tmp_path / "data")
    for n, path in enumerate(sorted(p for p in (root / "files").rglob("*.jpg") if p.stat().st_size)):
        write_image(path, n, size=(32, 40), mode="L")
    recipe = parse_recipe(
        {
            "name": "mimic-jpg-test",
            "sources": [{"name": "mimic_cxr_jpg", "root": str(root), "options": options}],
            "output": {"dir": str(tmp_path / "out"), "shard_size": 10},
            "image": {"size": 32, "format": "png"},
        },
        tmp_path,
    )
    result = build_recipe(recipe)
    assert validate_output(result.out_dir) == []
    rows = pq.read_table(result.out_dir / "data").to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(f"mimic_cxr_jpg/{dicom_id(n)}" for n in EXPECTED)
    by_id = {r["id"].split("/")[1]: r for r in rows}
    assert by_id[dicom_id(1)]["split"] == "train" and by_id[dicom_id(6)]["split"] == "test"
    assert by_id[dicom_id(3)]["attributes"]["label_origin"] == "dataset"
    # dataset rows keep the CSV's labels exactly; the report-origin row is labelled by the build's workers
    assert (by_id[dicom_id(3)]["labels"], by_id[dicom_id(3)]["uncertain_labels"]) == (EXPECTED[3][2], EXPECTED[3][3])
    assert by_id[dicom_id(5)]["labels"] and by_id[dicom_id(5)]["attributes"]["label_origin"] == "report"
    for row in rows:
        assert row["disease_text"] and row["descriptions"] and row["explanations"], row["id"]
    rejects = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    assert sorted(r["reason"] for r in rejects) == sorted(REJECTS.values())
    assert result.manifest.sources["mimic_cxr_jpg"].licence_class == "credentialed"

    api = mock.create_autospec(HfApi, instance=True)
    with pytest.raises(MgllError, match="mimic_cxr_jpg are credentialed"):
        push_output(result.out_dir, "my-org/mimic", api=api)
    api.upload_folder.assert_not_called()
    push_output(result.out_dir, "my-org/mimic", private=True, allow_credentialed=True, api=api)
    api.upload_folder.assert_called_once()


def test_dataset_labelled_rows_are_not_relabelled_from_the_report() -> None:
    """The worker fills report labels only where the adapter left the labels to the report."""
    report = {"findings": "Small left pneumothorax.", "impression": "Left pneumothorax."}
    record = RawRecord("mimic_cxr_jpg", "d", "cxr", "p", Path("x.jpg"), labels=["cardiomegaly"], report=report)
    record.attributes["label_origin"] = "dataset"
    assert with_report_labels(record, TextPolicy()) is record
