"""REFUGE fixture trees: the grand-challenge layout and the Baidu copy with its extra folder levels."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from trees.images import disc_cup_grey, write_mask, write_named_image

LAYOUTS = {
    "grand-challenge": {
        "train": "Training400",
        "train_gt": "Annotation-Training400",
        "val": "REFUGE-Validation400",
        "val_gt": "REFUGE-Validation400-GT",
        "test": "Test400",
        "test_gt": "REFUGE-Test-GT",
    },
    "baidu": {
        "train": "REFUGE-Training400/Training400",
        "train_gt": "Annotation-Training400/Annotation-Training400",
        "val": "REFUGE-Validation400/REFUGE-Validation400",
        "val_gt": "REFUGE-Validation400-GT",
        "test": "Test400",
        "test_gt": "REFUGE-Test-GT",
    },
}
LISTED = 7  # g0001, n0001, n0002, V0001, V0002, V0003 (listed, no file), T0001


def write_book(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def write_tree(root: Path, layout: str = "grand-challenge") -> Path:
    places = LAYOUTS[layout]
    train, val, test = root / places["train"], root / places["val"], root / places["test"]
    for name in ("Glaucoma/g0001.jpg", "Non-Glaucoma/n0001.jpg", "Non-Glaucoma/n0002.jpg"):
        write_named_image(train / name)
    write_mask(root / places["train_gt"] / "Disc_Cup_Masks/Glaucoma/g0001.bmp", disc_cup_grey(cup_rows=16))
    write_mask(root / places["train_gt"] / "Disc_Cup_Masks/Non-Glaucoma/n0001.bmp", disc_cup_grey(cup_rows=6))
    write_book(
        root / places["train_gt"] / "Fovea_location.xlsx",
        ["ID", "ImgName", "Fovea_X", "Fovea_Y"],
        [[1, "g0001.jpg", 1200.5, 1000.25], [2, "n0001.jpg", 0, 0], [3, "n0002.jpg", 900, 1100]],
    )
    for name in ("V0001.jpg", "V0002.jpg"):
        write_named_image(val / name)
    write_mask(root / places["val_gt"] / "Disc_Cup_Masks/V0001.bmp", disc_cup_grey(cup_rows=10))
    write_book(
        root / places["val_gt"] / "Fovea_locations.xlsx",
        ["ID", "ImgName", "Fovea_X", "Fovea_Y", "Glaucoma Label"],
        [[1, "V0001.jpg", 800, 820, 0], [2, "V0002.jpg", 810, 790, 1], [3, "V0003.jpg", 805, 800, 0]],
    )
    write_named_image(test / "T0001.jpg")
    write_mask(root / places["test_gt"] / "Disc_Cup_Masks/G/T0001.bmp", disc_cup_grey(cup_rows=14))
    write_book(
        root / places["test_gt"] / "Glaucoma_label_and_Fovea_location.xlsx",
        ["ID", "ImgName", "Fovea_X", "Fovea_Y", "Label(Glaucoma=1)"],
        [[1, "T0001.jpg", 811, 799, 1]],
    )
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
