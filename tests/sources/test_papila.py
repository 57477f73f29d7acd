"""PAPILA adapter: both figshare root names, per-eye workbooks with multi-row headers, expert contours."""

from __future__ import annotations

from pathlib import Path

import pytest
from trees.papila import ROOTS, write_tree

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.papila import PapilaSource


@pytest.mark.parametrize("release", [0, 1])
@pytest.mark.parametrize("inner", [False, True], ids=["parent-root", "release-root"])
def test_records(tmp_path: Path, release: int, inner: bool) -> None:
    root = write_tree(tmp_path, release)
    items = list(PapilaSource(root / ROOTS[release] if inner else root).records())
    records = [r for r in items if isinstance(r, RawRecord)]
    rejects = [r for r in items if isinstance(r, Reject)]
    got = [(r.native_id, r.patient_id, r.laterality, r.labels, r.uncertain_labels, r.negative_labels) for r in records]
    assert got == [
        ("RET002OD", "RET002", "R", ["normal"], [], ["glaucoma"]),
        ("RET003OD", "RET003", "R", ["glaucoma"], [], []),
        ("RET004OD", "RET004", "R", [], ["glaucoma"], []),
        ("RET002OS", "RET002", "L", ["normal"], [], ["glaucoma"]),
        ("RET003OS", "RET003", "L", ["glaucoma"], [], []),
    ]
    assert [(Path(r.item).name, r.reason) for r in rejects] == [("RET004OS.jpg", "missing_file")]
    ret003 = records[1]
    assert ret003.attributes == {"age": 52.0, "cup_to_disc_ratio": 0.65, "reader_count": 2}
    assert len(ret003.related_files) == 4 and ret003.source_entry.endswith("line 5")


def test_registered_and_wrong_root(tmp_path: Path) -> None:
    assert get_source("papila") is PapilaSource
    with pytest.raises(LayoutError, match="patient_data_od.xlsx"):
        PapilaSource(tmp_path)
