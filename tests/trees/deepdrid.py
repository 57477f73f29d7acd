"""A DeepDRiD tree in the official repository layout (regular + ultra-widefield, CSV and test xlsx)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from trees.images import write_named_image

REGULAR_HEADER = (
    "patient_id,image_id,image_path,Overall quality,left_eye_DR_Level,right_eye_DR_Level,patient_DR_Level,"
    "Clarity,Field definition,Artifact"
)
# as the real training file: CRLF, Windows paths without Images/, the eye's grade in its own column;
# 56_r3 carries its grade in the left column (a real mismatch row)
REGULAR_TRAIN = [
    "1,1_l1,\\regular-fundus-training\\1\\1_l1.jpg,1,0,,2,8,8,4",
    "1,1_r1,\\regular-fundus-training\\1\\1_r1.jpg,0,,2,2,6,10,0",
    "56,56_r3,\\regular-fundus-training\\56\\56_r3.jpg,1,3,,3,10,10,1",
    "56,56_l3,\\regular-fundus-training\\56\\56_l3.jpg,1,,4,4,10,8,0",
]
REGULAR_VALIDATION = [
    "301,301_l1,\\regular-fundus-validation\\301\\301_l1.jpg,1,1,,1,10,10,0",
    "302,302_r2,\\regular-fundus-validation\\302\\302_r2.jpg,0,,2,2,6,4,6",
]
UNPREFIXED = {"302_r2.jpg": "r2.jpg"}  # a file named without its patient prefix, as some DeepDRiD files are
UWF_TRAIN = [
    "1,1_r1,ultra-widefield-training\\1\\1_r1.jpg,0,right_eye",
    "2,2_l1,ultra-widefield-training\\2\\2_l1.jpg,5,left_eye",
]
TEST_ROWS = [("400_l1", 4), ("400_r1", 0)]
MISSING = {"1_r1.jpg"}  # the regular training image of 1_r1 is absent from the tree
LISTED = len(REGULAR_TRAIN) + len(REGULAR_VALIDATION) + len(UWF_TRAIN) + len(TEST_ROWS)


def _csv(path: Path, header: str, rows: list[str], images: Path, missing: set[str] = frozenset()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode())
    for row in rows:
        patient, image_id = row.split(",")[:2]
        if f"{image_id}.jpg" not in missing:
            write_named_image(images / patient / UNPREFIXED.get(f"{image_id}.jpg", f"{image_id}.jpg"))


def make_tree(root: Path) -> tuple[Path, dict]:
    regular = root / "DeepDRiD" / "regular_fundus_images"
    train = regular / "regular-fundus-training"
    _csv(train / "regular-fundus-training.csv", REGULAR_HEADER, REGULAR_TRAIN, train / "Images", MISSING)
    validation = regular / "regular-fundus-validation"
    _csv(validation / "regular-fundus-validation.csv", REGULAR_HEADER, REGULAR_VALIDATION, validation / "Images")
    test = regular / "Online-Challenge1&2-Evaluation"
    book = openpyxl.Workbook()
    book.active.append(["image_id", "DR_Levels"])
    for image_id, grade in TEST_ROWS:
        book.active.append([image_id, grade])
        write_named_image(test / "Images" / image_id.split("_")[0] / f"{image_id}.jpg")
    test.mkdir(parents=True, exist_ok=True)
    book.save(test / "Challenge1_labels.xlsx")
    uwf = root / "DeepDRiD" / "ultra-widefield_images" / "ultra-widefield-training"
    _csv(
        uwf / "ultra-widefield-training.csv",
        "patient_id,image_id,image_path,DR_level,position",
        UWF_TRAIN,
        uwf / "Images",
    )
    return root / "DeepDRiD", {}
