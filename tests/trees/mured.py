"""MuReD fixture tree: train_data.csv + test_data.csv (or val_data.csv) beside images/ (TIF and PNG)."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

HEADER = "ID,DR,NORMAL,MH,ODC,TSLN,ARMD,DN,MYA,BRVO,ODP,CRVO,CNV,RS,ODE,LS,CSR,HTR,ASR,CRS,OTHER"
ROWS = {  # ID -> set columns
    "train": [("17", ["DR"]), ("im0003", ["NORMAL"]), ("aria_a_7_1", ["ARMD", "DN"])],
    "test": [("aria_d_2_4", ["DR", "HTR"]), ("missing_9", ["OTHER"])],
}
FILES = {"17": ".png", "im0003": ".png", "aria_a_7_1": ".tif", "aria_d_2_4": ".tif"}
LISTED = 5


def _line(image_id: str, positives: list[str]) -> str:
    return ",".join([image_id, *("1" if c in positives else "0" for c in HEADER.split(",")[1:])])


def write_tree(root: Path, second: str = "test_data.csv", reused: dict[str, bytes] | None = None) -> Path:
    """`reused` maps an ID to bytes to write instead of a fresh picture (MuReD copying an RFMiD image)."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    for split, name in (("train", "train_data.csv"), ("test", second)):
        (root / name).write_text("\n".join([HEADER, *(_line(i, p) for i, p in ROWS[split])]) + "\n", encoding="utf-8")
    for image_id, suffix in FILES.items():
        path = root / "images" / f"{image_id}{suffix}"
        if reused and image_id in reused:
            path.write_bytes(reused[image_id])
        else:
            write_named_image(path)
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
