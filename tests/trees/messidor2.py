"""A Messidor-2 tree: ADCIS IMAGES/ (PNG pairs and Brest .JPG), the Kaggle grades and the ADCIS pair file."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

# image_id, adjudicated_dr_grade, adjudicated_dme, adjudicated_gradable (blank grade: ungradable)
GRADES = [
    ("20051020_43808_0100_PP.png", "0", "0", "1"),
    ("20051020_43832_0100_PP.png", "2", "1", "1"),
    ("IM000001.jpg", "4", "1", "1"),
    ("IM000002.jpg", "", "", "0"),
    ("IM000003.jpg", "1", "0", "1"),
]
# the pair file names the Brest files as they are on disk (.JPG) while the grades say .jpg
PAIRS = [("20051020_43808_0100_PP.png", "20051020_43832_0100_PP.png"), ("IM000002.JPG", "IM000001.JPG")]
MISSING = {"IM000003.jpg"}
LISTED = len(GRADES)


def make_tree(root: Path) -> tuple[Path, dict]:
    top = root / "messidor-2"
    top.mkdir(parents=True)
    rows = [",".join(row) for row in GRADES]
    header = "image_id,adjudicated_dr_grade,adjudicated_dme,adjudicated_gradable"
    (top / "messidor_data.csv").write_text("\n".join([header, *rows]) + "\n")
    (top / "messidor-2.csv").write_text("left ; right\n" + "".join(f"{a} ; {b}\n" for a, b in PAIRS))
    for name, *_ in GRADES:
        if name not in MISSING:  # the Brest files end .JPG on disk while the table says .jpg
            write_named_image(top / "IMAGES" / (name[:-4] + ".JPG" if name.startswith("IM") else name))
    return top, {}
