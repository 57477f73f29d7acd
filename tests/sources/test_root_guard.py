"""Label paths, list entries and report paths that lead out of the source root (`../`, absolute, a linked file) are
`outside_root` rejects in the adapters the second fault matrix caught reading outside (class 1), and report archives
are read with bounds: a member over its size cap or with a bad CRC is a reject of that study, never a crash (class 3).
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from trees import chexpert_plus, iu_xray, mimic_cxr
from trees.images import write_image

from mgll_data.sources.base import RawRecord, Reject, leaves_root
from mgll_data.sources.chexpert_plus import ChexpertPlusSource
from mgll_data.sources.iu_xray import IuXraySource
from mgll_data.sources.mimic_cxr import MimicCxrSource

SECRET = "TEXT FROM OUTSIDE THE ROOT"


def _split(items):
    items = list(items)
    rows = [item for item in items if isinstance(item, RawRecord)]
    rejects = [item for item in items if isinstance(item, Reject)]
    return rows, rejects


@pytest.mark.parametrize(
    ("listed", "leaves"),
    [("a/b.png", False), ("../x.png", True), ("a/../../x", True), ("/etc/passwd", True), ("C:\\x\\y.png", True),
     ("a/../b.png", False), ("..foo/x.png", False)],
)
def test_leaves_root(listed: str, leaves: bool) -> None:
    assert leaves_root(listed) is leaves


def test_chexpert_plus_path_to_image_leaving_the_root(tmp_path: Path) -> None:
    root, options = chexpert_plus.make_tree(tmp_path / "tree")
    write_image(tmp_path / "outside" / "x.jpg", 1)
    table = root / "df_chexpert_plus_240401.csv"
    table.write_text(table.read_text().replace(chexpert_plus.ROWS[0][0], "../../outside/x.jpg"))
    rows, rejects = _split(ChexpertPlusSource(root, **options).records())
    assert all("outside" not in str(row.image_path.resolve()) for row in rows)
    assert [r.reason for r in rejects].count("outside_root") == 1
    assert len(rows) + len(rejects) == chexpert_plus.LISTED


@pytest.mark.parametrize("hostile", ["../outside/x", "ABSOLUTE"])
def test_iu_xray_parent_image_leaving_the_root(tmp_path: Path, hostile: str) -> None:
    root, options = iu_xray.make_tree(tmp_path / "tree")
    write_image(tmp_path / "outside" / "x.png", 1)
    image = str(tmp_path / "outside" / "x") if hostile == "ABSOLUTE" else hostile
    with tarfile.open(root / "NLMCXR_reports.tgz", "w:gz") as archive:
        data = iu_xray._xml(9, "Heart normal.", "Normal.", [image])
        info = tarfile.TarInfo("ecgen-radiology/9.xml")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    rows, rejects = _split(IuXraySource(root, **options).records())
    assert not rows
    assert [r.reason for r in rejects] == ["outside_root"]


def _mimic(tmp_path: Path, zipped: bool = False) -> Path:
    root, _ = mimic_cxr.make_tree(tmp_path / "tree", zipped=zipped)
    return root


def test_mimic_record_list_paths_leaving_the_root(tmp_path: Path) -> None:
    root = _mimic(tmp_path)
    (tmp_path / "elsewhere.dcm").write_bytes(b"placeholder image")
    subject, study, _, images = mimic_cxr.STUDIES[0]
    rows = [[subject, study, mimic_cxr.dicom_id(n), p] for n, p in
            [(1, "../../../elsewhere.dcm"), (2, str(tmp_path / "elsewhere.dcm"))]]
    header = ["subject_id", "study_id", "dicom_id", "path"]
    (root / "cxr-record-list.csv.gz").write_bytes(mimic_cxr.csv_bytes(header, rows))
    found, rejects = _split(MimicCxrSource(root).records())
    assert not found
    assert [r.reason for r in rejects] == ["outside_root", "outside_root"]


def test_mimic_study_list_report_leaving_the_root_is_never_read(tmp_path: Path) -> None:
    root = _mimic(tmp_path)
    (tmp_path / "notes.txt").write_text(f"FINDINGS: {SECRET}.\nIMPRESSION: {SECRET}.\n")
    studies = [[s, t, "../../notes.txt"] for s, t, _, _ in mimic_cxr.STUDIES]
    (root / "cxr-study-list.csv.gz").write_bytes(mimic_cxr.csv_bytes(["subject_id", "study_id", "path"], studies))
    items = list(MimicCxrSource(root).records())
    assert SECRET not in repr(items)
    assert "outside_root" in {item.reason for item in items if isinstance(item, Reject)}


def test_mimic_report_zip_bomb_and_bad_crc_are_rejects_of_their_study(tmp_path: Path) -> None:
    root = _mimic(tmp_path, zipped=True)
    subject, study, *_ = mimic_cxr.STUDIES[0]
    bomb = f"{mimic_cxr.study_path(subject, study)}.txt"
    subject, study, *_ = mimic_cxr.STUDIES[1]
    damaged = f"{mimic_cxr.study_path(subject, study)}.txt"
    archive = root / "mimic-cxr-reports.zip"
    with zipfile.ZipFile(archive) as old:
        members = {name: old.read(name) for name in old.namelist()}
    members[bomb] = b"FINDINGS: " + b"a" * 3_000_000
    with zipfile.ZipFile(archive, "w") as new:
        for name, data in members.items():
            new.writestr(name, data, zipfile.ZIP_DEFLATED if name == bomb else zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as check:
        info = check.getinfo(damaged)
    # flip the last byte of the stored member's text: it still reads, then fails its CRC check at the end
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.file_size - 1] ^= 0x20
    archive.write_bytes(bytes(data))
    items = list(MimicCxrSource(root).records())
    reasons = {item.reason for item in items if isinstance(item, Reject)}
    assert {"too_large", "unreadable_report"} <= reasons
    assert len(items) == mimic_cxr.LISTED
