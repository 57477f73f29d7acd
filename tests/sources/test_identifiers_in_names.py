"""No identifier in a published name (second fault matrix, class 2): path parts holding the image's own PatientName
parts, a PatientID of any length, an AccessionNumber or a date are hashed in row ids, provenance and rejects, and
a local root is published by its entry id, never by its folder name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from trees.images import build_dicom

from mgll_data.builder import build_recipe
from mgll_data.published import hash_identifiers, portable_root
from mgll_data.recipe import parse_recipe
from mgll_data.sources.folder import FolderSource

IDENTITY = {"PatientName": "DOE^JOHNATHAN", "PatientID": "JD-0017", "AccessionNumber": "A77", "StudyDate": "20190304"}
SECRETS = ("doe", "johnathan", "jd-0017", "2019-03-04", "20190304", "a77", "mrn7734219")


def _dicom(path: Path, seed: int, **identity: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = build_dicom(np.random.default_rng(seed).integers(0, 4000, (16, 16), dtype=np.uint16), **identity)
    ds.save_as(path, enforce_file_format=True)


@pytest.mark.parametrize(
    ("relative", "kept"),
    [
        ("DOE_JOHNATHAN/2019-03-04/chest.dcm", "chest.dcm"),
        ("JD-0017/scan.dcm", "scan.dcm"),
        ("cxr/A77.dcm", "cxr"),
        ("cxr/20190304_pa.dcm", "cxr"),
        ("Johnathan Doe/pa.dcm", "pa.dcm"),
    ],
)
def test_identifier_parts_are_hashed(relative: str, kept: str) -> None:
    published = hash_identifiers(relative, IDENTITY, "salt")
    assert kept in published.split("/")
    assert not leaked(published), published


def test_names_without_identifiers_are_kept() -> None:
    assert hash_identifiers("Cardiomegaly/pa_view.dcm", IDENTITY, "salt") == "Cardiomegaly/pa_view.dcm"


def test_roots_are_published_by_entry_id() -> None:
    assert portable_root("/data/MRN7734219_DOE_JOHNATHAN", "chest") == "<local>/chest"
    assert portable_root("../MRN7734219_DOE", "chest") == "<local>/chest"
    assert portable_root("demo://odir", "odir") == "demo://odir"


def leaked(text: str) -> list[str]:
    """The identifiers found in `text` as tokens of their own (`DOE_JOHNATHAN`, `jd-0017`), not inside a word."""
    return [s for s in SECRETS if re.search(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])", text.casefold())]


def test_a_folder_build_publishes_no_identifier(tmp_path: Path) -> None:
    root = tmp_path / "MRN7734219_DOE_JOHNATHAN"
    _dicom(root / "DOE_JOHNATHAN" / "2019-03-04" / "chest.dcm", 1, **IDENTITY)
    _dicom(root / "JD-0017" / "scan.dcm", 2, **IDENTITY)
    (root / "JD-0017" / "notes.txt").write_text("not an image")
    items = list(FolderSource(root, modality="cxr", patient_salt="s").records())
    assert len(items) == 3
    fields = ("native_id", "published_path", "source_entry", "patient_id", "item", "detail")
    names = " ".join(str(getattr(item, name, "")) for item in items for name in fields)
    assert not leaked(names), names
    recipe = parse_recipe(
        {"name": "ids", "sources": [{"name": "folder", "id": "chest", "root": str(root),
                                     "unlabelled": "keep", "options": {"modality": "cxr", "patient_salt": "s"}}],
         "output": {"dir": "out"}, "image": {"size": 16}, "split": {"seed": 1}},
        tmp_path,
    )
    out = build_recipe(recipe).out_dir
    published = (out / "manifest.json").read_text() + (out / "README.md").read_text()
    for table in [pq.read_table(out / "rejects.parquet"), *map(pq.read_table, (out / "data").glob("*.parquet"))]:
        published += json.dumps(table.drop_columns([c for c in table.column_names if c == "image"]).to_pylist(),
                                 default=str)
    assert not leaked(published)
    assert json.loads((out / "manifest.json").read_text())["sources"]["chest"]["root"] == "<local>/chest"
