"""MESSIDOR adapter: BaseNN folders with .xls sheets (and converted CSVs), 2016 errata, its own grade scales."""

from __future__ import annotations

import pytest
from trees import messidor as tree
from trees.images import write_named_image

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.messidor import MessidorSource

# by hand, with the Base11 errata applied: id -> (labels, negatives, attributes)
EXPECTED = {
    "20051019_38557_0100_PP": (
        ["messidor_retinopathy_grade_2"],
        ["diabetic_macular_edema"],
        {"messidor_grade": 2, "macular_edema_risk": 0},
    ),
    "20051020_43808_0100_PP": (
        ["messidor_retinopathy_grade_1"],
        ["diabetic_macular_edema"],
        {"messidor_grade": 1, "macular_edema_risk": 0},
    ),
    "20051020_61804_0100_PP": (
        ["messidor_retinopathy_grade_3", "clinically_significant_dme"],
        [],
        {"messidor_grade": 3, "macular_edema_risk": 2},
    ),
    "20051021_51382_0100_PP": (
        ["messidor_retinopathy_grade_2", "non_clinically_significant_dme"],
        [],
        {"messidor_grade": 2, "macular_edema_risk": 1},
    ),
}


def _summary(rows):
    return {r.native_id: (r.labels, r.negative_labels, r.attributes) for r in rows if isinstance(r, RawRecord)}


def test_xls_sheets_with_errata(tmp_path):
    root, options = tree.make_tree(tmp_path)
    rows = list(MessidorSource(root, **options).records())
    assert len(rows) == tree.LISTED
    assert _summary(rows) == EXPECTED
    assert not any("dr_grade" in attributes for *_, attributes in EXPECTED.values()), "not the ICDR scale"
    first = next(r for r in rows if isinstance(r, RawRecord))
    assert first.source_file == "Annotation_Base11_update20161024.xls"
    [missing] = [r for r in rows if isinstance(r, Reject)]
    assert missing.reason == "missing_file" and missing.item.endswith("Messidor/Base21/20051021_59437_0100_PP.tif")


def test_csv_conversions_inside_base_folders_and_repeated_images(tmp_path):
    top = tmp_path / "messidor"
    rows = {
        "11": ["20051019_38557_0100_PP.tif,LaTIM - CHU de BREST,1,0"],
        "12": ["20051019_38557_0100_PP.tif,LaTIM - CHU de BREST,1,0", "20051020_1_0100_PP.tif,x,3,1"],
    }
    for base, lines in rows.items():
        (top / f"Base{base}").mkdir(parents=True)
        text = ",".join(tree.HEADER) + "\r\n" + "\r\n".join(lines) + "\r\n"
        (top / f"Base{base}" / f"Annotation_Base{base}.csv").write_text(text, encoding="latin-1")
        for line in lines:
            write_named_image(top / f"Base{base}" / line.split(",")[0])
    got = list(MessidorSource(top).records())
    assert [(type(r).__name__, getattr(r, "reason", None)) for r in got] == [
        ("RawRecord", None),
        ("Reject", "duplicate_image"),
        ("RawRecord", None),
    ]
    assert got[2].labels == ["messidor_retinopathy_grade_3", "non_clinically_significant_dme"]


def test_wrong_root_is_a_layout_error(tmp_path):
    (tmp_path / "Base11").mkdir()
    with pytest.raises(LayoutError, match="Annotation_Base11.xls"):
        MessidorSource(tmp_path)
