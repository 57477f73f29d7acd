"""Damaged label files are one-line layout errors naming the file (second fault matrix, classes 4, 5 and 7): a
truncated or garbage workbook, a non-UTF-8 CheXbert file or NIH list, a table with no row, a FIFO where a table or
an image should be (never opened, so nothing blocks)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from mgll_data.errors import LayoutError
from mgll_data.sources.chexpert_plus import read_chexbert
from mgll_data.sources.nih_identity import read_split_lists
from mgll_data.sources.tables import read_table


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["image", "grade"])
    book.active.append(["a.png", "1"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("labels.xlsx", _xlsx()[:300]),
        ("labels.xlsx", b"garbage, not a workbook"),
        ("labels.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
        ("labels.xls", b"garbage"),
        ("labels.csv", b""),
        ("labels.csv", b"image,grade\n"),
        ("labels.txt", b"image grade\n"),
    ],
    ids=["truncated-xlsx", "garbage-xlsx", "truncated-xls", "garbage-xls", "empty-csv", "header-only", "empty-txt"],
)
def test_a_damaged_or_empty_table_is_a_layout_error_naming_it(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LayoutError) as caught:
        read_table(path, source="demo", required=["image", "grade"])
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_an_intact_workbook_still_reads(tmp_path: Path) -> None:
    (tmp_path / "labels.xlsx").write_bytes(_xlsx())
    assert read_table(tmp_path / "labels.xlsx", source="demo", required=["image", "grade"]).frame.shape == (1, 2)


def test_non_utf8_chexbert_and_nih_lists_are_layout_errors(tmp_path: Path) -> None:
    chexbert = tmp_path / "impression_fixed.json"
    chexbert.write_bytes(b'{"path_to_image": "caf\xe9.jpg"}\n')
    with pytest.raises(LayoutError, match="impression_fixed.json"):
        read_chexbert(chexbert, "chexpert_plus")
    listed = tmp_path / "train_val_list.txt"
    listed.write_bytes(b"00000001_000.png\n\xff\xfe\xfa.png\n")
    with pytest.raises(LayoutError, match="train_val_list.txt"):
        read_split_lists([listed])


def test_a_fifo_table_is_refused_without_being_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "labels.csv")
    with pytest.raises(LayoutError, match="regular file"):
        read_table(tmp_path / "labels.csv", source="demo", required=["image"])


def test_a_folder_tree_with_fifos_and_a_socket_lists_them_as_rejects_without_blocking(tmp_path: Path) -> None:
    """Run in a child with a timeout: opening a FIFO without a writer blocks forever, which is the bug."""
    code = f"""
import os, socket
from pathlib import Path
import numpy as np
from PIL import Image
from mgll_data.sources.folder import FolderSource
root = Path({str(tmp_path / "tree")!r})
(root / "a").mkdir(parents=True)
Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(root / "a" / "x.png")
os.mkfifo(root / "a" / "pipe"); os.mkfifo(root / "a" / "pipe.png")
socket.socket(socket.AF_UNIX).bind(str(root / "a" / "sock"))
for item in FolderSource(root, modality="cxr").records():
    print(getattr(item, "reason", "row"), getattr(item, "item", getattr(item, "native_id", "")))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split("\n")[:-1]) == [
        "not_a_regular_file a/pipe", "not_a_regular_file a/pipe.png", "not_a_regular_file a/sock", "row a/x.png",
    ]


def _png(path: Path, shade: int) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (shade, 10, 10)).save(path, format="PNG")


def test_folder_walk_lists_hidden_files_and_name_collisions(tmp_path: Path) -> None:
    from mgll_data.sources.folder import FolderSource

    root = tmp_path / "tree"
    _png(root / "cataract" / "a.png", 1)
    _png(root / "cataract" / "A.png", 2)  # case
    _png(root / "cataract" / "b.png", 3)
    _png(root / "cataract" / "b.png ", 4)  # trailing space
    _png(root / "cataract" / "c d.png", 5)
    _png(root / "cataract" / "c%20d.png", 6)  # URL encoding
    _png(root / "cataract" / "cataract" / "e.png", 7)
    _png(root / "cataract" / "e.png", 8)  # doubled folder
    _png(root / "cataract" / ".f.png", 9)
    _png(root / ".cache" / "g.png", 10)
    items = list(FolderSource(root, modality="fundus", deidentified=True).records())
    rows = sorted(item.native_id for item in items if not hasattr(item, "reason"))
    rejects = sorted((item.item, item.reason, item.detail) for item in items if hasattr(item, "reason"))
    on_disk = [p for p in root.rglob("*") if p.is_file()]
    assert len(items) == len(on_disk) == 10, "every file is a row or a reject"
    assert [r[:2] for r in rejects if r[1] == "hidden_file"] == [(".cache", "hidden_file"),
                                                                   ("cataract/.f.png", "hidden_file")]
    duplicates = [r for r in rejects if r[1] == "duplicate_image"]
    assert len(duplicates) == 4 and all("kept" in detail and "cataract/" in detail for _, _, detail in duplicates)
    assert len(rows) == 4


def test_jsiec_lists_a_case_collision(tmp_path: Path) -> None:
    from trees import jsiec as jsiec_tree

    from mgll_data.sources.jsiec import JsiecSource

    root, options = jsiec_tree.make_tree(tmp_path / "jsiec")
    source = JsiecSource(root, **options)
    before = list(source.records())
    image = next(item.image_path for item in before if not hasattr(item, "reason"))
    twin = image.with_name(image.name.swapcase())
    twin.write_bytes(image.read_bytes())
    after = list(JsiecSource(root, **options).records())
    assert len(after) == len(before) + 1
    assert any(getattr(item, "reason", "") in ("duplicate_image", "conflicting_annotation") for item in after)
