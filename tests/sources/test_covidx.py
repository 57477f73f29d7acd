"""COVIDx: Kaggle train/val/test files, lines parsed from the right (spaced patient ids, missing source, `rnsa`),
repeats and short lines as rejects, and every line of the real label files a row or a reject."""

from __future__ import annotations

import shutil

import pytest
from trees import covidx as tree
from trees.placeholders import placeholders

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.covidx import CovidxSource, parse_line


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_kaggle_records(tmp_path):
    root, options = tree.make_tree(tmp_path / "covidx")
    records, rejects = split_items(CovidxSource(root, **options))
    got = [
        (r.native_id, r.patient_id, r.split, r.labels, r.negative_labels, r.attributes.get("dataset_origin"))
        for r in records
    ]
    assert got == [
        ("SARS-10.1148rg.242035193-g04mr34g0-Fig8a-day0.jpeg", "cohen:3", "train", ["covid19"], [], "cohen"),
        (
            "0004cfab-14fd-4e49-80ba-63a80b6bddd6.png",
            "rsna:0004cfab-14fd-4e49-80ba-63a80b6bddd6",
            "train",
            [],
            ["covid19"],
            "rsna",
        ),
        ("COVID(1).png", "sirm:COVID 1", "train", ["covid19"], [], "sirm"),
        (
            "8989e25c-a698-48fc-b428-fff56931fc8f.png",
            "rsna:8989e25c-a698-48fc-b428-fff56931fc8f",
            "validation",
            [],
            ["covid19"],
            "rsna",
        ),
        (
            "47c78742-4998-4878-aec4-37b11b1354ac.png",
            "rsna:47c78742-4998-4878-aec4-37b11b1354ac",
            "test",
            [],
            ["covid19"],
            "rsna",
        ),
    ]
    assert [(r.reason, r.detail) for r in rejects] == [
        ("missing_file", "train.txt: line 4"),
        ("duplicate_image", "train.txt: line 5"),
        ("malformed_entry", "'lonely-field': expected 3 or 4 fields"),
    ]


def test_line_parsing_from_the_right():
    assert parse_line("COVID 1 COVID(1).png COVID-19 sirm") == ("COVID 1", "COVID(1).png", "COVID-19", "sirm")
    assert parse_line("abc abc.png normal") == ("abc", "abc.png", "normal", "")
    assert parse_line("COVID 9 COVID(9).png COVID-19") == ("COVID 9", "COVID(9).png", "COVID-19", "")
    assert parse_line("x x.png pneumonia rnsa").origin == "rsna"
    assert parse_line("x x.png") is None


def test_several_versions_need_the_labels_option(tmp_path, realdata):
    for name in ("test_COVIDx7A.txt", "test_COVIDx9A.txt"):
        shutil.copy(realdata / "cxr" / "covidx" / name, tmp_path)
    with pytest.raises(LayoutError, match="test_COVIDx7A.txt, test_COVIDx9A.txt"):
        CovidxSource(tmp_path)
    with pytest.raises(LayoutError, match="options.labels"):
        CovidxSource(tmp_path, labels=["test_COVIDx8A.txt"])


@pytest.mark.parametrize("name", ["test_COVIDx.txt", "test_COVIDx7A.txt", "test_COVIDx9A.txt", "train_COVIDx9A.txt"])
def test_every_real_line_is_a_row_or_a_reject(tmp_path, realdata, name):
    shutil.copy(realdata / "cxr" / "covidx" / name, tmp_path)
    lines = [line for line in (tmp_path / name).read_text().splitlines() if line.strip()]
    files = [
        line.split()[-2] if line.split()[-1] in ("normal", "pneumonia", "COVID-19") else line.split()[-3]
        for line in lines
    ]
    split = name.split("_")[0]
    present = files[::2]  # every other listed file exists; the rest must come back as missing_file rejects
    placeholders(tmp_path / "data" / split / f for f in present)
    records, rejects = split_items(CovidxSource(tmp_path, labels=[name]))
    assert len(records) + len(rejects) == len(lines)
    assert {r.native_id for r in records} == set(present)
    assert {r.reason for r in rejects} <= {"missing_file", "duplicate_image"}
    assert {r.split for r in records} == {"train" if split == "train" else "test"}
    assert not any("rnsa" in r.patient_id for r in records)
    if name == "train_COVIDx9A.txt":
        origins = {r.attributes["dataset_origin"] for r in records}
        assert "rnsa" not in origins and "rsna" in origins
