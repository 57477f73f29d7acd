"""PAPILA fixture tree: the figshare folder with multi-row-header clinical workbooks and expert contours."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from trees.images import write_named_image

ROOTS = (
    "PapilaDB-PAPILA-17f8fa7746adb20275b5b6a0d99dc9dfe3007e9f",
    "PapilaDB-PAPILA-9c67b80983805f0f886b068af800ef2b507e7dc0",
)
# eye -> rows (id, age, gender, diagnosis); RET004OS is listed without an image
ROWS = {
    "od": [("#002", 39, 0, 0), ("#003", 52, 1, 1), ("#004", 61, 0, 2)],
    "os": [("#002", 39, 0, 0), ("#003", 52, 1, 1), ("#004", 61, 0, 1)],
}
LISTED = 6


def square(path: Path, top: float, bottom: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    points = [(10, top), (20, top), (20, bottom), (10, bottom)]
    path.write_text("\n".join(f"{x} {y}" for x, y in points) + "\n", encoding="utf-8")


def write_tree(root: Path, release: int = 0) -> Path:
    base = root / ROOTS[release]
    for eye, rows in ROWS.items():
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["", "Age", "Gender", "Diagnosis", "dioptre_1", "dioptre_2"])
        sheet.append(["", "", "", "", "sphere", "cylinder"])
        sheet.append(["ID", "years", "0/1", "0/1/2", "", ""])
        for row in rows:
            sheet.append([*row, -1.5, 0.5])
        (base / "ClinicalData").mkdir(parents=True, exist_ok=True)
        book.save(base / "ClinicalData" / f"patient_data_{eye}.xlsx")
        for pid, *_ in rows:
            name = f"RET{pid[1:]}{eye.upper()}.jpg"
            if name != "RET004OS.jpg":
                write_named_image(base / "FundusImages" / name)
    contours = base / "ExpertsSegmentations" / "Contours"
    square(contours / "RET003OD_disc_exp1.txt", 100, 300)  # disc 200 high
    square(contours / "RET003OD_cup_exp1.txt", 150, 290)  # cup 140: 0.7
    square(contours / "RET003OD_disc_exp2.txt", 100, 300)
    square(contours / "RET003OD_cup_exp2.txt", 160, 280)  # cup 120: 0.6
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
