"""RFMiD 1.0 fixture trees in both download layouts."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

HEADER = ["ID", "Disease_Risk", "DR", "ARMD", "MH", "ODC", "TSLN"]  # a column subset keeps rows readable
# split -> rows (ID, Disease_Risk, DR, ARMD, MH, ODC, TSLN); IDs restart per split
ROWS = {
    "train": [
        ("1", "1", "1", "0", "0", "0", "0"),
        ("2", "0", "0", "0", "0", "0", "0"),
        ("3", "1", "0", "1", "1", "0", "0"),
    ],
    "validation": [("1", "1", "0", "0", "0", "1", "1"), ("2", "1", "0", "0", "0", "0", "0")],
    "test": [("1", "0", "0", "0", "0", "0", "0")],
}
MISSING = {("train", "3")}  # listed, not on disk
DATAPORT = {
    "train": ("1. Original Images/a. Training Set", "2. Groundtruths/a. RFMiD_Training_Labels.csv"),
    "validation": ("1. Original Images/b. Validation Set", "2. Groundtruths/b. RFMiD_Validation_Labels.csv"),
    "test": ("1. Original Images/c. Testing Set", "2. Groundtruths/c. RFMiD_Testing_Labels.csv"),
}
CHALLENGE = {  # doubled top folders as some extractions leave them, and the lower-case 'labels' spelling
    "train": ("Training_Set/Training_Set/Training", "Training_Set/Training_Set/RFMiD_Training_Labels.csv"),
    "validation": ("Evaluation_Set/Evaluation_Set/Validation", "Evaluation_Set/RFMiD_Validation_Labels.csv"),
    "test": ("Test_Set/Test", "Test_Set/RFMiD_Testing_labels.csv"),
}
LISTED = sum(len(rows) for rows in ROWS.values())


def write_labels(path: Path, header: list[str], rows: list[tuple[str, ...]], bom: bool, newline: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = newline.join(",".join(r) for r in [header, *rows]) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())


def write_tree(root: Path, layout: str = "dataport") -> Path:
    """The DataPort layout (BOM, LF) under `A. RFMiD_All_Classes_Dataset/`, or the challenge layout (CRLF)."""
    places, base = (DATAPORT, root / "A. RFMiD_All_Classes_Dataset") if layout == "dataport" else (CHALLENGE, root)
    for split, rows in ROWS.items():
        images, labels = places[split]
        write_labels(
            base / labels, HEADER, rows, bom=layout == "dataport", newline="\n" if layout == "dataport" else "\r\n"
        )
        (base / images).mkdir(parents=True, exist_ok=True)
        for row in rows:
            if (split, row[0]) not in MISSING:
                write_named_image(base / images / f"{row[0]}.png")
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
