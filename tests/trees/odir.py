"""ODIR-5K, Kaggle copy: full_df.csv (short header) + preprocessed_images/<ID>_<left|right>.jpg."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_image

HEADER = "ID,Patient Age,Patient Sex,Left-Fundus,Right-Fundus,Left-Diagnostic Keywords,Right-Diagnostic Keywords,"
HEADER += "N,D,G,C,A,H,M,O,filepath,labels,target,filename"
ROWS = [
    "0,69,Female,0_left.jpg,0_right.jpg,cataract,normal fundus,0,0,0,1,0,0,0,0,x,['C'],x,0_right.jpg",
    "1,57,Male,1_left.jpg,1_right.jpg,normal fundus,suspected glaucoma,0,0,1,0,0,0,0,0,x,['G'],x,1_right.jpg",
    "2,42,Male,2_left.jpg,2_right.jpg,drusen,anterior segment image,0,0,0,0,0,0,0,1,x,['O'],x,2_left.jpg",
]
MISSING = {"1_left.jpg"}
LISTED = 2 * len(ROWS)


def make_tree(root: Path) -> tuple[Path, dict]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "full_df.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    for seed, row in enumerate(ROWS):
        for name in row.split(",")[3:5]:
            if name not in MISSING:
                write_image(root / "preprocessed_images" / name, seed)
    return root, {}
