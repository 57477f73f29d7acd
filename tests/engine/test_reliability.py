"""Issue 9, case by case: a build that cannot destroy, corrupt or leak.

Each test reproduces one reported case on a generated tree (the fixture adapter of build_fixtures.py, or
`mgll-data` in a child process through cli_driver.py) and asserts the outcome the issue asks for.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import io
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import time
import zlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pydicom
import pytest
import yaml
from build_fixtures import CsvSource, make_recipe, patient_rows, row_hashes, tiny_png, write_tree
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

import mgll_data.sources
from mgll_data import cli
from mgll_data.builder import run_build
from mgll_data.checks.validate import validate_output
from mgll_data.demo.iu_tree import write_iu_tree
from mgll_data.demo.odir_tree import write_odir_tree
from mgll_data.engine import guard
from mgll_data.engine import writer as writer_module
from mgll_data.engine.endings import BuildInterrupted, BuildStopped
from mgll_data.engine.rows import image_file_name
from mgll_data.engine.task import run_task
from mgll_data.errors import MgllError
from mgll_data.images import ImagePolicy, ImageRejected, process_image
from mgll_data.sources.folder import FolderSource
from mgll_data.sources.iu_xray import IuXraySource
from mgll_data.sources.odir import OdirSource

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]


@pytest.fixture
def registered(monkeypatch):
    """validate checks licence class and citation against the registered adapters: register the fixture's."""
    adapters = mgll_data.sources.available_sources()
    monkeypatch.setattr(mgll_data.sources, "available_sources", lambda: {**adapters, CsvSource.name: CsvSource})


def recipe_for(tmp_path, root="fundus", **overrides):
    return make_recipe(tmp_path, [{"name": "csv_fundus", "root": str(root)}], **overrides)


def build(tmp_path, out="out", root="fundus", **kwargs):
    return run_build(recipe_for(tmp_path, root), [CsvSource(tmp_path / root)], tmp_path / out, **kwargs)


def violations(out):
    return [str(v) for v in validate_output(out, check_images=False)]


def write_recipe_file(tmp_path, **output):
    path = tmp_path / "recipe.yaml"
    data = {
        "name": "fixture",
        "sources": [{"name": "csv_fundus", "root": "fundus"}],
        "output": {"dir": "out", "shard_size": 4, "row_group_size": 2, **output},
        "image": {"size": 16},
        "split": {"seed": 7, "train": 0.6, "validation": 0.2, "test": 0.2},
    }
    path.write_text(yaml.safe_dump(data))
    return path


def driver(tmp_path, *args, delay=0.0):
    """Start `mgll-data ARGS` with the fixture adapter in a child process (its own session, for signals)."""
    command = [sys.executable, str(HERE / "cli_driver.py"), "--delay", str(delay), *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT), str(HERE)])}
    return subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def children(pid: int) -> set[int]:
    found = set()
    for task_dir in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task_dir / "children").read_text().split()}
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# --- 1. an output folder is only ever written by builds of the same dataset ---


def test_folder_holding_someone_elses_manifest_is_refused_and_untouched(tmp_path, fundus_tree):
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    (out / "manifest.json").write_text('{"theirs": true}')
    (out / "data" / "train-00000-of-00001.parquet").write_bytes(b"their shard")
    with pytest.raises(MgllError, match=r"not empty and was not written by mgll-data \(it holds data, manifest.json\)"):
        build(tmp_path)
    assert (out / "manifest.json").read_text() == '{"theirs": true}'
    assert (out / "data" / "train-00000-of-00001.parquet").read_bytes() == b"their shard"
    assert sorted(p.name for p in out.iterdir()) == ["data", "manifest.json"]


def test_output_inside_an_input_root_and_input_inside_the_output_are_refused(tmp_path, fundus_tree):
    with pytest.raises(MgllError, match=r"output folder is inside the input root of csv_fundus"):
        build(tmp_path, out="fundus/built")
    assert not (tmp_path / "fundus" / "built").exists()
    write_tree(tmp_path / "outer" / "fundus", patient_rows(2, 1))
    with pytest.raises(MgllError, match=r"input root of csv_fundus .* is inside the output folder"):
        build(tmp_path, out="outer", root="outer/fundus")
    assert not (tmp_path / "outer" / ".mgll-build").exists()


def test_folder_of_another_dataset_is_refused(tmp_path, fundus_tree):
    build(tmp_path)
    other = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}], name="another")
    with pytest.raises(MgllError, match=r"holds the dataset 'fixture', this recipe builds 'another'"):
        run_build(other, [CsvSource(tmp_path / "fundus")], tmp_path / "out")
    marker = json.loads((tmp_path / "out" / ".mgll-build" / "owner.json").read_text())
    assert marker["tool"] == "mgll-data" and marker["dataset"] == "fixture"


def test_a_folder_built_before_the_marker_is_still_ours_for_the_same_dataset(tmp_path, fundus_tree):
    first = build(tmp_path)
    (first.out_dir / ".mgll-build" / "owner.json").unlink()
    assert build(tmp_path).tasks_reused == len(first.manifest.shards)
    (first.out_dir / ".mgll-build" / "owner.json").unlink()
    other = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}], name="another")
    with pytest.raises(MgllError, match="not empty and was not written by mgll-data"):
        run_build(other, [CsvSource(tmp_path / "fundus")], first.out_dir)


def test_a_held_lock_names_its_holder(tmp_path, fundus_tree):
    (tmp_path / "out" / ".mgll-build").mkdir(parents=True)
    with guard.build_lock(tmp_path / "out"), pytest.raises(MgllError) as refused:
        build(tmp_path)
    message = str(refused.value)
    assert f"another build is writing this folder (pid {os.getpid()} on {socket.gethostname()}, started 20" in message
    assert "--break-lock" in message
    assert not (tmp_path / "out" / "data").exists()


def test_a_lock_file_left_by_a_killed_build_does_not_block(tmp_path, fundus_tree):
    lock = tmp_path / "out" / ".mgll-build" / "lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": 999_999_999, "host": socket.gethostname(), "started": "2026-01-01T00:00"}))
    assert build(tmp_path).manifest.sources["csv_fundus"].rows == 20


def test_break_lock_takes_over_from_a_holder_that_never_lets_go(tmp_path, fundus_tree):
    out = tmp_path / "out"
    (out / ".mgll-build").mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,os,sys,time; fd=os.open(sys.argv[1], os.O_RDWR|os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(out / ".mgll-build/lock")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(MgllError, match="another build is writing this folder"):
            build(tmp_path)
        assert build(tmp_path, break_lock=True).manifest.sources["csv_fundus"].rows == 20
    finally:
        holder.kill()
        holder.wait()


def test_two_processes_racing_on_one_folder(tmp_path, fundus_tree, registered):
    reference = row_hashes(build(tmp_path, out="reference").out_dir)
    recipe = write_recipe_file(tmp_path)
    racers = [driver(tmp_path, "build", str(recipe), "--quiet", delay=0.05) for _ in range(2)]
    results = [(racer.wait(timeout=120), racer.stderr.read()) for racer in racers]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        assert "Traceback" not in err
        if code == 2:
            assert "another build is writing this folder (pid" in err
    assert row_hashes(tmp_path / "out") == reference
    assert violations(tmp_path / "out") == []


# --- 2. resume verifies, damaged state is rebuilt, the manifest stays until the new one ---


def test_same_size_byte_flip_in_a_shard_is_rebuilt_on_resume(tmp_path, fundus_tree, registered):
    first = build(tmp_path)
    reference = row_hashes(first.out_dir)
    shard = first.out_dir / first.manifest.shards[0].file
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    resumed = build(tmp_path)
    assert resumed.tasks_run == 1
    assert row_hashes(first.out_dir) == reference and violations(first.out_dir) == []


@pytest.mark.parametrize("damaged", ["state", "done"])
def test_truncated_internal_state_is_discarded_and_rebuilt(tmp_path, fundus_tree, registered, damaged):
    first = build(tmp_path)
    reference = row_hashes(first.out_dir)
    work = first.out_dir / ".mgll-build"
    target = work / "state.json" if damaged == "state" else sorted((work / "done").glob("*.json"))[0]
    target.write_text(target.read_text()[:9])
    resumed = build(tmp_path)
    assert resumed.tasks_run == (len(first.manifest.shards) if damaged == "state" else 1)
    assert row_hashes(first.out_dir) == reference and violations(first.out_dir) == []


def test_the_old_manifest_stays_until_the_new_one_is_written(tmp_path, fundus_tree, registered):
    first = build(tmp_path)
    old_manifest = (first.out_dir / "manifest.json").read_text()

    def dies(task, recipe, sources, work):
        raise RuntimeError("killed")

    changed = recipe_for(tmp_path, image={"size": 20})
    with pytest.raises(RuntimeError):
        run_build(changed, [CsvSource(tmp_path / "fundus")], first.out_dir, runner=dies)
    assert (first.out_dir / "manifest.json").read_text() == old_manifest
    assert any("did not finish" in v for v in violations(first.out_dir))
    run_build(changed, [CsvSource(tmp_path / "fundus")], first.out_dir)
    assert violations(first.out_dir) == []


def _edit_manifest(out: Path, edit) -> None:
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda m: m["sources"]["csv_fundus"].update(licence_class="credentialed"), "adapter declares 'open'"),
        (lambda m: m["sources"]["csv_fundus"].update(licence_class="open", citation="Me."), "declares 'Test fixture.'"),
        (lambda m: m.update(recipe_hash="0" * 64), "is not the hash of the stored recipe"),
        (lambda m: m["recipe"]["image"].update(size=64), "is not the hash of the stored recipe"),
        (lambda m: m["recipe"].update(sources="odir"), "recipe does not validate"),
        (lambda m: m.update(tool_version="latest"), "tool_version 'latest' is not a version number"),
        (lambda m: m["sources"]["csv_fundus"].update(root="/home/alice/fundus"), "a path of the build machine"),
    ],
)
def test_validate_rejects_edits_to_fields_downstream_trusts(tmp_path, fundus_tree, registered, edit, expected):
    out = build(tmp_path).out_dir
    assert violations(out) == []
    _edit_manifest(out, edit)
    assert any(expected in v for v in violations(out)), violations(out)


def test_validate_finds_two_rows_with_one_stored_image_path(tmp_path):
    from export.output_fixture import default_records, write_output

    records = default_records()
    records[1]["image"] = {**records[1]["image"], "path": records[0]["image"]["path"]}
    write_output(tmp_path / "out", records)
    found = [v for v in validate_output(tmp_path / "out", check_images=False) if v.check == "image-path"]
    assert len(found) == 1 and "odir/1_right" in found[0].message


def test_stored_image_paths_of_similar_ids_differ():
    names = {image_file_name(i, "png") for i in ("src/a b", "src/a_b", "src/a__b", "src/a/_b", "src/a", "src/A")}
    assert len(names) == 6
    assert image_file_name("src/plain-1.x", "png") == "src__plain-1.x.png"


# --- 3. clear endings ---


class _Interrupting:
    def __init__(self, after: int):
        self.after, self.done = after, 0

    def __call__(self, task, recipe, sources, work):
        if self.done == self.after:
            raise KeyboardInterrupt
        self.done += 1
        return run_task(task, recipe, sources, work)


def test_ctrl_c_says_how_to_resume_with_shards_done(tmp_path, fundus_tree, registered):
    with pytest.raises(BuildInterrupted) as stopped:
        build(tmp_path, runner=_Interrupting(after=2))
    total = len(list((tmp_path / "out" / ".mgll-build" / "tasks").glob("*.pkl")))
    assert str(stopped.value) == f"interrupted; rerun the same command to resume (2 of {total} shards done)"
    assert stopped.value.exit_code == 130
    assert build(tmp_path).tasks_reused == 2 and violations(tmp_path / "out") == []


def test_ctrl_c_on_the_command_line_is_one_line_and_exit_130(tmp_path, fundus_tree):
    recipe = write_recipe_file(tmp_path)
    child = driver(tmp_path, "build", str(recipe), "--quiet", "--workers", "2", delay=0.2)
    assert wait_for(lambda: any((tmp_path / "out" / "data").glob("*.parquet")), timeout=60)
    workers = children(child.pid)
    os.killpg(child.pid, signal.SIGINT)  # as a terminal does: the whole foreground group
    code, err = child.wait(timeout=60), child.stderr.read()
    assert code == 130, err
    assert "interrupted; rerun the same command to resume (" in err and " shards done)" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10)


def _dies_in_a_worker(task, recipe, sources, work):
    if task.index == 1 and task.split == "train":
        os.kill(os.getpid(), signal.SIGKILL)
    return run_task(task, recipe, sources, work)


def test_a_dead_worker_is_one_message_and_the_build_resumes(tmp_path, fundus_tree, registered):
    with pytest.raises(BuildStopped, match=r"out: a worker process died while shards were being built \(killed by a "
                       r"signal .*\); rerun the same command to resume \(\d+ of \d+ shards done\)"):
        build(tmp_path, workers=2, runner=_dies_in_a_worker)
    assert build(tmp_path, workers=2).manifest.sources["csv_fundus"].rows == 20
    assert violations(tmp_path / "out") == []


def test_killing_only_the_main_process_leaves_no_worker(tmp_path, fundus_tree):
    recipe = write_recipe_file(tmp_path)
    child = driver(tmp_path, "build", str(recipe), "--quiet", "--workers", "2", delay=0.3)
    assert wait_for(lambda: len(children(child.pid)) >= 2, timeout=60)
    workers = children(child.pid)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10), "workers outlived the build"


def test_full_disk_names_the_folder_and_the_bytes_written(tmp_path, fundus_tree, monkeypatch):
    writes = []
    original = writer_module.pq.ParquetWriter.write_table

    def fills_up(self, table, *args, **kwargs):
        writes.append(table.num_rows)
        if len(writes) > 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, table, *args, **kwargs)

    monkeypatch.setattr(writer_module.pq.ParquetWriter, "write_table", fills_up)
    with pytest.raises(BuildStopped) as stopped:
        build(tmp_path)
    message = str(stopped.value)
    out = tmp_path / "out"
    assert message.startswith(f"{out}: disk full (no space left on device) after writing ")
    written = int(message.split("after writing ")[1].split(" bytes")[0].replace(",", ""))
    assert written > 0 and "rerun the same command to resume (" in message and "\n" not in message


def test_unwritable_output_is_one_line(tmp_path, fundus_tree, monkeypatch):
    out = tmp_path / "locked" / "out"
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if out in (self, *self.parents):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(BuildStopped, match=r"out/.mgll-build: cannot write the output folder \(Permission denied\)"):
        build(tmp_path, out="locked/out")


@pytest.mark.parametrize("problem", ["not-utf8", "unreadable"])
def test_bad_recipe_file_is_one_line_exit_2(tmp_path, monkeypatch, capsys, problem):
    recipe = tmp_path / "recipe.yaml"
    if problem == "not-utf8":
        recipe.write_bytes("name: caf\u00e9\n".encode("latin-1"))
        expected = "recipe.yaml: not UTF-8 text (byte 9); save the file as UTF-8 YAML"
    else:
        recipe.write_text("name: x\n")
        real_read = Path.read_text
        monkeypatch.setattr(
            Path, "read_text",
            lambda self, *a, **k: (_ for _ in ()).throw(PermissionError(errno.EACCES, "Permission denied"))
            if self == recipe else real_read(self, *a, **k),
        )
        expected = "recipe.yaml: cannot be read (Permission denied); expected a readable YAML file"
    monkeypatch.setattr("sys.argv", ["mgll-data", "build", str(recipe)])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    err = " ".join(capsys.readouterr().err.split())
    assert stop.value.code == 2 and expected in err and "Traceback" not in err


# --- 4. duplicates found while planning ---


def test_the_same_image_under_two_ids_is_a_duplicate_image_reject(tmp_path, registered):
    class TwoIds(CsvSource):
        def records(self):
            for record in super().records():
                yield record
                if record.native_id == "a":
                    yield dataclasses.replace(record, native_id="a-again", source_entry="9")

    write_tree(tmp_path / "fundus", [{"image": "a.png", "patient": "P0", "labels": "glaucoma"}])
    result = run_build(recipe_for(tmp_path), [TwoIds(tmp_path / "fundus")], tmp_path / "out")
    (reject,) = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    assert (reject["stage"], reject["reason"], reject["record_id"]) == ("plan", "duplicate_image", "csv_fundus/a-again")
    assert reject["detail"] == "index.csv:9 lists the image of csv_fundus/a (index.csv:2, kept)"
    assert violations(result.out_dir) == []


# --- 5. resource guards ---


def _dicom(path: Path, rows: int, columns: int, frames: int = 1, pixel_bytes: bytes = b"\0" * 16) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, columns, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = pixel_bytes
    ds.save_as(path, enforce_file_format=True)
    return path


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header promises width x height 8-bit gray pixels, with a tiny (truncated) data stream."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    return path


def test_huge_images_are_rejected_from_their_header_before_decoding(tmp_path):
    policy = ImagePolicy()
    huge = (_dicom(tmp_path / "zeros.dcm", 20_000, 20_000), _png_header_only(tmp_path / "huge.png", 20_000, 20_000))
    for path in huge:
        with pytest.raises(ImageRejected) as rejected:
            process_image(path, "cxr", policy)
        assert rejected.value.reason == "too_large"
        assert "400,000,000 pixels from the header, over image.max_pixels 40,000,000" in rejected.value.detail
    frames = _dicom(tmp_path / "frames.dcm", 4000, 4000, frames=3)
    with pytest.raises(ImageRejected, match="48,000,000 pixels"):
        process_image(frames, "cxr", policy)


def test_the_default_limit_admits_a_two_frame_4000_square_16_bit_image(tmp_path):
    pixels = (np.arange(2 * 4000 * 4000, dtype=np.uint32) % 4096).astype("<u2").tobytes()
    path = _dicom(tmp_path / "big.dcm", 4000, 4000, frames=2, pixel_bytes=pixels)
    processed = process_image(path, "cxr", ImagePolicy(size=64))
    assert (processed.width, processed.height) == (64, 64)


# --- 3/8. inputs recognised by content, reasons that say what happened ---


def test_dicom_is_recognised_by_content_whatever_its_name(tmp_path):
    pixels = (np.arange(64, dtype=np.uint16) * 100).astype("<u2").tobytes()
    plain = _dicom(tmp_path / "IM000001", 8, 8, pixel_bytes=pixels)
    vindr = _dicom(tmp_path / "scan.dicom", 8, 8, pixel_bytes=pixels)
    for path in (plain, vindr):
        assert process_image(path, "cxr", ImagePolicy(size=None, geometry="none")).width == 8
    tiny_png(tmp_path / "photo.png", seed=1)
    (tmp_path / "photo.dcm").write_bytes((tmp_path / "photo.png").read_bytes())
    assert process_image(tmp_path / "photo.dcm", "fundus", ImagePolicy(size=16)).width == 16
    (tmp_path / "noise.dcm").write_bytes(random.Random(0).randbytes(4096))
    with pytest.raises(ImageRejected) as rejected:
        process_image(tmp_path / "noise.dcm", "cxr", ImagePolicy())
    assert rejected.value.reason == "unreadable"


def test_a_fifo_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(ImageRejected) as rejected:
        process_image(tmp_path / "pipe.png", "fundus", ImagePolicy())
    assert rejected.value.reason == "not_a_regular_file"


# --- 6. no absolute input path in the output ---


def test_no_absolute_input_path_reaches_rejects_manifest_or_card(tmp_path, registered):
    rows = patient_rows(3, 1) + [{"image": "junk.png", "patient": "X", "labels": "glaucoma", "status": "broken"}]
    write_tree(tmp_path / "fundus", rows)
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": str(tmp_path / "fundus")}])
    result = run_build(recipe, [CsvSource(tmp_path / "fundus")], tmp_path / "out")
    published = [
        (result.out_dir / "manifest.json").read_text(),
        (result.out_dir / "README.md").read_text(),
        json.dumps(pq.read_table(result.out_dir / "rejects.parquet").to_pylist()),
        json.dumps([r["provenance"] for s in (result.out_dir / "data").glob("*.parquet")
                    for r in pq.read_table(s, columns=["provenance"]).to_pylist()]),
    ]
    assert not [text for text in published if str(tmp_path) in text]
    assert json.loads(published[0])["sources"]["csv_fundus"]["root"] == "<local>/fundus"
    assert "images/junk.png" in published[2]
    assert violations(result.out_dir) == []


# --- 9. kill -9 at seeded random moments, then resume ---


def test_kill_9_at_seeded_moments_resumes_without_loss_duplicates_or_differences(tmp_path, fundus_tree, registered):
    reference_out = build(tmp_path, out="reference").out_dir
    reference = row_hashes(reference_out)
    reference_shards = json.loads((reference_out / "manifest.json").read_text())["shards"]
    recipe = write_recipe_file(tmp_path)
    schedule = random.Random(20261201)
    for _ in range(3):
        child = driver(tmp_path, "build", str(recipe), "--quiet", "--workers", "2", delay=0.05)
        time.sleep(schedule.uniform(1.0, 4.0))
        workers = children(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10)  # noqa: B023
    final = driver(tmp_path, "build", str(recipe), "--quiet")
    assert final.wait(timeout=120) == 0, final.stderr.read()
    assert row_hashes(tmp_path / "out") == reference
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["shards"] == reference_shards
    assert violations(tmp_path / "out") == []


# --- 7. the folder source: every input is a row or a reject, identifiers stay out of the output ---


def _patient_dicom(path: Path, patient: str, accession: str, seed: int) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 4096, (8, 8)).astype("<u2").tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    _dicom(path, 8, 8, pixel_bytes=pixels)
    ds = pydicom.dcmread(path)
    ds.PatientID, ds.AccessionNumber, ds.PatientName = patient, accession, "Doe^Jane"
    ds.save_as(path)
    return path


def folder_recipe(tmp_path, **options):
    return make_recipe(
        tmp_path, [{"name": "folder", "root": "tree", "options": {"modality": "cxr", **options}}], split={"seed": 3}
    )


def folder_build(tmp_path, **options):
    recipe = folder_recipe(tmp_path, **options)
    source = FolderSource(tmp_path / "tree", **recipe.sources[0].options)
    return run_build(recipe, [source], tmp_path / "out")


def test_folder_walk_lists_every_file_as_a_row_or_a_reject(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    tiny_png(tree / "Cardiomegaly" / "a.png", seed=1)
    Image.open(tree / "Cardiomegaly" / "a.png").save(tree / "Cardiomegaly" / "b.tif")
    Image.open(tree / "Cardiomegaly" / "a.png").save(tree / "Cardiomegaly" / "c.TIFF")
    _dicom(tree / "dicom" / "IMAGE_A", 8, 8, pixel_bytes=b"\1\0" * 64)
    _dicom(tree / "dicom" / "vindr.dicom", 8, 8, pixel_bytes=b"\2\0" * 64)
    tiny_png(tmp_path / "elsewhere" / "linked.png", seed=2)
    (tree / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tree / "dicom" / "loop").symlink_to(tree, target_is_directory=True)
    (tree / "gone.png").symlink_to(tmp_path / "nowhere.png")
    (tree / "self.png").symlink_to(tree / "self.png")
    (tree / "notes.txt").write_text("no image")
    (tree / "locked").mkdir()
    tiny_png(tree / "locked" / "hidden_from_us.png", seed=3)
    bad_name = os.fsdecode(b"caf\xe9.png")
    tiny_png(tree / bad_name, seed=4)
    real_scandir = os.scandir

    def denied(path="."):
        if Path(os.fsdecode(path)) == tree / "locked":
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    items = list(FolderSource(tree, modality="cxr").records())
    rows = sorted(r.native_id for r in items if not isinstance(r, mgll_data.sources.Reject))
    rejects = sorted((r.item, r.reason) for r in items if isinstance(r, mgll_data.sources.Reject))
    assert rows == sorted([
        "Cardiomegaly/a.png", "Cardiomegaly/b.tif", "Cardiomegaly/c.TIFF", "dicom/IMAGE_A", "dicom/vindr.dicom",
        "linked/linked.png", "caf\\xe9.png",
    ])
    assert rejects == sorted([
        ("dicom/loop", "symlink_loop"), ("gone.png", "broken_link"), ("locked", "permission_denied"),
        ("notes.txt", "not_an_image"), ("self.png", "broken_link"),
    ])


def test_folder_csv_paths_leaving_the_root_are_rejects(tmp_path):
    tiny_png(tmp_path / "tree" / "in.png", seed=1)
    tiny_png(tmp_path / "outside.png", seed=2)
    (tmp_path / "tree" / "list.csv").write_text(
        f"path,labels\nin.png,cardiomegaly\n../outside.png,cardiomegaly\n{tmp_path / 'outside.png'},cardiomegaly\n"
    )
    items = list(FolderSource(tmp_path / "tree", modality="cxr", csv="list.csv").records())
    assert [getattr(r, "native_id", None) or (r.item, r.reason) for r in items] == [
        "in.png", ("list.csv:row 3", "outside_root"), ("list.csv:row 4", "outside_root"),
    ]


def test_folder_dicom_patient_key_is_the_salted_patient_id_and_no_identifier_leaves(tmp_path):
    files = [f"12345678/ACC99881/IM{i:06d}" for i in range(5)] + ["87654321/ACC11112/IM000000"]
    for i, name in enumerate(files):
        patient, accession = name.split("/")[:2]
        _patient_dicom(tmp_path / "tree" / name, patient, accession, i)
    with pytest.raises(MgllError, match="option patient_salt is required: the DICOM PatientID"):
        list(FolderSource(tmp_path / "tree", modality="cxr").records())
    walked = list(FolderSource(tmp_path / "tree", modality="cxr", patient_salt="hospital secret").records())
    assert len({r.patient_id for r in walked}) == 2  # five images of one patient are one patient
    assert not [r for r in walked if "12345678" in r.id or "ACC99881" in r.id or "87654321" in r.id]

    (tmp_path / "tree" / "list.csv").write_text("path,labels\n" + "".join(f"{n},cardiomegaly\n" for n in files))
    result = folder_build(tmp_path, csv="list.csv", patient_salt="hospital secret")
    rows = [r for s in sorted((result.out_dir / "data").glob("*.parquet")) for r in pq.read_table(s).to_pylist()]
    assert len(rows) == 6 and len({(r["patient_id"], r["split"]) for r in rows}) == 2  # one split per patient
    published = "".join(path.read_text(errors="replace") for path in result.out_dir.glob("*.json")) + json.dumps(
        [{k: v for k, v in r.items() if k != "image"} | {"path": r["image"]["path"]} for r in rows], default=str
    ) + (result.out_dir / "README.md").read_text()
    for identifier in ("12345678", "ACC99881", "87654321", "Doe", "hospital secret"):
        assert identifier not in published, identifier
    assert violations(result.out_dir) == []
    kept = list(FolderSource(tmp_path / "tree", modality="cxr", patient_salt="s", deidentified=True).records())
    assert "folder/12345678/ACC99881/IM000001" in {r.id for r in kept if not isinstance(r, mgll_data.sources.Reject)}


# --- 4/5. odir and iu_xray: images listed twice, oversized report members ---


def test_odir_image_listed_under_another_patient_is_a_reject_naming_both_entries(tmp_path):
    root = tmp_path / "odir"
    root.mkdir()
    write_odir_tree(root, seed=1)
    with (root / "full_df.csv").open(newline="", encoding="utf-8") as handle:
        first = list(csv.reader(handle))[1]
    with (root / "full_df.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["9999", *first[1:]])  # patient 9999 lists patient 0's two images again
    items = list(OdirSource(root).records())
    repeats = [(r.item, r.detail) for r in items if getattr(r, "reason", None) == "duplicate_image"]
    rows = len((root / "full_df.csv").read_text(encoding="utf-8").splitlines())
    assert [item for item, _ in repeats] == [first[3], first[4]]
    assert repeats[0][1].startswith(f"row {rows} L lists the image of row 2 L again")
    assert repeats[1][1].startswith(f"row {rows} R lists the image of row 2 R again")


def test_iu_xray_report_member_over_the_limit_is_rejected_unread(tmp_path):
    root = tmp_path / "iu"
    root.mkdir()
    write_iu_tree(root, seed=1)
    archive = root / "NLMCXR_reports.tgz"
    with tarfile.open(archive) as source:
        members = [(m, source.extractfile(m).read() if m.isfile() else None) for m in source.getmembers()]
    huge = tarfile.TarInfo("ecgen-radiology/999.xml")
    huge.size = 1_500_000
    with tarfile.open(archive, "w:gz") as rewritten:
        for member, data in members:
            rewritten.addfile(member, io.BytesIO(data) if data is not None else None)
        rewritten.addfile(huge, io.BytesIO(b"<eCitation>" + b" " * (huge.size - 11)))
    rejects = [r for r in IuXraySource(root).records() if isinstance(r, mgll_data.sources.Reject)]
    detail = "1,500,000 bytes, over max_report_bytes 1,000,000 (iu_xray.yaml)"
    assert ("ecgen-radiology/999.xml", "too_large", detail) in [(r.item, r.reason, r.detail) for r in rejects]
