"""A CheXpert Plus tree: df_chexpert_plus_240401.csv (27 columns, in the order the release documents), CheXbert
JSON Lines under chexbert_labels/, and CheXpert images beside it in CheXpert-v1.0/ (JPG, one stored as PNG only).

Rows, reports and labels are written for the tests; nothing is copied from the dataset.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

COLUMNS = [
    "path_to_image",
    "path_to_dcm",
    "frontal_lateral",
    "ap_pa",
    "deid_patient_id",
    "patient_report_date_order",
    "report",
    "section_narrative",
    "section_clinical_history",
    "section_history",
    "section_comparison",
    "section_technique",
    "section_procedure_comments",
    "section_findings",
    "section_impression",
    "section_end_of_impression",
    "section_summary",
    "section_accession_number",
    "age",
    "sex",
    "race",
    "ethnicity",
    "interpreter_needed",
    "insurance_type",
    "recent_bmi",
    "deceased",
    "split",
]
CHEXBERT_ORDER = [
    "Enlarged Cardiomediastinum",
    "Cardiomegaly",
    "Lung Opacity",
    "Lung Lesion",
    "Edema",
    "Consolidation",
    "Pneumonia",
    "Atelectasis",
    "Pneumothorax",
    "Pleural Effusion",
    "Pleural Other",
    "Fracture",
    "Support Devices",
    "No Finding",
]
STUDY1 = {
    "section_clinical_history": "Shortness of breath.",
    "section_comparison": "None.",
    "section_findings": "The heart is enlarged. Mild interstitial prominence, possibly early edema.",
    "section_impression": "1. Cardiomegaly. 2. Possible mild pulmonary edema.",
}
RAW = "FINDINGS: The lungs are clear. No pneumothorax. IMPRESSION: No acute cardiopulmonary abnormality."
# (path_to_image, frontal_lateral, ap_pa, patient, sections, raw report, age, sex, split, stored as)
ROWS = [
    (
        "train/patient00001/study1/view1_frontal.jpg",
        "Frontal",
        "AP",
        "00001",
        STUDY1,
        "",
        "68",
        "Male",
        "train",
        ".jpg",
    ),
    ("train/patient00001/study1/view2_lateral.jpg", "Lateral", "", "00001", STUDY1, "", "68", "Male", "train", ".jpg"),
    ("train/patient00002/study2/view1_frontal.jpg", "Frontal", "PA", "00002", {}, RAW, "45", "Female", "train", ".jpg"),
    ("valid/patient64541/study1/view1_frontal.jpg", "Frontal", "AP", "64541", {}, RAW, "0", "Unknown", "valid", ".png"),
    ("train/patient00003/study1/view1_frontal.jpg", "Frontal", "AP", "00003", STUDY1, "", "50", "Female", "train", ""),
    ("train/patient00004/study1/view1_frontal.jpg", "Frontal", "AP", "00004", {}, "", "50", "Female", "train", ".jpg"),
    ("", "Frontal", "AP", "00005", STUDY1, "", "50", "Female", "train", ""),
]
LISTED = len(ROWS)
IMPRESSION_LABELS = {
    ROWS[0][0]: {"Cardiomegaly": 1.0, "Edema": -1.0},
    ROWS[1][0]: {"Cardiomegaly": 1.0, "Edema": -1.0},
    ROWS[3][0]: {"No Finding": 1.0, "Pneumothorax": 0.0},
}
FINDINGS_LABELS = {ROWS[0][0]: {"Cardiomegaly": 1.0}}


def write_jsonl(path: Path, labels: dict[str, dict[str, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"path_to_image": key, **{n: cells.get(n) for n in CHEXBERT_ORDER}}) for key, cells in labels.items()
    ]
    path.write_text("\n".join(lines) + "\n")


def make_tree(root: Path, images: str = "CheXpert-v1.0") -> tuple[Path, dict]:
    """The CSV and CheXbert files in root/chexpert_plus/; images in root/<images>/ (default the CheXpert folder)."""
    base = root / "chexpert_plus"
    base.mkdir(parents=True)
    with (base / "df_chexpert_plus_240401.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for path, frontal, ap_pa, patient, sections, raw, age, sex, split, stored in ROWS:
            report = raw or " ".join(f"{k.removeprefix('section_').upper()}: {v}" for k, v in sections.items())
            writer.writerow(
                {"path_to_image": path, "path_to_dcm": path.replace(".jpg", ".dcm"), "frontal_lateral": frontal}
                | {"ap_pa": ap_pa, "deid_patient_id": patient, "patient_report_date_order": "1", "report": report}
                | sections
                | {"age": age, "sex": sex, "split": split, "race": "White", "deceased": "No"}
            )
            if stored:
                image = root / images / path.replace(".jpg", stored)
                image.parent.mkdir(parents=True, exist_ok=True)
                image.write_bytes(b"placeholder image")
    write_jsonl(base / "chexbert_labels" / "impression_fixed.json", IMPRESSION_LABELS)
    write_jsonl(base / "chexbert_labels" / "findings_fixed.json", FINDINGS_LABELS)
    return base, {"images_root": f"../{images}"}
