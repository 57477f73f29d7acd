"""CheXpert-v1.0-small as unzipped: train.csv / valid.csv with the `CheXpert-v1.0-small/` Path prefix."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

HEADER = (
    "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,"
    "Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,"
    "Support Devices"
)
TRAIN = [
    "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,,,,,,,,0.0,,,,1.0",
    "CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg,Female,87,Frontal,AP,,,-1.0,1.0,,-1.0,-1.0,,-1.0,,,,1.0,",
    "CheXpert-v1.0-small/train/patient00002/study1/view2_lateral.jpg,Female,83,Lateral,,,,,1.0,,,,,,,,,1.0,",
    "CheXpert-v1.0-small/train/patient00003/study1/view2_frontal.jpg,Unknown,0,Frontal,PA,,,,,,1.0,,,,,0.0,,,",
    "CheXpert-v1.0-small/train/patient00004/study1/view1_frontal.jpg,Male,20,Frontal,PA,1.0,0.0,,,,,,,,0.0,,,,",
]
VALID = [
    "CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg,Male,73,Frontal,AP,0.0,1.0,1.0,1.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0"
]
MISSING = "patient00004"
LISTED = len(TRAIN) + len(VALID)


def make_tree(root: Path) -> tuple[Path, dict]:
    base = root / "CheXpert-v1.0-small"
    write_text(base / "train.csv", "\n".join([HEADER, *TRAIN]) + "\n")
    write_text(base / "valid.csv", "\n".join([HEADER, *VALID]) + "\n")
    paths = [line.split(",")[0] for line in TRAIN + VALID if MISSING not in line]
    placeholders(root / path for path in paths)
    return root, {}
