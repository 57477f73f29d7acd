"""A MIMIC-CXR tree in the PhysioNet layout: gzipped record and study lists, DICOM placeholders under
files/pXX/pSUBJECT/sSTUDY/, one report per study beside its folder (extracted, or zipped as mimic-cxr-reports.zip).

Ids follow the real shapes (8-digit subject starting with 1, 8-digit study starting with 5, dicom ids of 5 groups
of 8 hex digits) but are made up; the reports are written for these tests. No MIMIC data is copied.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path


def mimic_report(*lines: str) -> str:
    """A report as MIMIC-CXR writes one: a centred FINAL REPORT preamble, every line indented by one space."""
    return " " * 33 + "FINAL REPORT\n" + "".join(f" {line}\n" for line in lines)


# Reports written for the tests, in MIMIC's free-text shape (ALL-CAPS headers, blank lines holding one space).
NORMAL = mimic_report(
    "EXAMINATION:  CHEST (PA AND LAT)",
    "",
    "INDICATION:  ___F with cough, evaluate for pneumonia",
    "",
    "COMPARISON:  None.",
    "",
    "FINDINGS: ",
    "",
    "The lungs are clear without focal consolidation.  No pleural effusion or",
    "pneumothorax is seen.  Heart size is normal.",
    "",
    "IMPRESSION: ",
    "",
    "No acute cardiopulmonary process.",
)
EFFUSION = mimic_report(
    "HISTORY:  Shortness of breath.",
    "",
    "TECHNIQUE:  Portable AP chest radiograph.",
    "",
    "FINDINGS: ",
    "",
    "Moderate right pleural effusion with adjacent atelectasis.  Mild",
    "cardiomegaly.",
    "",
    "IMPRESSION: ",
    "",
    "Right pleural effusion.",
)
LINES = mimic_report(
    "INDICATION:  Line placement.", "", "Endotracheal tube terminates 4 cm above the carina.  No pneumothorax."
)
NO_RESULT = mimic_report("EXAMINATION:  CHEST (PORTABLE AP)", "", "INDICATION:  Follow-up.")

SECTIONS = {
    "normal": {
        "examination": "CHEST (PA AND LAT)",
        "indication": "___F with cough, evaluate for pneumonia",
        "comparison": "None.",
        "findings": "The lungs are clear without focal consolidation.  No pleural effusion or\n pneumothorax is seen.  "
        "Heart size is normal.",
        "impression": "No acute cardiopulmonary process.",
    },
    "effusion": {
        "history": "Shortness of breath.",
        "technique": "Portable AP chest radiograph.",
        "findings": "Moderate right pleural effusion with adjacent atelectasis.  Mild\n cardiomegaly.",
        "impression": "Right pleural effusion.",
    },
    "lines": {  # no FINDINGS header: the last paragraph stands in as the impression
        "indication": "Line placement.",
        "impression": "Endotracheal tube terminates 4 cm above the carina.  No pneumothorax.",
    },
}


def dicom_id(n: int) -> str:
    return f"{n:08x}-a1b2c3d4-e5f60718-293a4b5c-6d7e8f90"


# (subject, study, report text or None, [(dicom number, image state)]); image state: ok / absent / gz / empty
STUDIES = [
    ("10000032", "50414267", NORMAL, [(1, "ok"), (2, "ok")]),
    ("10000032", "53189527", EFFUSION, [(3, "ok")]),
    ("10000764", "57375967", LINES, [(4, "absent"), (5, "ok")]),
    ("10000898", "50771383", None, [(6, "ok")]),
    ("10000898", "54205396", NO_RESULT, [(7, "ok")]),
    ("11000011", "58000001", NORMAL, [(8, "gz"), (9, "empty")]),
]
LISTED = sum(len(images) for *_, images in STUDIES)


def csv_bytes(header: list[str], rows: list[list[str]], gz: bool = True) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = text.getvalue().encode()
    return gzip.compress(data) if gz else data


def study_path(subject: str, study: str) -> str:
    return f"files/p{subject[:2]}/p{subject}/s{study}"


def write_images(root: Path, suffix: str) -> None:
    """Image files in every study folder (placeholder bytes: adapters never decode)."""
    for subject, study, _, images in STUDIES:
        folder = root / study_path(subject, study)
        folder.mkdir(parents=True, exist_ok=True)
        for n, state in images:
            path = folder / f"{dicom_id(n)}{suffix}"
            if state == "ok":
                path.write_bytes(b"placeholder image")
            elif state == "gz":
                path.with_name(path.name + ".gz").write_bytes(gzip.compress(b"placeholder"))
            elif state == "empty":
                path.write_bytes(b"")


def write_reports(root: Path, zipped: bool = False, outer: str = "") -> None:
    """Each study's report at files/pXX/pSUBJECT/sSTUDY.txt, or the same paths inside mimic-cxr-reports.zip."""
    reports = {f"{study_path(s, t)}.txt": text for s, t, text, _ in STUDIES if text is not None}
    if zipped:
        with zipfile.ZipFile(root / "mimic-cxr-reports.zip", "w") as archive:
            for name, text in reports.items():
                archive.writestr(f"{outer}{name}", text)
        return
    for name, text in reports.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def make_tree(root: Path, version: str = "2.0.0", zipped: bool = False) -> tuple[Path, dict]:
    """MIMIC-CXR `version` under root/mimic-cxr/<version>/; 2.1.0 adds cxr-provider-list.csv.gz."""
    base = root / "mimic-cxr" / version
    base.mkdir(parents=True)
    write_images(base, ".dcm")
    write_reports(base, zipped=zipped)
    records = [
        [s, t, dicom_id(n), f"{study_path(s, t)}/{dicom_id(n)}.dcm"] for s, t, _, images in STUDIES for n, _ in images
    ]
    (base / "cxr-record-list.csv.gz").write_bytes(csv_bytes(["subject_id", "study_id", "dicom_id", "path"], records))
    studies = [[s, t, f"{study_path(s, t)}.txt"] for s, t, _, _ in STUDIES]
    (base / "cxr-study-list.csv.gz").write_bytes(csv_bytes(["subject_id", "study_id", "path"], studies))
    if version == "2.1.0":
        providers = [[t, "p1", "p2", ""] for _, t, _, _ in STUDIES]
        header = ["study_id", "ordering_provider_id", "attending_provider_id", "resident_provider_id"]
        (base / "cxr-provider-list.csv.gz").write_bytes(csv_bytes(header, providers))
    return base, {}
