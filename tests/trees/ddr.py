"""A DDR tree as unpacked from DDR-dataset.zip: grading lists and the lesion segmentation folders."""

from __future__ import annotations

from pathlib import Path

from trees.images import write_named_image

GRADING = {  # split folder -> (file, grade) lines of <split>.txt
    "train": [("007-0004-000.jpg", 0), ("007-0005-000.jpg", 2), ("20170323093305605.jpg", 5)],
    "valid": [("007-1001-100.jpg", 4), ("007-1002-100.jpg", 1)],
    "test": [("007-2001-200.jpg", 3)],
}
MISSING = {"007-1002-100.jpg"}
# segmentation images: 007-0005-000 is also graded (its masks join that row); 007-3001-300 is not
SEGMENTATION = {"train": ["007-0005-000.jpg"], "valid": ["007-3001-300.jpg"]}
LESIONS = ("EX", "HE", "MA", "SE")
LISTED = sum(len(v) for v in GRADING.values()) + 1


def make_tree(root: Path) -> tuple[Path, dict]:
    top = root / "DDR-dataset"
    grading = top / "DR_grading"
    for split, lines in GRADING.items():
        grading.mkdir(parents=True, exist_ok=True)
        (grading / f"{split}.txt").write_text("".join(f"{name} {grade}\n" for name, grade in lines))
        for name, _ in lines:
            if name not in MISSING:
                write_named_image(grading / split / name)
    for split, names in SEGMENTATION.items():
        masks = "segmentation label" if split == "valid" else "label"  # the validation folder's real name
        for name in names:
            write_named_image(top / "lesion_segmentation" / split / "image" / name)
            for code in LESIONS:
                write_named_image(top / "lesion_segmentation" / split / masks / code / f"{Path(name).stem}.tif")
    return top, {}
