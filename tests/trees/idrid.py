"""An IDRiD tree as unzipped from IEEE DataPort: URL-encoded outer folders around parts A, B and C."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

B = "B.%20Disease%20Grading/B. Disease Grading"
C = "C.%20Localization/C. Localization"
A = "A.%20Segmentation/A. Segmentation"
# training file as distributed: CRLF, nine empty trailing columns; testing file: three columns
GRADING_TRAIN = (
    "Image name,Retinopathy grade,Risk of macular edema ,,,,,,,,,\r\n"
    "IDRiD_001,3,2,,,,,,,,,\r\nIDRiD_002,0,0,,,,,,,,,\r\nIDRiD_003,4,1,,,,,,,,,\r\n"
)
GRADING_TEST = "Image name,Retinopathy grade,Risk of macular edema\r\nIDRiD_001,1,0\r\n"
# localization files: irregular header spacing, padding columns and blank rows
OD_TRAIN = (
    "Image No,X- Coordinate,Y - Coordinate,,\r\nIDRiD_001,2858,1805,,\r\nIDRiD_002,2900,1600,,\r\n,,,,\r\n,,,,\r\n"
)
FOVEA_TRAIN = "Image No,X- Coordinate,Y - Coordinate,,\r\nIDRiD_001,2000,1900,,\r\nIDRiD_004,2100,1500,,\r\n,,,,\r\n"
SEGMENTATION = {"IDRiD_01": ("MA", "HE", "EX", "SE", "OD"), "IDRiD_02": ("MA", "HE", "EX", "OD")}
MASK_FOLDERS = {
    "MA": "1. Microaneurysms",
    "HE": "2. Haemorrhages",
    "EX": "3. Hard Exudates",
    "SE": "4. Soft Exudates",
    "OD": "5. Optic Disc",
}
MISSING = {"grading/train/IDRiD_003"}
LISTED = 4 + 1 + 2  # grading rows + the localization-only image IDRiD_004 + segmentation images


def make_tree(root: Path) -> tuple[Path, dict]:
    top = root / "IDRiD"
    truths = top / B / "2. Groundtruths"
    truths.mkdir(parents=True)
    (truths / "a. IDRiD_Disease Grading_Training Labels.csv").write_bytes(GRADING_TRAIN.encode())
    (truths / "b. IDRiD_Disease Grading_Testing Labels.csv").write_bytes(GRADING_TEST.encode())
    for image in ("IDRiD_001", "IDRiD_002"):
        write_named_image(top / B / "1. Original Images" / "a. Training Set" / f"{image}.jpg")
    write_named_image(top / B / "1. Original Images" / "b. Testing Set" / "IDRiD_001.jpg")
    located = top / C / "2. Groundtruths"
    (located / "1. Optic Disc Center Location").mkdir(parents=True)
    (located / "2. Fovea Center Location").mkdir(parents=True)
    (located / "1. Optic Disc Center Location" / "a. IDRiD_OD_Center_Training Set_Markups.csv").write_bytes(
        OD_TRAIN.encode()
    )
    (located / "2. Fovea Center Location" / "IDRiD_Fovea_Center_Training Set_Markups.csv").write_bytes(
        FOVEA_TRAIN.encode()
    )
    for image in ("IDRiD_001", "IDRiD_002", "IDRiD_004"):
        write_named_image(top / C / "1. Original Images" / "a. Training Set" / f"{image}.jpg")
    for image, codes in SEGMENTATION.items():
        write_named_image(top / A / "1. Original Images" / "a. Training Set" / f"{image}.jpg")
        for code in codes:
            masks = top / A / "2. All Segmentation Groundtruths" / "a. Training Set" / MASK_FOLDERS[code]
            write_named_image(masks / f"{image}_{code}.tif")
    return top, {}
