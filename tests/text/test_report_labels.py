"""Report labels are made in the build worker (issue 8 item 4): merge rules, the recipe switch, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from mgll_data.builder import build
from mgll_data.sources.base import RawRecord
from mgll_data.text import TextPolicy
from mgll_data.text.report_labels import report_text, with_report_labels

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _record(modality: str = "cxr", report: dict[str, str] | None = None, **labels: list[str]) -> RawRecord:
    return RawRecord("t", "1", modality, "p1", Path("x.png"), report=report, **labels)


REPORT = {
    "indication": "Evaluate for pneumonia.",
    "findings": "Small right pleural effusion. No pneumothorax.",
    "impression": "Possible early pneumonia.",
}


def test_findings_and_impression_are_labelled_not_the_indication() -> None:
    assert report_text(REPORT) == "Small right pleural effusion. No pneumothorax. Possible early pneumonia."
    record = with_report_labels(_record(report=REPORT), TextPolicy())
    assert (record.labels, record.uncertain_labels, record.negative_labels) == (
        ["pleural_effusion"],
        ["pneumonia"],
        ["pneumothorax"],
    )


def test_source_states_win_and_the_report_fills_the_rest() -> None:
    record = _record(report=REPORT, negative_labels=["pleural_effusion"], labels=["pneumothorax"])
    merged = with_report_labels(record, TextPolicy())
    assert merged.labels == ["pneumothorax"]
    assert merged.negative_labels == ["pleural_effusion"]
    assert merged.uncertain_labels == ["pneumonia"]


def test_report_normal_only_without_a_pathology_after_merging() -> None:
    normal_report = {"findings": "The lungs are clear. No effusion."}
    assert with_report_labels(_record(report=normal_report), TextPolicy()).labels == ["normal"]
    with_pathology = with_report_labels(_record(report=normal_report, labels=["nodule"]), TextPolicy())
    assert with_pathology.labels == ["nodule"]
    with_device = with_report_labels(_record(report=normal_report, labels=["support_devices"]), TextPolicy())
    assert with_device.labels == ["normal", "support_devices"]


def test_a_source_normal_study_is_left_as_the_source_says() -> None:
    record = _record(report=REPORT, labels=["normal"])
    assert with_report_labels(record, TextPolicy()) is record


@pytest.mark.parametrize(
    "record",
    [
        _record(report=REPORT),  # switched off by the policy below
        _record("fundus", report=REPORT),
        _record(report={"indication": "Cough."}),
        _record(report=None),
    ],
)
def test_nothing_to_label_leaves_the_record_unchanged(record: RawRecord) -> None:
    policy = TextPolicy(use_report_labels=record.modality != "cxr" or record.report != REPORT)
    assert with_report_labels(record, policy) is record


def test_importing_the_build_loads_neither_spacy_nor_torch() -> None:
    code = (
        "import json, sys, mgll_data.engine; print(json.dumps(sorted(set(sys.modules) & {'spacy', 'torch', 'thinc'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert json.loads(out.stdout) == []


def _iu_tree(root: Path) -> Path:
    """One IU X-ray report (the element structure of ecgen-radiology/<N>.xml) and its one PNG."""
    (root / "ecgen-radiology").mkdir(parents=True)
    (root / "NLMCXR_png").mkdir()
    (root / "ecgen-radiology" / "1.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<eCitation><uId id="CXR1"/><MedlineCitation><Article><Abstract>'
        '<AbstractText Label="INDICATION">Rule out pneumothorax.</AbstractText>'
        '<AbstractText Label="FINDINGS">The heart is enlarged. No pleural effusion.</AbstractText>'
        '<AbstractText Label="IMPRESSION">Cardiomegaly.</AbstractText>'
        '</Abstract></Article></MedlineCitation><parentImage id="CXR1_1_IM-0001-1001"/></eCitation>',
        encoding="utf-8",
    )
    Image.new("L", (64, 64), 100).save(root / "NLMCXR_png" / "CXR1_1_IM-0001-1001.png")
    return root


@pytest.mark.parametrize("use_report_labels", [True, False])
def test_the_build_worker_labels_the_report(tmp_path: Path, use_report_labels: bool) -> None:
    root = _iu_tree(tmp_path / "iu")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        f"name: one-iu\nsources:\n  - name: iu_xray\n    root: {root}\noutput:\n  dir: {tmp_path / 'out'}\n"
        f"image:\n  size: 64\ntext:\n  use_report_labels: {str(use_report_labels).lower()}\n",
        encoding="utf-8",
    )
    result = build(recipe)
    rows = [
        row for shard in sorted((result.out_dir / "data").glob("*.parquet")) for row in pq.read_table(shard).to_pylist()
    ]
    assert len(rows) == 1
    if use_report_labels:
        assert (rows[0]["labels"], rows[0]["negative_labels"]) == (["cardiomegaly"], ["pleural_effusion"])
        assert rows[0]["disease_text"] == "Cardiomegaly"
    else:
        assert (rows[0]["labels"], rows[0]["negative_labels"]) == ([], [])
