"""Shenzhen set as unzipped from the NLM: ChinaSet_AllFiles/CXR_png/ + ClinicalReadings/."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

IMAGES = ["CHNCXR_0001_0", "CHNCXR_0327_1", "CHNCXR_0328_1", "CHNCXR_0002_0"]
READINGS = {
    "CHNCXR_0001_0": "male 45yrs\nnormal\n",
    "CHNCXR_0327_1": "Female, 28yrs\nPTB in the left upper field\n",
    "CHNCXR_0328_1": "male 16month\nbilateral miliary nodules\n",
    "CHNCXR_0002_0": "femal 32yrs\nnormal\n",
}
EMPTY = "CHNCXR_0002_0"  # a zero-byte PNG: rejected as empty_file
LISTED = len(IMAGES)


def make_tree(root: Path) -> tuple[Path, dict]:
    base = root / "ChinaSet_AllFiles"
    placeholders(base / "CXR_png" / f"{stem}.png" for stem in IMAGES if stem != EMPTY)
    (base / "CXR_png" / f"{EMPTY}.png").touch()
    for stem, text in READINGS.items():
        write_text(base / "ClinicalReadings" / f"{stem}.txt", text)
    return base, {}
