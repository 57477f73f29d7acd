"""Writes a small ODIR-5K tree in the Kaggle layout: `full_df.csv` (short N..O headers plus filepath,
labels, target, filename) and `preprocessed_images/<ID>_<left|right>.jpg` (512x512 JPEG).

Eyes come from `data/odir_eyes.yaml` (real ODIR keyword spellings). Two deliberate defects: one listed
image is not written (a missing-file reject) and one eye is an "anterior segment image" (not a fundus).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml
from mgll_data.demo.fundus import draw_fundus
from mgll_data.schema import Row

PATIENTS = 30
MISSING_IMAGE_PATIENT = 3  # this patient's right image is listed but not written
NOT_FUNDUS_PATIENT = 5  # this patient's left eye is an anterior segment photo
CLASS_LETTERS = ("N", "D", "G", "C", "A", "H", "M", "O")
KAGGLE_IMAGE_PREFIX = "../input/ocular-disease-recognition-odir5k/ODIR-5K/Training Images/"
HEADER = [
    "ID",
    "Patient Age",
    "Patient Sex",
    "Left-Fundus",
    "Right-Fundus",
    "Left-Diagnostic Keywords",
    "Right-Diagnostic Keywords",
    *CLASS_LETTERS,
    "filepath",
    "labels",
    "target",
    "filename",
]


def eye_cases() -> JsonObject:
    return read_data_yaml("mgll_data.demo", "data/odir_eyes.yaml")


def plan_patients(seed: int) -> list[JsonObject]:
    """The demo patients: id, age, sex and the case of each eye (pure, seeded)."""
    rng = np.random.default_rng(seed)
    cases = eye_cases()
    eyes = cases["eyes"]
    order = [int(i) for i in rng.permutation(np.resize(np.arange(len(eyes)), 2 * PATIENTS))]
    ids = sorted(int(i) for i in rng.choice(4784, size=PATIENTS, replace=False))
    patients = []
    for n, patient_id in enumerate(ids):
        left, right = eyes[order[2 * n]], eyes[order[2 * n + 1]]
        if n == NOT_FUNDUS_PATIENT:
            left = cases["not_fundus_eye"]
        patients.append(
            {
                "id": patient_id,
                "age": int(rng.integers(28, 85)),
                "sex": "Female" if rng.random() < 0.5 else "Male",
                "eyes": {"left": left, "right": right},
                "skip_image": "right" if n == MISSING_IMAGE_PATIENT else None,
            }
        )
    return patients


def _rows(patient: Row) -> list[list[str]]:
    letters = {c for eye in patient["eyes"].values() for c in eye["classes"]}
    common = [
        str(patient["id"]),
        str(patient["age"]),
        patient["sex"],
        f"{patient['id']}_left.jpg",
        f"{patient['id']}_right.jpg",
        "\uff0c".join(patient["eyes"]["left"]["keywords"]),
        "\uff0c".join(patient["eyes"]["right"]["keywords"]),
        *("1" if c in letters else "0" for c in CLASS_LETTERS),
    ]
    rows = []
    for side in ("left", "right"):
        letter = (patient["eyes"][side]["classes"] or ["O"])[0]
        target = "[" + ", ".join("1" if c == letter else "0" for c in CLASS_LETTERS) + "]"
        filename = f"{patient['id']}_{side}.jpg"
        rows.append([*common, KAGGLE_IMAGE_PREFIX + filename, f"['{letter}']", target, filename])
    return rows


def write_odir_tree(root: Path, seed: int) -> None:
    """Write the demo ODIR tree under `root` (which must exist and be empty)."""
    images = root / "preprocessed_images"
    images.mkdir()
    patients = plan_patients(seed)
    with (root / "full_df.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for patient in patients:
            writer.writerows(_rows(patient))
    for patient in patients:
        for side, laterality in (("left", "L"), ("right", "R")):
            if patient["skip_image"] == side:
                continue
            picture = draw_fundus(
                patient["eyes"][side]["draw"], laterality, seed=seed * 10007 + patient["id"] * 2 + (side == "right")
            )
            picture.save(images / f"{patient['id']}_{side}.jpg", quality=90)
