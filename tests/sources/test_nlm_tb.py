"""Montgomery and Shenzhen (NLM TB sets): class from the file name, clinical readings as report text with sex and
age in their variants, Montgomery masks as related files, the Kaggle mirror layout, and layout errors."""

from __future__ import annotations

import pytest
from trees import montgomery, shenzhen
from trees.placeholders import placeholders, write_text

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.montgomery import MontgomerySource
from mgll_data.sources.nlm_tb import parse_age
from mgll_data.sources.shenzhen import ShenzhenSource


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def summary(records):
    return {
        r.native_id: (
            r.patient_id,
            r.labels,
            r.negative_labels,
            (r.report or {}).get("findings"),
            r.attributes.get("sex"),
            r.attributes.get("age"),
        )
        for r in records
    }


def test_montgomery_records(tmp_path):
    root, options = montgomery.make_tree(tmp_path)
    records, rejects = split_items(MontgomerySource(root, **options))
    assert not rejects
    assert summary(records) == {
        "MCUCXR_0001_0": ("MCUCXR_0001", ["normal"], ["tuberculosis"], "normal", "F", 27.0),
        "MCUCXR_0005_0": ("MCUCXR_0005", ["normal"], ["tuberculosis"], None, None, None),
        "MCUCXR_0104_1": (
            "MCUCXR_0104",
            ["tuberculosis"],
            [],
            "Right upper lobe cavitary infiltrate consistent with TB",
            "M",
            52.0,
        ),
    }
    masks = {r.native_id: [p.parent.name for p in r.related_files] for r in records}
    assert masks["MCUCXR_0001_0"] == ["leftMask", "rightMask"] and masks["MCUCXR_0104_1"] == []


def test_shenzhen_records_and_empty_file(tmp_path):
    root, options = shenzhen.make_tree(tmp_path)
    records, rejects = split_items(ShenzhenSource(root, **options))
    assert summary(records) == {
        "CHNCXR_0001_0": ("CHNCXR_0001", ["normal"], ["tuberculosis"], "normal", "M", 45.0),
        "CHNCXR_0327_1": ("CHNCXR_0327", ["tuberculosis"], [], "PTB in the left upper field", "F", 28.0),
        "CHNCXR_0328_1": ("CHNCXR_0328", ["tuberculosis"], [], "bilateral miliary nodules", "M", 1.33),
    }
    assert [(r.reason, r.item.rsplit("/", 1)[-1]) for r in rejects] == [("empty_file", "CHNCXR_0002_0.png")]


def test_kaggle_mirror_reads_the_metadata_csv(tmp_path):
    placeholders(tmp_path / "images" / "images" / f"CHNCXR_000{n}_{n % 2}.png" for n in (1, 2))
    write_text(
        tmp_path / "shenzhen_metadata.csv",
        "study_id,sex,age,findings\nCHNCXR_0001_1.png,Male,45yrs,right upper PTB\n"
        "CHNCXR_0002_0.png,Female,5-14 years,normal\n",
    )
    records, _ = split_items(ShenzhenSource(tmp_path))
    assert summary(records) == {
        "CHNCXR_0001_1": ("CHNCXR_0001", ["tuberculosis"], [], "right upper PTB", "M", 45.0),
        "CHNCXR_0002_0": ("CHNCXR_0002", ["normal"], ["tuberculosis"], "normal", "F", 5.0),
    }


def test_ages_and_wrong_root(tmp_path):
    assert [parse_age(t) for t in ("027Y", "64days", "16month", "", "old")] == [27.0, 0.18, 1.33, None, None]
    (tmp_path / "CXR_png").mkdir()
    with pytest.raises(LayoutError, match="CXR_png"):
        MontgomerySource(tmp_path)
