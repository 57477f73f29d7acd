"""Where the CheXpert labeler's conventions differ from ours, one test per decision (see chexpert_csv.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from mgll_data.text import label_report
from mgll_data.text.chexpert_csv import label_csv
from mgll_data.text.report_labels import report_text


def _all(text: str) -> set[str]:
    result = label_report(text)
    return {*result.labels, *result.uncertain_labels, *result.negative_labels}


def test_a_stable_heart_and_mediastinum_states_no_size() -> None:
    """CheXpert: uncertain Enlarged Cardiomediastinum / Cardiomegaly. Ours: not stated, the study stays normal."""
    result = label_report("The heart and mediastinum are stable. The lungs are clear.")
    assert result.labels == ["normal"]
    assert not {"enlarged_cardiomediastinum", "cardiomegaly"} & _all("The cardiomediastinal silhouette is unchanged.")


def test_no_new_finding_is_a_negative() -> None:
    """CheXpert: "no new X" is uncertain. Ours: negative; a persisting X stated elsewhere is positive and wins."""
    assert label_report("No new consolidation.").negative_labels == ["consolidation"]
    assert "consolidation" in label_report("Persistent left basilar consolidation. No new consolidation.").labels


def test_a_request_is_not_labelled() -> None:
    """CheXpert: "rule out pneumonia" is uncertain. Ours: hypothetical, not a label of the study."""
    assert "pneumonia" not in _all("Rule out pneumonia.")
    assert "pneumonia" not in _all("Evaluate for pneumonia.")
    assert label_report("Cannot rule out pneumonia.").uncertain_labels == ["pneumonia"]


def test_past_and_family_findings_are_not_labelled_and_a_denied_history_is_negative() -> None:
    """CheXpert has no temporality or experiencer. Ours: "history of X" and a relative's X are not labels;
    "no history of X" is a negative."""
    assert "pneumothorax" not in _all("History of pneumothorax.")
    assert "emphysema" not in _all("Her father had emphysema.")
    assert label_report("No history of pneumothorax.").negative_labels == ["pneumothorax"]


def test_heart_failure_implies_uncertain_cardiomegaly_as_in_chexpert() -> None:
    assert label_report("Congestive heart failure.").uncertain_labels == ["cardiomegaly"]
    assert "cardiomegaly" not in _all("No heart failure.")


def test_no_finding_is_one_or_blank_never_zero(tmp_path: Path) -> None:
    """As in CheXpert: No Finding is 1.0 without a positive or uncertain pathology, else blank."""
    reports = tmp_path / "in.csv"
    reports.write_text("Small right effusion.\nLungs are clear.\nPossible pneumonia.\n")
    label_csv(reports, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="") as handle:
        assert [row["No Finding"] for row in csv.DictReader(handle)] == ["", "1.0", ""]


def test_findings_and_impression_are_labelled_not_only_the_impression() -> None:
    """CheXpert reads the impression only. The build labels findings + impression (Open-i is coded on both)."""
    text = report_text({"findings": "Small left pleural effusion.", "impression": "No acute process."})
    assert "pleural_effusion" in label_report(text).labels
