"""The output folder's guards in an object store (a real S3 server): one build at a time through a lock object
created only if absent, a lock left by a killed build taken over only when its holder is provably gone, foreign
folders refused, and clear refusals where a store or a URL cannot be used safely."""

from __future__ import annotations

import json
import os
import socket

import pytest
from s3_credentials import KEY_ID, SECRET

from mgll_data import storage
from mgll_data.engine import guard
from mgll_data.errors import MgllError
from mgll_data.output_layout import LOCK_FILE, WORK_DIR


def lock_key(bucket) -> str:
    return f"{bucket.name}/out/{WORK_DIR}/{LOCK_FILE}"


def test_a_second_build_is_refused_while_the_lock_object_is_held_and_the_lock_goes_with_the_build(bucket):
    out = storage.location(bucket.url("out"))
    with guard.build_lock(out):
        holder = json.loads(bucket.fs.cat_file(lock_key(bucket)))
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        with (
            pytest.raises(MgllError, match=r"another build is writing this folder .*--break-lock"),
            guard.build_lock(out),
        ):
            pass
        assert bucket.fs.exists(lock_key(bucket))  # the refused build did not remove the holder's lock
    assert not bucket.fs.exists(lock_key(bucket))
    with guard.build_lock(out):  # free again
        assert bucket.fs.exists(lock_key(bucket))


def test_a_lock_left_by_a_killed_build_on_this_machine_is_taken_over(bucket):
    gone = {"pid": 2**22 + 12345, "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}
    bucket.fs.pipe_file(lock_key(bucket), json.dumps(gone).encode())
    with guard.build_lock(storage.location(bucket.url("out"))):
        assert json.loads(bucket.fs.cat_file(lock_key(bucket)))["pid"] == os.getpid()


def test_a_lock_held_from_another_machine_needs_break_lock(bucket):
    other = {"pid": 1, "host": "node-elsewhere", "started": "2026-01-01T00:00:00+00:00"}
    bucket.fs.pipe_file(lock_key(bucket), json.dumps(other).encode())
    out = storage.location(bucket.url("out"))
    with pytest.raises(MgllError, match="pid 1 on node-elsewhere"), guard.build_lock(out):
        pass
    with guard.build_lock(out, break_lock=True):
        assert json.loads(bucket.fs.cat_file(lock_key(bucket)))["host"] == socket.gethostname()


def test_a_bucket_folder_holding_other_files_is_refused(bucket):
    bucket.fs.pipe_file(f"{bucket.name}/out/notes.txt", b"not ours")
    with pytest.raises(MgllError, match=r"not empty and was not written by mgll-data \(it holds notes.txt\)"):
        guard.check_claimable(storage.location(bucket.url("out")), "fixture")


def test_a_store_that_cannot_write_exclusively_is_refused_for_output():
    pytest.importorskip("upath")
    with pytest.raises(MgllError, match=r"memory://\) cannot create a file exclusively"):
        storage.create_exclusive(storage.location("memory://mgll-test/out/.mgll-build/lock"), b"{}")


def test_credentials_in_a_url_are_refused_without_repeating_them():
    with pytest.raises(MgllError, match="credentials may not be written into a URL") as refused:
        storage.location(f"s3://{KEY_ID}:{SECRET}@bucket/out")
    assert KEY_ID not in str(refused.value) and SECRET not in str(refused.value)
