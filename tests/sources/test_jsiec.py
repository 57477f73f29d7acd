"""JSIEC adapter: class folders as labels in numeric order, double-dot names, non-images and unknown folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.jsiec import write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.jsiec import JsiecSource


@pytest.mark.parametrize("inner", [False, True], ids=["download-root", "1000images-root"])
def test_records(tmp_path: Path, inner: bool) -> None:
    root = write_tree(tmp_path / "jsiec")
    items = list(JsiecSource(root / "1000images" if inner else root).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    assert [(r.native_id, r.labels, r.uncertain_labels, r.patient_id) for r in records] == [
        ("a1", ["normal"], [], "a1"),
        ("b1", ["branch_retinal_vein_occlusion"], [], "b1"),
        ("c1", [], ["glaucoma"], "c1"),
        ("d1", ["media_haze", "poor_image_quality"], ["proliferative_dr"], "d1"),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [
        ("a2..JPG", "empty_file"),
        ("Thumbs.db", "not_an_image_file"),
        ("e1..JPG", "unmapped_label"),
    ]
    assert records[0].image_path.name == "a1..JPG" and records[2].source_file == "10.0.Possible glaucoma"


def test_repeated_name_is_a_reject(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    (root / "1000images" / "7.ERM").mkdir()
    (root / "1000images" / "7.ERM" / "a1..JPG").write_bytes(b"jpeg")
    rejects = [r for r in JsiecSource(root).records() if isinstance(r, Reject)]
    assert ("a1..JPG", "conflicting_annotation") in [(Path(r.item).name, r.reason) for r in rejects]


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("jsiec") is JsiecSource
    (tmp_path / "images").mkdir()
    with pytest.raises(LayoutError, match="1000images"):
        JsiecSource(tmp_path)
