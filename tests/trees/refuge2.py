"""REFUGE2 fixture tree: REFUGE-1 parts under Train/, new Validation/ (csv) and Test/ (header-less task1.xls)."""

from __future__ import annotations

from pathlib import Path

import xlwt

from trees.images import disc_cup_grey, write_mask, write_named_image
from trees.refuge import write_book

LISTED = 7  # g0001, n0001, V0001 (REFUGE-1 val), T0001, V0001 + V0002 (new validation), T0001 (new test)


def write_tree(root: Path) -> Path:
    base = root / "REFUGE2"
    r1 = base / "Train"
    write_named_image(r1 / "REFUGE1-train/Training400/Glaucoma/g0001.jpg")
    write_named_image(r1 / "REFUGE1-train/Training400/Non-Glaucoma/n0001.jpg")
    write_book(
        r1 / "REFUGE1-train/Fovea_location.xlsx", ["ID", "ImgName", "Fovea_X", "Fovea_Y"], [[1, "g0001.jpg", 5, 6]]
    )
    write_mask(r1 / "REFUGE1-train/Disc_Cup_Masks/Glaucoma/g0001.bmp", disc_cup_grey(cup_rows=16))
    write_named_image(r1 / "REFUGE1-val/REFUGE-Validation400/V0001.jpg")
    write_book(
        r1 / "REFUGE1-val/Fovea_locations.xlsx",
        ["ID", "ImgName", "Fovea_X", "Fovea_Y", "Glaucoma Label"],
        [[1, "V0001.jpg", 7, 8, 1]],
    )
    write_named_image(r1 / "REFUGE1-test/Test400/T0001.jpg")
    write_book(
        r1 / "REFUGE1-test/Glaucoma_label_and_Fovea_location.xlsx",
        ["ID", "ImgName", "Fovea_X", "Fovea_Y", "Label(Glaucoma=1)"],
        [[1, "T0001.jpg", 0, 0, 0]],
    )
    for name in ("V0001.jpg", "V0002.jpg"):
        write_named_image(base / "Validation/Images" / name)
    (base / "Validation/glaucoma.csv").write_text(
        "FileName,Glaucoma Risk\nV0001.jpg,0\nV0002.jpg,1\n", encoding="utf-8"
    )
    write_named_image(base / "Test/refuge2-test/T0001.jpg")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, "T0001.jpg")
    sheet.write(0, 1, 1)
    book.save(str(base / "Test/task1.xls"))
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
