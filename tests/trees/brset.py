"""BRSET fixture tree: the label file with the real column order (BOM, CRLF, no final newline) + fundus_photos/."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

HEADER = (
    "image_id,patient_id,camera,patient_age,comorbidities,diabetes_time_y,insuline,patient_sex,exam_eye,diabetes,"
    "nationality,optic_disc,vessels,macula,DR_SDRG,DR_ICDR,focus,iluminaton,image_field,artifacts,"
    "diabetic_retinopathy,macular_edema,scar,nevus,amd,vascular_occlusion,hypertensive_retinopathy,drusens,"
    "hemorrhage,retinal_detachment,myopic_fundus,increased_cup_disc,other,quality"
)
DISEASES = HEADER.split(",")[20:33]


def row(image_id: str, patient: str, age: str, icdr: str, positives: list[str], quality: str, disc: str = "1") -> str:
    flags = ["1" if d in positives else "0" for d in DISEASES]
    insuline = "" if age == "NA" else "no"
    return ",".join(
        [image_id, patient, "Canon CR", age, '"diabetes, SAH"', "NA", insuline, "2", "1", "yes", "Brazil", disc, "1",
         "1", icdr, icdr, "1", "1", "1", "1", *flags, quality]
    )  # fmt: skip


ROWS = [
    row("img00001", "1", "48.0", "0", [], "Adequate"),
    row("img00002", "1", "48.0", "2", ["diabetic_retinopathy", "hemorrhage"], "Adequate", disc="bv"),
    row("img00003", "2", "NA", "0", ["increased_cup_disc"], "Inadequate"),
    row("img00004", "3", "70", "0", ["amd"], "Adequate"),
]
MISSING = {"img00004"}
LISTED = len(ROWS)


def write_tree(root: Path, name: str = "labels_brset.csv") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(b"\xef\xbb\xbf" + "\r\n".join([HEADER, *ROWS]).encode())
    for line in ROWS:
        image_id = line.split(",")[0]
        if image_id not in MISSING:
            write_named_image(root / "fundus_photos" / f"{image_id}.jpg")
    return root


def make_tree(root: Path) -> tuple[Path, dict]:
    return write_tree(root), {}
