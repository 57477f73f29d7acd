"""COVIDx CXR-4 on Kaggle: train.txt / val.txt / test.txt (4 fields, no header) + train/, val/, test/."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

TRAIN = """3 SARS-10.1148rg.242035193-g04mr34g0-Fig8a-day0.jpeg positive cohen
0004cfab-14fd-4e49-80ba-63a80b6bddd6 0004cfab-14fd-4e49-80ba-63a80b6bddd6.png negative rnsa
COVID 1 COVID(1).png positive sirm
419639-003251 MIDRC-RICORD-1C-419639-003251-46647-0.png positive ricord
3 SARS-10.1148rg.242035193-g04mr34g0-Fig8a-day0.jpeg positive cohen
lonely-field
"""
VAL = "8989e25c-a698-48fc-b428-fff56931fc8f 8989e25c-a698-48fc-b428-fff56931fc8f.png negative rsna\n"
TEST = "47c78742-4998-4878-aec4-37b11b1354ac 47c78742-4998-4878-aec4-37b11b1354ac.png negative rsna\n"
MISSING = "MIDRC-RICORD-1C-419639-003251-46647-0.png"
LISTED = 8


def make_tree(root: Path) -> tuple[Path, dict]:
    for name, text in (("train.txt", TRAIN), ("val.txt", VAL), ("test.txt", TEST)):
        write_text(root / name, text)
        folder = root / name.removesuffix(".txt")
        files = [line.split()[-3] for line in text.splitlines() if len(line.split()) >= 4]
        placeholders(folder / f for f in sorted(set(files)) if f != MISSING)
    return root, {}
