"""REFUGE2 adapter: REFUGE-1 parts as training data, the new validation csv and the header-less test xls."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.images import disc_cup_grey, write_mask
from trees.refuge import write_book
from trees.refuge2 import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord
from mgll_data.sources.refuge2 import Refuge2Source


@pytest.mark.parametrize("inner", [False, True], ids=["parent-root", "REFUGE2-root"])
def test_records(tmp_path: Path, inner: bool) -> None:
    root = write_tree(tmp_path)
    items = list(Refuge2Source(root / "REFUGE2" if inner else root).records())
    assert all(isinstance(r, RawRecord) for r in items)
    got = [(r.native_id, r.split, r.labels, r.negative_labels, r.attributes.get("cup_to_disc_ratio")) for r in items]
    assert got == [
        ("r1train_g0001", "train", ["glaucoma"], [], 0.8),
        ("r1train_n0001", "train", [], ["glaucoma"], None),
        ("r1val_V0001", "train", ["glaucoma"], [], None),
        ("r1test_T0001", "train", [], ["glaucoma"], None),
        ("val_V0001", "validation", [], ["glaucoma"], None),
        ("val_V0002", "validation", ["glaucoma"], [], None),
        ("test_T0001", "test", ["glaucoma"], [], None),
    ]
    assert "fovea_center" not in items[3].attributes  # (0, 0) means not visible
    assert items[6].source_file == "task1.xls" and items[6].source_entry == "task1.xls: line 1"


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("refuge2") is Refuge2Source
    with pytest.raises(LayoutError, match="REFUGE1-train"):
        Refuge2Source(tmp_path)


def test_masks_and_tables_of_one_part_never_match_another_parts_images(tmp_path: Path) -> None:
    """REFUGE2's new validation and test images reuse REFUGE-1 names (V0001, T0001): a mask or label table beside
    one part's images belongs to that part only, even where another part holds an image of the same name."""
    root = write_tree(tmp_path) / "REFUGE2"
    write_mask(root / "Train/REFUGE1-val/Disc_Cup_Masks/V0001.bmp", disc_cup_grey(cup_rows=10))
    write_mask(root / "Train/REFUGE1-test/Disc_Cup_Masks/T0001.bmp", disc_cup_grey(cup_rows=12))
    write_mask(root / "Validation/Disc_Cup_Masks/V0002.bmp", disc_cup_grey(cup_rows=14))
    # a workbook named as REFUGE-1's test one beside the new test images: REFUGE-1's test part still reads its own
    book = root / "Test/Glaucoma_label_and_Fovea_location.xlsx"
    write_book(book, ["ImgName", "Label(Glaucoma=1)"], [["T0001.jpg", 1]])
    items = {r.native_id: r for r in Refuge2Source(root).records()}
    assert all(isinstance(r, RawRecord) for r in items.values())
    ratios = {key: (r.attributes.get("cup_to_disc_ratio"), len(r.related_files)) for key, r in items.items()}
    assert ratios["r1val_V0001"] == (0.5, 1) and ratios["val_V0001"] == (None, 0)
    assert ratios["r1test_T0001"] == (0.6, 1) and ratios["test_T0001"] == (None, 0)
    assert ratios["val_V0002"] == (0.7, 1)
    # each test part reads its own workbook: REFUGE-1's T0001 is non-glaucoma, the new T0001 keeps task1.xls's label
    assert items["r1test_T0001"].source_file == "Glaucoma_label_and_Fovea_location.xlsx"
    assert items["r1test_T0001"].negative_labels == ["glaucoma"]
    assert (items["test_T0001"].source_file, items["test_T0001"].labels) == ("task1.xls", ["glaucoma"])


def test_a_mask_equally_near_two_parts_with_its_image_name_is_named_not_attached(tmp_path: Path) -> None:
    root = write_tree(tmp_path) / "REFUGE2"
    write_mask(root / "Disc_Cup_Masks/V0001.bmp", disc_cup_grey(cup_rows=10))  # as near REFUGE-1 val as the new val
    items = list(Refuge2Source(root).records())
    assert not [r for r in items if isinstance(r, RawRecord) and "V0001" in r.native_id and r.related_files]
    [reject] = [r for r in items if not isinstance(r, RawRecord)]
    assert (reject.item, reject.reason) == (str(root / "Disc_Cup_Masks/V0001.bmp"), "unread_file")
    assert reject.detail == "equally near the V0001 images of parts r1val and val"
