"""PadChest as unzipped: the labels CSV (leading unnamed index column) + ImageDir folders of 16-bit PNGs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from trees.placeholders import placeholders, write_text

COLUMNS = [
    "",
    "ImageID",
    "ImageDir",
    "StudyDate_DICOM",
    "StudyID",
    "PatientID",
    "PatientBirth",
    "PatientSex_DICOM",
    "ViewPosition_DICOM",
    "Projection",
    "MethodProjection",
    "Pediatric",
    "Modality_DICOM",
    "ReportID",
    "Report",
    "MethodLabel",
    "Labels",
    "Localizations",
    "LabelsLocalizationsBySentence",
    "labelCUIS",
    "LocalizationsCUIS",
]
ROWS = [
    # index, image, dir, date, study, patient, birth, sex, view, projection, labels
    (
        "0",
        "20536686640136348236148679891455886468_k6ga29.png",
        "0",
        "20140915",
        "st1",
        "pa1",
        "1930.0",
        "M",
        "POSTEROANTERIOR",
        "PA",
        "['pleural effusion', ' cardiomegaly', '']",
    ),
    (
        "1",
        "20536686640136348236148679891455886469_k6ga30.png",
        "0",
        "20140915",
        "st1",
        "pa1",
        "1930.0",
        "M",
        "LATERAL",
        "L",
        "['pleural effusion', ' cardiomegaly', '']",
    ),
    (
        "2",
        "216840111366964012373310883942009183085424538_00 - 030 - 080.png",
        "12",
        "20160101",
        "st2",
        "pa2",
        "",
        "F",
        "AP",
        "AP_horizontal",
        "['normal']",
    ),
    (
        "3",
        "216840111366964012373310883942009183085424539_00-000-000.png",
        "12",
        "20160101",
        "st3",
        "pa3",
        "1950.0",
        "F",
        "PA",
        "PA",
        "['suboptimal study', 'kyphosis', 'NSG tube', 'unchanged']",
    ),
    (
        "4",
        "216840111366964012373310883942009183085424540_00-000-000.png",
        "12",
        "20160101",
        "st4",
        "pa4",
        "1950.0",
        "F",
        "PA",
        "PA",
        "['exclude']",
    ),
    (
        "5",
        "216840111366964012373310883942009183085424541_00-000-000.png",
        "54",
        "20160101",
        "st5",
        "pa5",
        "1950.0",
        "F",
        "PA",
        "PA",
        "['normal']",
    ),
    (
        "6",
        "216840111366964012373310883942009183085424542_00-000-000.png",
        "54",
        "20160101",
        "st6",
        "pa6",
        "1950.0",
        "M",
        "PA",
        "PA",
        "",
    ),
]
MISSING = "216840111366964012373310883942009183085424541_00-000-000.png"
LISTED = len(ROWS)


def make_tree(root: Path) -> tuple[Path, dict]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for index, image, folder, date, study, patient, birth, sex, view, projection, labels in ROWS:
        values = dict.fromkeys(COLUMNS, "")
        values.update(
            {
                "": index,
                "ImageID": image,
                "ImageDir": folder,
                "StudyDate_DICOM": date,
                "StudyID": study,
                "PatientID": patient,
                "PatientBirth": birth,
                "PatientSex_DICOM": sex,
                "ViewPosition_DICOM": view,
                "Projection": projection,
                "Labels": labels,
                "Report": "derrame pleural, cardiomegalia" if labels else "",
            }
        )
        writer.writerow(values[c] for c in COLUMNS)
    write_text(root / "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv", out.getvalue())
    placeholders(root / folder / image for _, image, folder, *_ in ROWS if image != MISSING)
    return root, {}
