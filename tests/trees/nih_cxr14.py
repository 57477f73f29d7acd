"""NIH ChestX-ray14 in the Box layout: Data_Entry_2017_v2020.csv, one images/ folder, boxes and split lists."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

HEADER = (
    "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
    "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]"
)
ROWS = [
    "00000001_000.png,Cardiomegaly,0,1,57,M,PA,2682,2749,0.143,0.143",
    "00000001_001.png,Cardiomegaly|Emphysema,1,1,58,M,PA,2894,2729,0.143,0.143",
    "00000003_000.png,No Finding,0,3,81,F,AP,2582,2991,0.143,0.143",
    "00000005_006.png,Infiltration|Effusion,6,5,70,F,AP,2048,2500,0.168,0.168",
    "00000007_000.png,Hernia,0,7,88,M,PA,2500,2048,0.168,0.168",
]
MISSING = "00000007_000.png"
BOXES = "Image Index,Finding Label,Bbox [x,y,w,h],,,\n00000005_006.png,Infiltrate,100.5,200,50,60\n"
LISTED = len(ROWS)


def make_tree(root: Path) -> tuple[Path, dict]:
    write_text(root / "Data_Entry_2017_v2020.csv", "\n".join([HEADER, *ROWS]) + "\n")
    write_text(root / "BBox_List_2017.csv", BOXES)
    write_text(root / "train_val_list.txt", "00000001_000.png\n00000001_001.png\n00000003_000.png\n00000007_000.png\n")
    write_text(root / "test_list.txt", "00000005_006.png")  # no final newline, as counted by wc -l
    names = [row.split(",")[0] for row in ROWS if not row.startswith(MISSING)]
    placeholders(root / "images" / name for name in names)
    return root, {}
