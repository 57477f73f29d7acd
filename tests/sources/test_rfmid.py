"""RFMiD 1.0 adapter: both download layouts, BOM/CRLF, per-split ids, and the real training label file."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from trees.rfmid import HEADER, write_labels, write_tree

from mgll_data.errors import LayoutError
from mgll_data.ontology import load_ontology
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.rfmid import RfmidSource

# by hand from trees/rfmid.py ROWS: (native id, split, labels)
EXPECTED = [
    ("train_1", "train", ["diabetic_retinopathy"]),
    ("train_2", "train", ["normal"]),
    ("validation_1", "validation", ["optic_disc_cupping", "tessellated_fundus"]),
    ("validation_2", "validation", ["other_abnormality"]),
    ("test_1", "test", ["normal"]),
]


def _split(items: list) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


@pytest.mark.parametrize("layout", ["dataport", "challenge"])
def test_both_layouts(tmp_path: Path, layout: str) -> None:
    source = RfmidSource(write_tree(tmp_path / "rfmid", layout))
    records, rejects = _split(list(source.records()))
    assert [(r.native_id, r.split, r.labels) for r in records] == EXPECTED
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("3.png", "missing_file")]
    assert all(r.patient_id == r.native_id and r.laterality is None and not r.negative_labels for r in records)
    assert records[0].image_path.name == "1.png" and records[0].image_path.parent.name.endswith(
        "Training" if layout == "challenge" else "Training Set"
    )
    assert records[2].source_file.casefold().endswith("rfmid_validation_labels.csv")
    assert records[4].source_entry.endswith("line 2")


def test_registered() -> None:
    assert get_source("rfmid") is RfmidSource


def test_wrong_root(tmp_path: Path) -> None:
    (tmp_path / "Training").mkdir()
    with pytest.raises(LayoutError, match="RFMiD_Training_Labels.csv"):
        RfmidSource(tmp_path)


def test_labels_without_images_folder(tmp_path: Path) -> None:
    write_labels(tmp_path / "RFMiD_Training_Labels.csv", HEADER, [("1", "0", "0", "0", "0", "0", "0")], True, "\n")
    with pytest.raises(LayoutError, match="Training_Set/Training"):
        RfmidSource(tmp_path)


def test_unknown_column_is_named(tmp_path: Path) -> None:
    root = write_tree(tmp_path, "challenge")
    write_labels(
        root / "Training_Set/Training_Set/RFMiD_Training_Labels.csv",
        ["ID", "Disease_Risk", "WNL"],
        [("1", "0", "1")],
        False,
        "\n",
    )
    with pytest.raises(LayoutError, match="unknown: WNL"):
        list(RfmidSource(root).records())


def test_odd_cell_is_a_reject(tmp_path: Path) -> None:
    root = write_tree(tmp_path, "challenge")
    write_labels(
        root / "Training_Set/Training_Set/RFMiD_Training_Labels.csv",
        HEADER,
        [("1", "1", "2", "0", "0", "0", "0")],
        False,
        "\n",
    )
    source = RfmidSource(root)
    records, rejects = _split(list(source.records()))
    assert [(r.reason, r.stage) for r in rejects] == [("unmapped_label", "label")]
    assert "DR '2'" in rejects[0].detail
    assert source.unmapped == {"DR": {"2": 1}}


def test_real_training_labels(tmp_path: Path, realdata: Path) -> None:
    """The real 1,920-row file in a generated challenge tree: per-finding counts equal the CSV column sums."""
    real = realdata / "fundus" / "rfmid" / "RFMiD_Training_Labels.csv"
    folder = tmp_path / "Training_Set"
    (folder / "Training").mkdir(parents=True)
    (folder / "RFMiD_Training_Labels.csv").write_bytes(real.read_bytes())
    with real.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        (folder / "Training" / f"{row['ID']}.png").write_bytes(b"x")
    records, rejects = _split(list(RfmidSource(tmp_path).records()))
    assert not rejects and len(records) == len(rows) == 1920
    ontology = load_ontology()
    expected: Counter[str] = Counter()
    for row in rows:
        for column, value in row.items():
            if column not in ("ID", "Disease_Risk") and value == "1":
                expected.update(ontology.map_label("rfmid", column).positive)
    expected["normal"] = sum(1 for row in rows if row["Disease_Risk"] == "0")
    got = Counter(label for record in records for label in record.labels)
    assert got == +expected
    normal_ids = {f"train_{row['ID']}" for row in rows if row["Disease_Risk"] == "0"}
    assert {r.native_id for r in records if r.labels == ["normal"]} == normal_ids
