"""VinBigData (Kaggle) layout of VinDr-CXR: train.csv with one row per reader per finding + train/*.dicom."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

TRAIN = """image_id,class_name,class_id,rad_id,x_min,y_min,x_max,y_max
aaa,No finding,14,R11,,,,
aaa,No finding,14,R7,,,,
aaa,No finding,14,R9,,,,
bbb,Cardiomegaly,3,R10,691.0,1375.0,1653.0,1831.0
bbb,Cardiomegaly,3,R9,700.0,1380.0,1650.0,1830.0
bbb,Pleural thickening,11,R9,100.0,100.0,200.0,150.0
bbb,Aortic enlargement,0,R8,1000.0,700.0,1200.0,900.0
ccc,Other lesion,9,R1,10.0,20.0,30.0,40.0
ccc,Other lesion,9,R2,11.0,21.0,31.0,41.0
ccc,No finding,14,R3,,,,
ddd,No finding,14,R1,,,,
ddd,No finding,14,R2,,,,
ddd,No finding,14,R3,,,,
"""
MISSING = "ddd"
TEST = ["eee"]
LISTED = 4 + len(TEST)


def make_tree(root: Path) -> tuple[Path, dict]:
    write_text(root / "train.csv", TRAIN)
    placeholders(root / "train" / f"{i}.dicom" for i in ("aaa", "bbb", "ccc"))
    placeholders(root / "test" / f"{i}.dicom" for i in TEST)
    return root, {}
