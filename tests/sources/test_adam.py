"""ADAM adapter: prefix labels, fovea (0,0) and all-white disc masks as 'not visible', lesion masks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from trees.adam import write_release, write_tree
from trees.images import write_named_image
from trees.refuge import write_book

from mgll_data.engine.preview import preview_recipe
from mgll_data.errors import LayoutError
from mgll_data.recipe import load_recipe
from mgll_data.sources import get_source
from mgll_data.sources.adam import AdamSource
from mgll_data.sources.base import RawRecord, Reject


def test_records(tmp_path: Path) -> None:
    items = list(AdamSource(write_tree(tmp_path)).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    assert [(r.native_id, r.split, r.labels, r.negative_labels) for r in records] == [
        ("train_A0001", "train", ["amd", "drusen"], []),
        ("train_A0002", "train", ["amd"], []),
        ("train_N0001", "train", [], ["amd"]),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("N0002.jpg", "missing_file")]
    a1, a2, n1 = (r.attributes for r in records)
    assert a1["fovea_center"] == [1000.0, 1020.5] and a1["od_center"] == [24.5, 1.5]
    assert a1["lesions"] == [{"name": "drusen", "area_fraction": 0.05}, {"name": "others", "area_fraction": 0.025}]
    assert "fovea_center" not in a2 and "od_center" not in a2
    assert a2["lesions"] == [{"name": "scar", "area_fraction": 0.0}]
    assert n1 == {"fovea_center": [990.0, 1001.0]}


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("adam") is AdamSource
    with pytest.raises(LayoutError, match="AMD-Training400"):
        AdamSource(tmp_path)


def _with_validation_and_test(root: Path) -> Path:
    """The training tree plus validation images (two of three in their workbook, which shares the training
    workbook's name) and test images without any label file."""
    write_tree(root)
    for name in ("V0001.jpg", "V0002.jpg", "V0003.jpg"):
        write_named_image(root / "AMD-Validation400/Validation400" / name)
    write_book(
        root / "DF-Annotation-Validation400/Validation400/Fovea_location.xlsx",
        ["ID", "imgName", "Fovea_X", "Fovea_Y", "Label"],
        [[1, "V0001.jpg", 800, 810, 1], [2, "V0002.jpg", 0, 0, 0]],
    )
    write_named_image(root / "AMD-Test400/Test400/T0001.jpg")
    return root


def test_validation_and_test_images_are_listed_with_or_without_labels(tmp_path: Path) -> None:
    items = list(AdamSource(_with_validation_and_test(tmp_path)).records())
    records = {r.native_id: r for r in items if isinstance(r, RawRecord)}
    assert {key: (r.split, r.labels, r.negative_labels) for key, r in records.items() if key[0] != "t"} == {
        "val_V0001": ("validation", ["amd"], []),
        "val_V0002": ("validation", [], ["amd"]),
        "val_V0003": ("validation", [], []),  # in no label file: listed, and the planner says it is unlabelled
    }
    assert records["val_V0001"].attributes == {"fovea_center": [800.0, 810.0]}
    assert records["train_A0001"].attributes["fovea_center"] == [1000.0, 1020.5]  # its own workbook, not val's
    assert (records["test_T0001"].split, records["test_T0001"].is_labelled()) == ("test", False)


def test_plan_names_each_validation_and_test_image_no_label_file_lists(tmp_path: Path) -> None:
    root = _with_validation_and_test(tmp_path / "adam")
    rows = {"reject": {"train": 3, "validation": 2}, "keep": {"train": 3, "validation": 3, "test": 1}}
    rejects = {"reject": {"missing_file": 1, "unlabelled": 2}, "keep": {"missing_file": 1}}  # V0003, T0001
    for keep in ("reject", "keep"):
        recipe = tmp_path / f"{keep}.yaml"
        entry = {"name": "adam", "root": str(root), "unlabelled": keep}
        recipe.write_text(yaml.safe_dump({"name": "adam", "sources": [entry], "output": {"dir": str(tmp_path)}}))
        [found] = preview_recipe(load_recipe(recipe))
        assert (dict(found.rows_by_split), dict(found.rejects_by_reason)) == (rows[keep], rejects[keep]), keep


def _read(root: Path) -> tuple[dict[str, RawRecord], list[tuple[str, str, str]]]:
    items = list(AdamSource(root).records())
    records = {r.native_id: r for r in items if isinstance(r, RawRecord)}
    rejects = [(Path(r.item).as_posix(), r.reason, r.detail) for r in items if isinstance(r, Reject)]
    return records, rejects


def test_full_release_labels_validation_and_test_from_their_gt_files(tmp_path: Path) -> None:
    records, rejects = _read(write_release(tmp_path))
    assert {key: (r.split, r.labels, r.negative_labels) for key, r in records.items()} == {
        "train_A0001": ("train", ["amd"], []),
        "train_A0002": ("train", ["amd"], []),
        "train_N0001": ("train", [], ["amd"]),
        "val_V0001": ("validation", ["amd"], []),
        "val_V0002": ("validation", [], ["amd"]),
        "val_V0005": ("validation", [], []),  # in no GT file: read, unlabelled
        "test_T0001": ("test", [], ["amd"]),  # two spaces between its fields
        "test_T0002": ("test", ["amd"], []),
    }
    assert records["val_V0001"].source_file == "validation_classification_GT.txt"
    assert [(Path(item).name, reason) for item, reason, _ in rejects] == [
        ("V0003.jpg", "unmapped_label"),  # label 2: neither AMD nor non-AMD
        ("V0004.jpg", "missing_file"),  # listed, no file
    ]


def test_full_release_test_folder_spellings_and_parent_root(tmp_path: Path) -> None:
    """One reader globs Test/image/ rather than Test/Test-image-400/; ROOT may also be the folder holding ADAM/."""
    write_release(tmp_path, test_images="Test/image")
    records, _ = _read(tmp_path)
    assert {key: r.split for key, r in records.items() if key.startswith(("train", "test"))} == {
        "train_A0001": "train",
        "train_A0002": "train",
        "train_N0001": "train",
        "test_T0001": "test",
        "test_T0002": "test",
    }
    assert records["test_T0002"].labels == ["amd"]


def test_full_release_gt_file_without_its_images_is_one_missing_part(tmp_path: Path) -> None:
    records, rejects = _read(write_release(tmp_path, test_images=""))
    assert not any(key.startswith("test") for key in records)
    [part] = [r for r in rejects if r[1] == "missing_part"]
    detail = "Test/test_classification_GT.txt lists 2 image(s); Test/Test-image-400/ is absent"
    assert part == ("Test/Test-image-400", "missing_part", detail)


def test_plan_of_the_full_release_counts_rows_rejects_and_unmapped_values(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    entry = {"name": "adam", "root": str(write_release(tmp_path / "data"))}
    recipe.write_text(yaml.safe_dump({"name": "adam", "sources": [entry], "output": {"dir": str(tmp_path)}}))
    [found] = preview_recipe(load_recipe(recipe))
    assert dict(found.rows_by_split) == {"train": 3, "validation": 2, "test": 2}
    assert dict(found.rejects_by_reason) == {"unmapped_label": 1, "missing_file": 1, "unlabelled": 1}
    assert found.parts_read == {
        "AMD": 2,  # training labels come from the names; the class folder is their source file
        "Non-AMD": 1,
        "validation_classification_GT.txt": 2,
        "image": 1,  # V0005, in no GT file
        "test_classification_GT.txt": 2,
    }
    assert found.as_json()["unmapped"] == {"label": {"2": 1}}
