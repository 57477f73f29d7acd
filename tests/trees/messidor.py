"""A MESSIDOR tree: BaseNN folders of TIFF images with Annotation_BaseNN.xls sheets and the 2016 errata."""

from __future__ import annotations

from pathlib import Path

import xlwt

from trees.images import write_named_image

HEADER = ["Image name", "Ophthalmologic department", "Retinopathy grade", "Risk of macular edema "]
DEPARTMENT = {
    "11": "Service Ophtalmologie Lariboisière",
    "13": "Service Ophtalmologie Lariboisière",
    "21": "CHU de St Etienne",
}
SHEETS = {  # base -> rows (image, retinopathy grade, macular edema risk)
    "11": [("20051019_38557_0100_PP.tif", 0, 0), ("20051020_43808_0100_PP.tif", 1, 0)],
    "13": [("20051020_61804_0100_PP.tif", 3, 2)],
    "21": [("20051021_51382_0100_PP.tif", 2, 1), ("20051021_59437_0100_PP.tif", 0, 0)],
}
# the 2016 errata for Base11 regrade one image; the original sheet is kept beside it, as downloaded
ERRATA_11 = [("20051019_38557_0100_PP.tif", 2, 0), ("20051020_43808_0100_PP.tif", 1, 0)]
MISSING = {"20051021_59437_0100_PP.tif"}
LISTED = 5


def write_sheet(path: Path, rows: list[tuple[str, int, int]], department: str) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Feuil1")
    for column, name in enumerate(HEADER):
        sheet.write(0, column, name)
    for line, (image, grade, risk) in enumerate(rows, start=1):
        for column, value in enumerate((image, department, grade, risk)):
            sheet.write(line, column, value)
    book.save(str(path))


def make_tree(root: Path) -> tuple[Path, dict]:
    top = root / "Messidor"
    for base, rows in SHEETS.items():
        folder = top / f"Base{base}"
        folder.mkdir(parents=True)
        write_sheet(top / f"Annotation_Base{base}.xls", rows, DEPARTMENT[base])
        for image, *_ in rows:
            if image not in MISSING:
                write_named_image(folder / image)
    write_sheet(top / "Annotation_Base11_update20161024.xls", ERRATA_11, DEPARTMENT["11"])
    return top, {}
