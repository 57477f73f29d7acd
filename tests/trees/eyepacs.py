"""An EyePACS tree as unpacked from the Kaggle 2015 zips, with the posted retinopathy_solution.csv."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

TRAIN = [("10_left", 0), ("10_right", 2), ("13_left", 4), ("13_right", 1)]
SOLUTION = [("1_left", 0, "Public"), ("1_right", 3, "Public"), ("2_left", 1, "Private"), ("2_right", 0, "Private")]
MISSING = {"13_right"}
LISTED = len(TRAIN) + len(SOLUTION)


def make_tree(root: Path, header: bool = True, solution: bool = True) -> tuple[Path, dict]:
    top = root / "diabetic-retinopathy-detection"
    top.mkdir(parents=True)
    lines = (["image,level"] if header else []) + [f"{image},{level}" for image, level in TRAIN]
    (top / "trainLabels.csv").write_text("\n".join(lines) + "\n")
    if solution:
        rows = [f"{image},{level},{usage}" for image, level, usage in SOLUTION]
        (top / "retinopathy_solution.csv").write_text("\n".join(["image,level,Usage", *rows]) + "\n")
    (top / "sampleSubmission.csv").write_text("\n".join(["image,level"] + [f"{i},0" for i, _, _ in SOLUTION]) + "\n")
    for image, *_ in TRAIN:
        if image not in MISSING:
            write_named_image(top / "train" / f"{image}.jpeg")
    for image, *_ in SOLUTION:
        write_named_image(top / "test" / f"{image}.jpeg")
    return top, {}
