"""Files of a download that an adapter does not read are named (`unread_file`), never passed over in silence."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from trees import refuge2
from trees.images import write_mask, write_named_image
from trees.origa import label_mask

from mgll_data.sources import get_source
from mgll_data.sources.base import Reject

# adapter -> (file added to its generated tree relative to the tree's top folder, the part the reject names, and a
# word of the reason)
UNREAD = {
    "deepdrid": ("Online-Challenge1&2-Evaluation/Challenge2_labels.xlsx", None, "image-quality"),
    "messidor2": ("messidor_original.csv", None, "eye-drop"),
    "fives": ("Quality Assessment.xlsx", None, "direction"),
    "papila": ("HelpCode/kfold/Test 1/Train/test_1_train_index_fold_1.xlsx", "HelpCode/kfold", "cross-validation"),
}


def _top(root: Path) -> Path:
    """The download's own top folder inside a generated tree (the tree may add one level above it)."""
    entries = [p for p in root.iterdir() if p.is_dir()]
    return entries[0] if len(entries) == 1 and not any(p.is_file() for p in root.iterdir()) else root


@pytest.mark.parametrize("name", sorted(UNREAD))
def test_listed_unread_file_is_one_reject_naming_it(tmp_path: Path, name: str) -> None:
    root, options = importlib.import_module(f"trees.{name}").make_tree(tmp_path / name)
    added, named, word = UNREAD[name]
    target = _top(root) / added
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"x")
    rejects = [r for r in get_source(name)(root, **options).records() if isinstance(r, Reject)]
    unread = [r for r in rejects if r.reason == "unread_file"]
    assert len(unread) == 1 and word in unread[0].detail
    assert Path(unread[0].item) == (_top(root) / named if named else target)


def test_without_the_file_nothing_is_reported(tmp_path: Path) -> None:
    root, options = importlib.import_module("trees.fives").make_tree(tmp_path / "fives")
    assert not [r for r in get_source("fives")(root, **options).records() if getattr(r, "reason", "") == "unread_file"]


def test_refuge2_masks_of_no_read_image_are_named(tmp_path: Path) -> None:
    root = refuge2.write_tree(tmp_path)
    masks = root / "REFUGE2" / "Validation" / "Disc_Cup_Masks"
    write_mask(masks / "V0099.bmp", label_mask(4))
    write_named_image(root / "REFUGE2" / "Validation" / "notes" / "V0099.jpg")  # an image no part reads
    rejects = [r for r in get_source("refuge2")(root).records() if isinstance(r, Reject)]
    unread = [(Path(r.item), r.detail) for r in rejects if r.reason == "unread_file"]
    assert unread == [(masks, "1 mask file(s) that match no image of a part this adapter read")]
