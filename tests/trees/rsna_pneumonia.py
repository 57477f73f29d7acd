"""RSNA Pneumonia Detection stage 2: one label row per box, detailed class info, DICOMs by patientId."""

from __future__ import annotations

from pathlib import Path

from trees.placeholders import placeholders, write_text

LABELS = """patientId,x,y,width,height,Target
0004cfab-14fd-4e49-80ba-63a80b6bddd6,,,,,0
00436515-870c-4b36-a041-de91049b9ab4,264.0,152.0,213.0,379.0,1
00436515-870c-4b36-a041-de91049b9ab4,562.0,152.0,256.0,453.0,1
003d8fa0-6bf1-40ed-b54c-ac657f8495c5,,,,,0
00704310-78a8-4b38-8475-49f4573b2dbb,323.0,577.0,160.0,104.0,1
"""
CLASSES = """patientId,class
0004cfab-14fd-4e49-80ba-63a80b6bddd6,No Lung Opacity / Not Normal
00436515-870c-4b36-a041-de91049b9ab4,Lung Opacity
00436515-870c-4b36-a041-de91049b9ab4,Lung Opacity
003d8fa0-6bf1-40ed-b54c-ac657f8495c5,Normal
00704310-78a8-4b38-8475-49f4573b2dbb,Lung Opacity
"""
MISSING = "00704310-78a8-4b38-8475-49f4573b2dbb"
TEST = ["000924cf-0f8d-42bd-9158-1af53881a557"]
LISTED = 4 + len(TEST)


def make_tree(root: Path) -> tuple[Path, dict]:
    write_text(root / "stage_2_train_labels.csv", LABELS)
    write_text(root / "stage_2_detailed_class_info.csv", CLASSES)
    ids = {line.split(",")[0] for line in LABELS.splitlines()[1:]} - {MISSING}
    placeholders(root / "stage_2_train_images" / f"{i}.dcm" for i in sorted(ids))
    placeholders(root / "stage_2_test_images" / f"{i}.dcm" for i in TEST)
    return root, {}
