"""CheXlocalize as downloaded from AIMI: CheXpert/val/ + val_labels.csv, CheXlocalize/gt_segmentations_val.json."""

from __future__ import annotations

import json
from pathlib import Path

from trees.placeholders import placeholders, write_text

HEADER = (
    "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,"
    "Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,"
    "Support Devices"
)
ROWS = [
    "CheXpert-v1.0/valid/patient64541/study1/view1_frontal.jpg,Male,73,Frontal,AP,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0",
    "CheXpert-v1.0/valid/patient64542/study1/view1_frontal.jpg,Male,70,Frontal,PA,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0",
    "CheXpert-v1.0/valid/patient64543/study1/view1_frontal.jpg,Female,50,Frontal,PA,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0",
]
# counts "324" = runs [3 background, 2 foreground, 4 background] on a 3 x 3 image; "9" = all background
SEGMENTATIONS = {
    "patient64541_study1_view1_frontal": {
        "Cardiomegaly": {"size": [3, 3], "counts": "324"},
        "Airspace Opacity": {"size": [3, 3], "counts": "9"},
    },
}
MISSING = "patient64543"
LISTED = len(ROWS)


def make_tree(root: Path) -> tuple[Path, dict]:
    write_text(root / "CheXpert" / "val_labels.csv", "\n".join([HEADER, *ROWS]) + "\n")
    write_text(root / "CheXlocalize" / "gt_segmentations_val.json", json.dumps(SEGMENTATIONS))
    paths = [row.split(",")[0].split("/valid/")[1] for row in ROWS if MISSING not in row]
    placeholders(root / "CheXpert" / "val" / path for path in paths)
    return root, {}
