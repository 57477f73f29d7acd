"""Montgomery County set as unzipped from the NLM: CXR_png/, ClinicalReadings/, ManualMask/{left,right}Mask/."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

IMAGES = ["MCUCXR_0001_0", "MCUCXR_0104_1", "MCUCXR_0005_0"]
READINGS = {
    "MCUCXR_0001_0": "Patient's Sex: F \nPatient's Age: 027Y\nnormal\n",
    "MCUCXR_0104_1": (
        "Patient's Sex: M\nPatient's Age: 052Y\nRight upper lobe cavitary infiltrate\nconsistent with TB\n"
    ),
}
LISTED = len(IMAGES)


def make_tree(root: Path) -> tuple[Path, dict]:
    base = root / "MontgomerySet"
    placeholders(base / "CXR_png" / f"{stem}.png" for stem in IMAGES)
    placeholders(base / "ManualMask" / side / "MCUCXR_0001_0.png" for side in ("leftMask", "rightMask"))
    for stem, text in READINGS.items():
        write_text(base / "ClinicalReadings" / f"{stem}.txt", text)
    return base, {}
