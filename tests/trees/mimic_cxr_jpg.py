"""A MIMIC-CXR-JPG tree in the PhysioNet layout (2.0.0 or 2.1.0) and a MIMIC-CXR reports folder beside it.

The four CSVs keep their 2.0.0 names in both versions; label columns are in alphabetical order (not CheXpert's);
2.1.0 adds IMAGE_FILENAMES and the uncompressed test-set labels (study_id only, `Airspace Opacity`). Studies,
ids and reports are those of trees/mimic_cxr.py; the label cells are made up for the tests.
"""

from __future__ import annotations

from pathlib import Path

from trees.mimic_cxr import STUDIES, csv_bytes, dicom_id, study_path, write_images, write_reports

LABELS = [
    "Atelectasis",
    "Cardiomegaly",
    "Consolidation",
    "Edema",
    "Enlarged Cardiomediastinum",
    "Fracture",
    "Lung Lesion",
    "Lung Opacity",
    "No Finding",
    "Pleural Effusion",
    "Pleural Other",
    "Pneumonia",
    "Pneumothorax",
    "Support Devices",
]
TEST_SET_LABELS = [name if name != "Lung Opacity" else "Airspace Opacity" for name in LABELS]
# dicom number -> (ViewPosition, ViewCodeSequence_CodeMeaning, split)
IMAGES = {
    1: ("PA", "postero-anterior", "train"),
    2: ("LATERAL", "lateral", "train"),
    3: ("AP", "antero-posterior", "train"),
    4: ("AP", "antero-posterior", "validate"),
    5: ("", "antero-posterior", "validate"),
    6: ("PA", "postero-anterior", "test"),
    7: ("PA", "postero-anterior", "test"),
    8: ("", "", "train"),
    9: ("", "", "train"),
}
# study -> stated cells of the CheXpert CSV (57375967 is all blank; 50771383 and 54205396 have no row)
CHEXPERT = {
    "50414267": {"No Finding": "1.0", "Pleural Effusion": "0.0", "Pneumothorax": "0.0"},
    "53189527": {"Atelectasis": "1.0", "Cardiomegaly": "1.0", "Edema": "-1.0", "Pleural Effusion": "1.0"},
    "57375967": {},
    "58000001": {"No Finding": "1.0"},
}
NEGBIO = {"50414267": {"No Finding": "1.0"}, "53189527": {"Pleural Effusion": "1.0"}}
TEST_SET = {"50771383": {"Airspace Opacity": "1.0", "Pneumonia": "-1.0"}}
LISTED = len(IMAGES)


def label_rows(cells: dict[str, dict[str, str]], subject_first: bool, names: list[str]) -> list[list[str]]:
    subjects = {t: s for s, t, _, _ in STUDIES}
    keys = (lambda t: [subjects[t], t]) if subject_first else (lambda t: [t])
    return [keys(t) + [row.get(name, "") for name in names] for t, row in cells.items()]


def make_tree(root: Path, version: str = "2.1.0", zipped_reports: bool = False) -> tuple[Path, dict]:
    """MIMIC-CXR-JPG `version` under root/mimic-cxr-jpg/<version>/, reports under root/mimic-cxr/2.0.0/."""
    base = root / "mimic-cxr-jpg" / version
    base.mkdir(parents=True)
    write_images(base, ".jpg")
    reports = root / "mimic-cxr" / "2.0.0"
    reports.mkdir(parents=True)
    write_reports(reports, zipped=zipped_reports, outer="mimic-cxr-reports/")
    images = [(s, t, n) for s, t, _, found in STUDIES for n, _ in found]
    header = ["dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows"]
    header += ["Columns", "StudyDate", "StudyTime", "ProcedureCodeSequence_CodeMeaning"]
    header += ["ViewCodeSequence_CodeMeaning", "PatientOrientationCodeSequence_CodeMeaning"]
    metadata = [
        [dicom_id(n), s, t, "CHEST (PA AND LAT)", IMAGES[n][0], "3056", "2544", "21800506", "213014.531"]
        + ["CHEST (PA AND LAT)", IMAGES[n][1], "Erect"]
        for s, t, n in images
    ]
    (base / "mimic-cxr-2.0.0-metadata.csv.gz").write_bytes(csv_bytes(header, metadata))
    split = [[dicom_id(n), t, s, IMAGES[n][2]] for s, t, n in images]
    (base / "mimic-cxr-2.0.0-split.csv.gz").write_bytes(
        csv_bytes(["dicom_id", "study_id", "subject_id", "split"], split)
    )
    for name, cells in (("chexpert", CHEXPERT), ("negbio", NEGBIO)):
        rows = label_rows(cells, True, LABELS)
        (base / f"mimic-cxr-2.0.0-{name}.csv.gz").write_bytes(csv_bytes(["subject_id", "study_id", *LABELS], rows))
    if version == "2.1.0":
        rows = label_rows(TEST_SET, False, TEST_SET_LABELS)
        test_set = csv_bytes(["study_id", *TEST_SET_LABELS], rows, gz=False)
        (base / "mimic-cxr-2.1.0-test-set-labeled.csv").write_bytes(test_set)
        names = "".join(f"{study_path(s, t)}/{dicom_id(n)}.jpg\n" for s, t, n in images)
        (base / "IMAGE_FILENAMES").write_text(names)
    return base, {"reports_root": str(reports)}
