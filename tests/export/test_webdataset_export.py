"""export --format webdataset: tar shards of image + json + one text per granularity, read back with the
`webdataset` package; shards close by row count or bytes; images shrink to --image-size; same input, same tars."""

from __future__ import annotations

import io
import json
import tarfile

import numpy as np
import pytest
from export.output_fixture import default_records, write_output
from PIL import Image
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.errors import MgllError
from mgll_data.export.formats import export_output, sample_key

wds = pytest.importorskip("webdataset")


def _read(dest) -> dict[str, dict]:
    urls = [str(dest / name) for name in json.loads((dest / "sizes.json").read_text())]
    samples = {}
    for sample in wds.WebDataset(urls, shardshuffle=False):
        samples[sample["__key__"]] = sample
    return samples


def test_every_row_reads_back_with_webdataset(output_dir, tmp_path):
    result = CliRunner().invoke(
        app, ["export", str(output_dir), "--format", "webdataset", "--out", str(tmp_path / "wds"), "--shard-size", "2"]
    )
    assert result.exit_code == 0, result.output
    records = {sample_key(r["id"]): r for r in default_records()}
    sizes = json.loads((tmp_path / "wds" / "sizes.json").read_text())
    assert all(count <= 2 for count in sizes.values()) and sum(sizes.values()) == len(records)
    assert {name.rsplit("-", 1)[0] for name in sizes} == {r["split"] for r in records.values()}
    samples = _read(tmp_path / "wds")
    assert set(samples) == set(records)
    for key, sample in samples.items():
        record = records[key]
        meta = json.loads(sample["json"])
        assert "image" not in meta and meta["id"] == record["id"] and meta["labels"] == record["labels"]
        assert meta["provenance"]["source_file"] == record["provenance"]["source_file"]
        assert sample["txt"].decode() == record["disease_text"]
        for column in ("descriptions", "explanations"):  # one sentence per line; empty file for none
            assert sample[f"{column}.txt"].decode() == "\n".join(record[column])
        stored = np.asarray(Image.open(io.BytesIO(record["image"]["bytes"])))
        exported = np.asarray(Image.open(io.BytesIO(sample["png"])))
        if stored.dtype == np.uint16:  # 16-bit greyscale arrives as 8 bits, the top byte
            assert exported.dtype == np.uint8 and np.array_equal(exported, (stored >> 8).astype(np.uint8))
        else:
            assert np.array_equal(exported, stored)


def test_shards_close_at_the_byte_limit_and_images_shrink(output_dir, tmp_path):
    export_output(output_dir, "webdataset", tmp_path / "small", shard_bytes=1, image_size=8)
    sizes = json.loads((tmp_path / "small" / "sizes.json").read_text())
    assert set(sizes.values()) == {1}  # every shard is over 1 byte after one row
    for sample in _read(tmp_path / "small").values():
        assert max(Image.open(io.BytesIO(sample["png"])).size) <= 8


def test_same_folder_gives_identical_tars_with_no_machine_details(output_dir, tmp_path):
    first = export_output(output_dir, "webdataset", tmp_path / "a")
    export_output(output_dir, "webdataset", tmp_path / "b")
    for path in first.files:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
    with tarfile.open(first.files[0]) as tar:
        assert {(m.mtime, m.uid, m.uname, m.mode) for m in tar.getmembers()} == {(0, 0, "", 0o644)}


def test_keys_stay_unique_and_dot_free():
    assert sample_key("odir/5_left") == "odir/5_left"
    dotted = sample_key("folder/a.b")
    assert "." not in dotted and dotted.startswith("folder/a_b-") and dotted != sample_key("folder/a_b")


def test_shard_options_belong_to_webdataset_and_a_failed_export_leaves_nothing(output_dir, tmp_path):
    result = CliRunner().invoke(
        app, ["export", str(output_dir), "--format", "csv", "--out", str(tmp_path / "c"), "--image-size", "64"]
    )
    assert isinstance(result.exception, MgllError) and "--image-size: only --format webdataset" in str(result.exception)
    broken = [{**default_records()[0], "image": {"bytes": b"not an image", "path": "x.png"}}]
    write_output(tmp_path / "bad", broken)
    with pytest.raises(MgllError, match="image of odir/1_left does not decode"):
        export_output(tmp_path / "bad", "webdataset", tmp_path / "w")
    assert not (tmp_path / "w").exists()
