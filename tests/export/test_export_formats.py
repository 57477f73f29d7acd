"""export writes the MGLL JSON lists and the flat CSV with the images as files, streaming the shards."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import numpy as np
import pytest
from export.output_fixture import default_records, make_record, write_output
from PIL import Image
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.errors import MgllError
from mgll_data.export.formats import EXPORTERS, export_output, image_path


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def _jpeg_record():
    record = make_record("odir/5_left", "train", "odir/5", ["cataract"], seed=9)
    buffer = io.BytesIO()
    Image.fromarray(np.full((12, 16, 3), 90, dtype=np.uint8)).save(buffer, format="JPEG")
    return {**record, "image": {"bytes": buffer.getvalue(), "path": "5_left.jpg"}}


def test_mgll_json_lists_per_split_with_png_images(output_dir, tmp_path):
    result = export_output(output_dir, "mgll-json", tmp_path / "mgll")
    records = {r["id"]: r for r in default_records()}
    assert result.rows == len(records)
    assert sorted(p.name for p in result.files) == ["test.json", "train.json", "validation.json"]
    by_split = Counter(r["split"] for r in records.values())
    seen = set()
    for path in result.files:
        entries = json.loads(path.read_text(encoding="utf-8"))
        assert len(entries) == by_split[path.stem]
        for entry in entries:
            assert set(entry) == {"ImageID", "Disease", "Description", "Explanation"}
            image_file = tmp_path / "mgll" / entry["ImageID"]
            record_id = next(i for i in records if entry["ImageID"] == f"images/{path.stem}/{i}.png")
            record = records[record_id]
            assert entry["Disease"] == record["disease_text"]
            assert entry["Description"] == "; ".join(record["descriptions"])
            assert entry["Explanation"] == "; ".join(record["explanations"])
            assert image_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert np.array_equal(_pixels(image_file.read_bytes()), _pixels(record["image"]["bytes"]))
            seen.add(record_id)
    assert seen == set(records)


def test_mgll_json_reencodes_jpeg_as_png_and_keeps_16_bit(tmp_path):
    jpeg = _jpeg_record()
    cxr16 = default_records()[3]
    write_output(tmp_path / "out", [jpeg, cxr16])
    export_output(tmp_path / "out", "mgll-json", tmp_path / "mgll")
    png = tmp_path / "mgll" / "images" / "train" / "odir" / "5_left.png"
    assert np.array_equal(_pixels(png.read_bytes()), _pixels(jpeg["image"]["bytes"]))
    sixteen = Image.open(tmp_path / "mgll" / "images" / "train" / "iu_xray" / "CXR1_1.png")
    assert sixteen.mode.startswith("I") and np.array_equal(np.asarray(sixteen), _pixels(cxr16["image"]["bytes"]))


def test_csv_rows_and_native_image_files(tmp_path):
    records = [*default_records(), _jpeg_record()]
    write_output(tmp_path / "out", records)
    result = export_output(tmp_path / "out", "csv", tmp_path / "flat")
    with result.files[0].open(encoding="utf-8", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {r["id"] for r in records}
    cxr = rows["iu_xray/CXR2_1"]
    assert cxr["split"] == "train" and cxr["patient_id"] == "iu_xray/2" and cxr["view"] == "PA"
    assert cxr["labels"] == "pleural_effusion" and cxr["uncertain_labels"] == "cardiomegaly"
    assert rows["odir/1_right"]["laterality"] == "R" and rows["odir/1_right"]["study_id"] == ""
    assert rows["odir/1_left"]["descriptions"] == "diabetic retinopathy seen in this image"
    for record in records:
        file_name = rows[record["id"]]["file_name"]
        assert (tmp_path / "flat" / file_name).read_bytes() == record["image"]["bytes"]
    assert rows["odir/5_left"]["file_name"] == "images/train/odir/5_left.jpg"


def test_lists_with_several_items_are_joined(tmp_path):
    record = make_record("odir/8_left", "train", "odir/8", ["glaucoma", "cataract"], seed=8)
    write_output(tmp_path / "out", [record])
    export_output(tmp_path / "out", "csv", tmp_path / "flat")
    export_output(tmp_path / "out", "mgll-json", tmp_path / "mgll")
    with (tmp_path / "flat" / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["labels"] == "glaucoma|cataract"
    assert row["descriptions"] == "|".join(record["descriptions"])
    entry = json.loads((tmp_path / "mgll" / "train.json").read_text())[0]
    assert entry["Description"] == "glaucoma seen in this image; cataract seen in this image"


def test_image_paths_are_safe_and_distinct():
    assert image_path("odir/1_left", "train", ".png") == "images/train/odir/1_left.png"
    odd = image_path("mimic/p10/../s 1:x", "test", ".png")
    assert ".." not in odd.split("/") and " " not in odd and ":" not in odd
    assert image_path("a/b c", "train", ".png") != image_path("a/b_c", "train", ".png")


def test_refuses_a_non_empty_destination_and_unknown_format(output_dir, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("x")
    with pytest.raises(MgllError, match="busy: exists and is not an empty folder"):
        export_output(output_dir, "csv", tmp_path / "busy")
    with pytest.raises(MgllError, match="available: csv, mgll-json, webdataset"):
        export_output(output_dir, "npz", tmp_path / "new")
    assert sorted(EXPORTERS) == ["csv", "mgll-json", "webdataset"]


def test_broken_image_names_the_shard_and_row(tmp_path):
    record = default_records()[0]
    record["image"] = {"bytes": b"not an image", "path": "x.png"}
    write_output(tmp_path / "out", [record])
    with pytest.raises(MgllError, match=r"train-00000-of-00001.parquet: image of odir/1_left does not decode"):
        export_output(tmp_path / "out", "mgll-json", tmp_path / "mgll")
    assert not (tmp_path / "mgll").exists()  # a failed export leaves nothing behind


def test_cli_export(output_dir, tmp_path):
    result = CliRunner().invoke(app, ["export", str(output_dir), "--format", "csv", "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert "exported6rows(csv)" in "".join(result.output.split())  # immune to rich's line wrapping
    assert (tmp_path / "x" / "metadata.csv").is_file()


def test_exported_files_follow_the_umask(output_dir, tmp_path):
    import os

    old = os.umask(0o077)  # a user who keeps medical data private
    try:
        export_output(output_dir, "csv", tmp_path / "private")
    finally:
        os.umask(old)
    modes = {path.stat().st_mode & 0o777 for path in (tmp_path / "private").rglob("*") if path.is_file()}
    assert modes == {0o600}
