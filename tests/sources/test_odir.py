"""ODIR-5K adapter on fixture trees in both public layouts, and on the real Kaggle-variant sample."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.odir import OdirSource

FW = "\uff0c"  # the full-width comma ODIR uses between keywords
SHORT_HEADER = [
    "ID",
    "Patient Age",
    "Patient Sex",
    "Left-Fundus",
    "Right-Fundus",
    "Left-Diagnostic Keywords",
    "Right-Diagnostic Keywords",
    "N",
    "D",
    "G",
    "C",
    "A",
    "H",
    "M",
    "O",
]
# the long-header variant of the real full_df.csv, trailing spaces included
LONG_HEADER = [
    *SHORT_HEADER[:7],
    "Normal ",
    "Diabetes",
    "Glaucoma",
    "Cataract",
    "Age related Macular Degeneration ",
    "Hypertension",
    "Pathological Myopia",
    "Other diseases/abnormalities",
]
KAGGLE_EXTRA = ["filepath", "labels", "target", "filename"]

# id, age, sex, left keywords, right keywords, N D G C A H M O (patient level)
PATIENTS = [
    ("0", "69", "Female", "cataract", "normal fundus", "00010000"),
    (
        "2",
        "42",
        "Male",
        f"laser spot{FW}moderate non proliferative retinopathy",
        "moderate non proliferative retinopathy",
        "01000001",
    ),
    ("7", "60", "Female", "drusen", "mild nonproliferative retinopathy", "01000001"),
    ("11", "55", "Male", f"lens dust{FW}normal fundus", "suspected glaucoma", "00100000"),
    ("25", "61", "Female", "hypertensive retinopathy,diabetic retinopathy", "anterior segment image", "01000100"),
    ("40", "70", "Male", "abnormal pigment ", f"glaucoma{FW}fundus sparkle", "00100001"),
]
MISSING = {"7_right.jpg"}

# by hand from PATIENTS and the odir_keyword map: (native_id, laterality, labels, uncertain, keywords, quality)
EXPECTED_RECORDS = [
    ("0_left", "L", ["cataract"], [], ["cataract"], None),
    ("0_right", "R", ["normal"], [], ["normal fundus"], None),
    (
        "2_left",
        "L",
        ["laser_scar", "moderate_npdr"],
        [],
        ["laser spot", "moderate non proliferative retinopathy"],
        None,
    ),
    ("2_right", "R", ["moderate_npdr"], [], ["moderate non proliferative retinopathy"], None),
    ("7_left", "L", ["drusen"], [], ["drusen"], None),
    ("11_left", "L", ["lens_artefact", "normal"], [], ["normal fundus"], "lens dust"),
    ("11_right", "R", [], ["glaucoma"], ["suspected glaucoma"], None),
    (
        "25_left",
        "L",
        ["hypertensive_retinopathy", "diabetic_retinopathy"],
        [],
        ["hypertensive retinopathy", "diabetic retinopathy"],
        None,
    ),
    ("40_left", "L", ["rpe_changes"], [], ["abnormal pigment"], None),
    ("40_right", "R", ["glaucoma"], [], ["glaucoma", "fundus sparkle"], None),
]


def _write_images(folder: Path) -> None:
    folder.mkdir()
    for patient in PATIENTS:
        for side in ("left", "right"):
            name = f"{patient[0]}_{side}.jpg"
            if name not in MISSING:
                Image.new("RGB", (8, 8), (180, 60, 20)).save(folder / name)


def _rows(header: list[str], kaggle_columns: bool, repeat: bool) -> list[list[str]]:
    rows = []
    for pid, age, sex, left, right, classes in PATIENTS:
        base = [pid, age, sex, f"{pid}_left.jpg", f"{pid}_right.jpg", left, right, *classes]
        names = [f"{pid}_left.jpg", f"{pid}_right.jpg"] if repeat else [f"{pid}_left.jpg"]
        for name in names:
            extra = (
                [
                    f"../input/ocular-disease-recognition-odir5k/ODIR-5K/Training Images/{name}",
                    "['N']",
                    "[1, 0, 0, 0, 0, 0, 0, 0]",
                    name,
                ]
                if kaggle_columns
                else []
            )
            rows.append(base + extra)
    return rows


def write_kaggle_tree(root: Path, header: list[str], kaggle_columns: bool) -> Path:
    """full_df.csv (one row per image, so each patient repeats) + preprocessed_images/."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "full_df.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header + (KAGGLE_EXTRA if kaggle_columns else []))
        writer.writerows(_rows(header, kaggle_columns, repeat=True))
    _write_images(root / "preprocessed_images")
    return root


def write_challenge_tree(root: Path) -> Path:
    """The original challenge download: the V2 xlsx (one sheet, one row per patient) + the image folder."""
    root.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(SHORT_HEADER)
    for pid, age, sex, left, right, classes in PATIENTS:
        sheet.append(
            [int(pid), int(age), sex, f"{pid}_left.jpg", f"{pid}_right.jpg", left, right, *(int(c) for c in classes)]
        )
    book.save(root / "ODIR-5K_Training_Annotations(Updated)_V2.xlsx")
    _write_images(root / "ODIR-5K_Training_Dataset")
    return root


def _split(items: list[RawRecord | Reject]) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


def _check_fixture(source: OdirSource, image_folder: str) -> None:
    records, rejects = _split(list(source.records()))
    got = [
        (r.native_id, r.laterality, r.labels, r.uncertain_labels, r.keywords, r.attributes.get("quality"))
        for r in records
    ]
    assert got == EXPECTED_RECORDS
    assert [(Path(r.item).name, r.stage, r.reason) for r in rejects] == [
        ("7_right.jpg", "source", "missing_file"),
        ("25_right.jpg", "source", "not_a_fundus_image"),
    ]
    first = records[0]
    assert first.id == "odir/0_left"
    assert (first.patient_id, first.study_id, first.modality, first.split) == ("0", "0", "fundus", None)
    assert first.attributes["age"] == 69.0 and first.attributes["sex"] == "F"
    assert first.image_path == source.root / image_folder / "0_left.jpg"
    assert source.unmapped == {"keyword": {"fundus sparkle": 1}}


@pytest.mark.parametrize(
    ("header", "kaggle_columns"), [(SHORT_HEADER, True), (LONG_HEADER, False)], ids=["kaggle-short", "kaggle-long"]
)
def test_kaggle_layout(tmp_path: Path, header: list[str], kaggle_columns: bool) -> None:
    source = OdirSource(write_kaggle_tree(tmp_path / "odir", header, kaggle_columns))
    _check_fixture(source, "preprocessed_images")
    assert records_source_entries(source)[:3] == ["row 2", "row 2", "row 4"]


def records_source_entries(source: OdirSource) -> list[str]:
    return [r.source_entry for r in source.records() if isinstance(r, RawRecord)]


def test_challenge_xlsx_layout(tmp_path: Path) -> None:
    source = OdirSource(write_challenge_tree(tmp_path / "ODIR-5K"))
    assert source.annotations.name == "ODIR-5K_Training_Annotations(Updated)_V2.xlsx"
    _check_fixture(source, "ODIR-5K_Training_Dataset")


def test_registry_finds_odir() -> None:
    assert get_source("odir") is OdirSource


def test_conflicting_repeat_is_a_reject(tmp_path: Path) -> None:
    root = write_kaggle_tree(tmp_path / "odir", SHORT_HEADER, kaggle_columns=False)
    with (root / "full_df.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            ["0", "69", "Female", "0_left.jpg", "0_right.jpg", "glaucoma", "normal fundus", *"00110000"]
        )
    _, rejects = _split(list(OdirSource(root).records()))
    assert ("0_left.jpg", "conflicting_annotation") in [(r.item, r.reason) for r in rejects]


def test_not_a_download_names_both_layouts(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match=r"full_df\.csv.*ODIR-5K_Training_Annotations"):
        OdirSource(tmp_path)


def test_missing_image_folder(tmp_path: Path) -> None:
    (tmp_path / "full_df.csv").write_text(",".join(SHORT_HEADER) + "\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="preprocessed_images"):
        OdirSource(tmp_path)


def test_missing_column_is_named(tmp_path: Path) -> None:
    root = write_kaggle_tree(tmp_path / "odir", SHORT_HEADER, kaggle_columns=False)
    text = (root / "full_df.csv").read_text(encoding="utf-8").replace("Right-Diagnostic Keywords", "Right Keywords")
    (root / "full_df.csv").write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError, match="'Right-Diagnostic Keywords'"):
        list(OdirSource(root).records())


def test_real_sample(realdata: Path) -> None:
    """The real full_df.csv names 6,716 images; 10 are in preprocessed_images, the rest are missing files."""
    records, rejects = _split(list(OdirSource(realdata / "fundus" / "odir").records()))
    assert len(records) == 10
    assert len(rejects) == 6706
    assert {(r.stage, r.reason) for r in rejects} == {("source", "missing_file")}
    by_id = {r.native_id: (r.laterality, r.labels, r.keywords) for r in records}
    assert by_id == {  # from the real Left-/Right-Diagnostic Keywords of patients 0, 1, 2, 13, 23, 43
        "0_left": ("L", ["cataract"], ["cataract"]),
        "0_right": ("R", ["normal"], ["normal fundus"]),
        "1_left": ("L", ["normal"], ["normal fundus"]),
        "1_right": ("R", ["normal"], ["normal fundus"]),
        "2_right": ("R", ["moderate_npdr"], ["moderate non proliferative retinopathy"]),
        "13_left": ("L", ["pathologic_myopia"], ["pathological myopia"]),
        "13_right": ("R", ["pathologic_myopia"], ["pathological myopia"]),
        "23_left": ("L", ["hypertensive_retinopathy"], ["hypertensive retinopathy"]),
        "23_right": ("R", ["hypertensive_retinopathy"], ["hypertensive retinopathy"]),
        "43_left": ("L", ["wet_amd"], ["wet age-related macular degeneration"]),
    }


def test_real_eye_labels_reproduce_patient_columns(realdata: Path) -> None:
    """OR of both eyes' labels (suspected counted, N only when nothing else) equals N..O for every patient."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from odir_label_agreement import agreement

    result = agreement(realdata / "fundus" / "odir", count_uncertain=True, exclusive_normal=True)
    assert result["patients"] == 3358
    assert result["exact"] == 3358


# The challenge workbook's own odd eyes: keywords only about the photograph, and the eight keywords the Kaggle
# copy never uses. (id, left keywords, right keywords, N..O), written as the workbook writes them.
WORKBOOK_PATIENTS = [
    ("3", "low image quality", "lens dust", "10000000"),
    ("4", "optic disk photographically invisible", f"image offset{FW}low image quality", "10000000"),
    ("5", f"lens dust{FW}optic disk photographically invisible", "myopic retinopathy", "00000010"),
    ("6", "rhegmatogenous retinal detachment", "punctate inner choroidopathy", "00000001"),
    ("8", "asteroid hyalosis", "wedge-shaped change", "00000001"),
    ("9", "retinal artery macroaneurysm", "vascular loops ", "00000001"),
    ("10", "suspected retinitis pigmentosa", f"normal fundus{FW}lens dust", "10000001"),
]
# by hand from the odir_keyword map: (native_id, labels, uncertain, descriptions, quality note)
WORKBOOK_EXPECTED = [
    ("3_left", ["poor_image_quality"], [], [], "low image quality"),
    ("3_right", ["lens_artefact"], [], [], "lens dust"),
    ("4_left", ["optic_disc_not_visible"], [], [], "optic disk photographically invisible"),
    ("4_right", ["off_centre_field", "poor_image_quality"], [], [], "image offset; low image quality"),
    ("5_left", ["lens_artefact", "optic_disc_not_visible"], [], [], "lens dust; optic disk photographically invisible"),
    ("5_right", ["pathologic_myopia"], [], ["myopic retinopathy"], None),
    ("6_left", ["retinal_detachment"], [], ["rhegmatogenous retinal detachment"], None),
    ("6_right", ["punctate_inner_choroidopathy"], [], ["punctate inner choroidopathy"], None),
    ("8_left", ["asteroid_hyalosis"], [], ["asteroid hyalosis"], None),
    ("8_right", ["other_abnormality"], [], ["wedge-shaped change"], None),
    ("9_left", ["retinal_macroaneurysm"], [], ["retinal artery macroaneurysm"], None),
    ("9_right", ["vascular_loop"], [], ["vascular loops"], None),
    ("10_left", [], ["retinitis_pigmentosa"], ["suspected retinitis pigmentosa"], None),
    ("10_right", ["normal", "lens_artefact"], [], ["normal fundus"], "lens dust"),
]


def write_workbook_tree(root: Path) -> Path:
    """`ODIR-5K_Training_Annotations(Updated)_V2.xlsx` as the challenge ships it: one sheet, the 15 headers in
    row 1, one row per patient with integer ID, age and class cells, keywords joined by the full-width comma."""
    root.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(SHORT_HEADER)
    for pid, left, right, classes in WORKBOOK_PATIENTS:
        row = [int(pid), 50, "Male", f"{pid}_left.jpg", f"{pid}_right.jpg", left, right]
        sheet.append(row + [int(c) for c in classes])
    book.save(root / "ODIR-5K_Training_Annotations(Updated)_V2.xlsx")
    images = root / "ODIR-5K_Training_Dataset"
    images.mkdir()
    for pid, *_ in WORKBOOK_PATIENTS:
        for side in ("left", "right"):
            Image.new("RGB", (8, 8), (180, 60, 20)).save(images / f"{pid}_{side}.jpg")
    return root


def test_workbook_quality_only_eyes_and_rare_keywords(tmp_path: Path) -> None:
    """Quality-only eyes are labelled rows with quality findings; the eight workbook-only keywords all map."""
    source = OdirSource(write_workbook_tree(tmp_path / "ODIR-5K"))
    records, rejects = _split(list(source.records()))
    assert rejects == []
    got = [(r.native_id, r.labels, r.uncertain_labels, r.keywords, r.attributes.get("quality")) for r in records]
    assert got == WORKBOOK_EXPECTED
    assert all(r.is_labelled() for r in records)
    assert source.unmapped == {}


def test_workbook_quality_only_eyes_are_rows_in_a_build(tmp_path: Path) -> None:
    """Through the planner: no eye of the workbook fixture becomes an `unlabelled` reject."""
    from mgll_data.engine.plan import plan_tasks
    from mgll_data.engine.workdir import WorkDir
    from mgll_data.recipe import parse_recipe

    root = write_workbook_tree(tmp_path / "ODIR-5K")
    data = {"name": "odir-wb", "sources": [{"name": "odir", "root": str(root)}], "output": {"dir": "out"}}
    recipe = parse_recipe(data, tmp_path)
    work = WorkDir(tmp_path / "out")
    work.tasks.mkdir(parents=True)
    tasks = plan_tasks([(recipe.sources[0], OdirSource(root))], recipe, work, "code")
    assert sum(task.rows for task in tasks) == 2 * len(WORKBOOK_PATIENTS)
    assert work.plan_rejects.read_text(encoding="utf-8") == ""
