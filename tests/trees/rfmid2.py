"""RFMiD 2.0 fixture tree: latin-1 CSVs with the circulated header glitches, images beside each CSV."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

# a garbled byte after ON, a non-breaking space after HTN, OPDM for ODPM, an ambiguous MCA, an empty trailing column
HEADER = ["id", "WNL", "DR", "HTN\xa0", "ON\x92", "OPDM", "MCA", ""]
ROWS = {  # split folder, label file, rows (id, WNL, DR, HTN, ON, ODPM, MCA)
    "train": (
        "Training_set",
        "RFMiD_2_Training_labels.csv",
        [("1", "1", "0", "0", "0", "0", "0"), ("2", "0", "1", "1", "0", "0", "0"), ("3", "0", "0", "0", "0", "0", "1")],
    ),
    "validation": ("Validation", "RFMiD_2_Validation_labels.csv", [("1", "0", "0", "0", "1", "1", "0")]),
    "test": (
        "Test",
        "RFMiD_2_Testing_labels.csv",
        [("1", "0", "1", "0", "0", "0", "0"), ("2", "1", "0", "0", "0", "0", "0")],
    ),
}
MISSING = {("test", "2")}
LISTED = sum(len(rows) for _, _, rows in ROWS.values())


def write_tree(root: Path) -> Path:
    for split, (folder, labels, rows) in ROWS.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        lines = [",".join(HEADER), *(",".join([*row, ""]) for row in rows)]
        (root / folder / labels).write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
        for row in rows:
            if (split, row[0]) not in MISSING:
                write_named_image(root / folder / f"{row[0]}.jpg")
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
