"""The training copy: same rows as the build, JPEG at the training scale, written once and reused."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
from PIL import Image

from mgll_data.train.config import train_config_from_dict
from mgll_data.train.data import split_files
from mgll_data.train.trainer import prepare
from mgll_data.train.training_copy import RECORD_FILE, copy_folder, ensure_training_copy


def _rows(files):
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def test_copy_keeps_every_row_and_stores_jpeg_at_the_training_scale(tiny_dataset, tmp_path):
    files = split_files(str(tiny_dataset), "train")
    folder = ensure_training_copy(files, tmp_path / "copy", size=24, quality=95, workers=2)
    copied = split_files(str(folder), "train")
    assert [f.name for f in copied] == [f.name for f in files]
    assert [pq.ParquetFile(f).metadata.num_rows for f in copied] == [pq.ParquetFile(f).metadata.num_rows for f in files]
    before, after = _rows(files), _rows(copied)
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert [r["labels"] for r in after] == [r["labels"] for r in before]
    image = Image.open(io.BytesIO(after[0]["image"]["bytes"]))
    assert image.format == "JPEG" and image.size == (24, 24) and (after[0]["width"], after[0]["height"]) == (24, 24)


def test_copy_is_reused_until_the_build_changes(tiny_dataset, tmp_path):
    files = split_files(str(tiny_dataset), "train")
    folder = ensure_training_copy(files, tmp_path / "copy", size=24, quality=95, workers=1)
    written = (folder / RECORD_FILE).stat().st_mtime_ns
    ensure_training_copy(files, folder, size=24, quality=95, workers=1)
    assert (folder / RECORD_FILE).stat().st_mtime_ns == written
    ensure_training_copy(files, folder, size=20, quality=95, workers=1)  # another scale: rewritten
    image = Image.open(io.BytesIO(_rows(split_files(str(folder), "train"))[0]["image"]["bytes"]))
    assert image.size == (20, 20)


def test_trainer_reads_the_copy_by_default_and_the_build_when_asked(tiny_dataset, tiny_config, tmp_path):
    session = prepare(train_config_from_dict(tiny_config(tiny_dataset, tmp_path), "t"))
    expected = copy_folder(str(tiny_dataset), "train", 37, 95, str(tmp_path))  # 32 * 8 / 7 rounded up
    assert session.dataset.config.dataset == str(expected) and (expected / RECORD_FILE).is_file()
    direct = prepare(train_config_from_dict(tiny_config(tiny_dataset, tmp_path, data={"training_copy": None}), "t"))
    assert direct.dataset.config.dataset == str(tiny_dataset)


def test_a_foreign_folder_in_the_copy_place_is_never_replaced(tiny_dataset, tmp_path):
    import pytest

    from mgll_data.errors import MgllError

    foreign = tmp_path / "copy"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(MgllError, match="is not a training copy"):
        ensure_training_copy(split_files(str(tiny_dataset), "train"), foreign, size=24, quality=95, workers=1)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
