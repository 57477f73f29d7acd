"""Who may write an output folder: a marker of our own, refusals, and one build at a time.

A build deletes and rewrites shards, so pointed at the wrong folder it destroys data. It therefore
writes only into a new or empty folder, or one whose marker says it holds the same dataset; never into
an input root or around one; and only while it holds the folder's lock. The lock is an `flock` on
`.mgll-build/lock`: the kernel releases it when the holder dies, so a killed build never leaves a lock
behind on a local disk; `--break-lock` is for the case the kernel cannot see (a crashed machine on shared
storage, orphaned workers).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mgll_data import storage
from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.output_layout import (
    DATA_DIR,
    LOCK_FILE,
    MANIFEST_FILE,
    MARKER_FILE,
    STATE_FILE,
    TMP_PREFIX,
    WORK_DIR,
    parse_shard_name,
)

TOOL = "mgll-data"
# After a kill -9 of a build, its pool workers notice the dead parent within a second and exit (orphans.py);
# a rerun waits this long for them before calling the lock held.
DEAD_HOLDER_GRACE_S = 5.0


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _resolved(path: storage.AnyPath) -> storage.AnyPath:
    """A local path made absolute; an object store location as it is (two stores never overlap: their paths
    never compare equal)."""
    return path if storage.is_remote(path) else Path(path).resolve()


def refuse_overlap(out: Path, roots: Mapping[str, Path]) -> None:
    """An output inside an input root, or an input inside the output, would read what it deletes."""
    out = _resolved(out)
    for name, root in roots.items():
        root = _resolved(root)
        if _inside(out, root):
            problem = f"the output folder is inside the input root of {name} ({root})"
        elif _inside(root, out):
            problem = f"the input root of {name} ({root}) is inside the output folder"
        else:
            continue
        raise MgllError(f"{out}: {problem}; a build deletes files in its output, choose --out elsewhere")


def read_marker(out: Path) -> JsonObject | None:
    """The marker's content; None when there is none; {} when it is damaged (still ours: it is in our folder)."""
    path = out / WORK_DIR / MARKER_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def check_claimable(out: Path, dataset: str) -> None:
    """Refuse, before writing anything, a folder that is not ours or holds another dataset."""
    if out.exists() and not out.is_dir():
        raise MgllError(f"{out}: the output path is a file; expected a folder")
    marker = read_marker(out)
    if marker is None and _legacy_build_of(out) == dataset:
        return  # built by an mgll-data from before the marker: its work folder and manifest name this dataset
    if marker is None:
        # A folder holding only our work folder is a first build in progress (or one killed before its marker).
        foreign = sorted(p.name for p in out.iterdir() if p.name != WORK_DIR) if out.is_dir() else []
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise MgllError(
                f"{out}: output folder is not empty and was not written by mgll-data (it holds {shown}); "
                "choose an empty or new folder (--out)"
            )
    elif marker.get("dataset") not in (None, dataset):
        raise MgllError(
            f"{out}: holds the dataset {marker['dataset']!r}, this recipe builds {dataset!r}; "
            "choose another folder (--out) or delete this one"
        )


def refuse_foreign_files(out: Path) -> None:
    """Refuse, before writing anything, a `data/` holding files the build never writes (anything but shard-named
    Parquet files and its own `.tmp-` files): a rebuild removes stale shards there and must not take a user's
    file with them."""
    data = out / DATA_DIR
    if not data.is_dir():
        return
    foreign = sorted(
        p.name for p in data.iterdir()
        if not (p.is_file() and not p.is_symlink() and (parse_shard_name(p.name) or p.name.startswith(TMP_PREFIX)))
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise MgllError(
            f"{data}: holds {shown}, which mgll-data did not write; move it out of the folder (a rebuild replaces "
            "and removes the shards in data/)"
        )


def _legacy_build_of(out: Path) -> str | None:
    """The dataset name in the manifest of a folder that also holds our work state, else None."""
    if not (out / WORK_DIR / STATE_FILE).is_file():
        return None
    try:
        name = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))["recipe"]["name"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def write_marker(out: Path, dataset: str) -> None:
    path = out / WORK_DIR / MARKER_FILE
    if read_marker(out):
        return
    path.write_text(json.dumps({"tool": TOOL, "dataset": dataset, "created": _now()}) + "\n", encoding="utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _holder(path: Path) -> JsonObject:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _describe(holder: JsonObject) -> str:
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')}"


_HELD: set[int] = set()


def held_lock_fds() -> frozenset[int]:
    """Descriptors of locks this process holds; forked pool workers close their copies (orphans.init_worker),
    so the lock ends with the build process, whatever its workers do."""
    return frozenset(_HELD)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _refuse_breaking_a_live_lock(out: Path, path: Path) -> None:
    """--break-lock is for a holder that is gone; a build alive on this host keeps its lock (taking it over would
    have two builds replace the same shards)."""
    holder = _holder(path)
    if holder.get("host") != socket.gethostname() or not _pid_alive(holder.get("pid")):
        return
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return
    try:
        held = not _try_lock(fd)
    finally:
        os.close(fd)
    if held:
        raise MgllError(
            f"{out}: --break-lock refused: the build holding this folder is alive on this host ({_describe(holder)}); "
            "wait for it to end or stop it first"
        )


@contextmanager
def build_lock(out: Path, break_lock: bool = False) -> Iterator[None]:
    """Hold `OUT/.mgll-build/lock` for the duration of the block; refuse with the holder's pid, host and start.

    `break_lock` removes the lock file first, so the new build locks a fresh file whatever holds the old one.
    """
    path = out / WORK_DIR / LOCK_FILE
    if storage.is_remote(out):
        with _object_lock(out, path, break_lock):
            yield
        return
    if break_lock:
        _refuse_breaking_a_live_lock(out, path)
        path.unlink(missing_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            holder = _holder(path)
            orphaned = holder.get("host") == socket.gethostname() and not _pid_alive(holder.get("pid"))
            deadline = time.monotonic() + (DEAD_HOLDER_GRACE_S if orphaned else 0)
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    gone = " (that process is gone; its workers still hold the lock)" if orphaned else ""
                    raise MgllError(
                        f"{out}: another build is writing this folder ({_describe(holder)}){gone}; wait for it to "
                        "end, or, if it is gone for good (a crashed machine), rerun with --break-lock"
                    )
                time.sleep(0.1)
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}) + "\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode(), 0)
        _HELD.add(fd)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)


@contextmanager
def _object_lock(out: storage.AnyPath, path: storage.AnyPath, break_lock: bool) -> Iterator[None]:
    """The lock in an object store: a lock object created only if absent (a conditional PUT), deleted at the end.

    No kernel releases it when its holder dies, so a killed build leaves it behind: a rerun on the same machine
    takes it over once that process is gone; from another machine, `--break-lock` does, after the user checked
    that the holder is gone for good.
    """
    if break_lock:
        path.unlink(missing_ok=True)
    info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}) + "\n"
    if not storage.create_exclusive(path, info.encode()):
        holder = _holder(path)
        orphaned = holder.get("host") == socket.gethostname() and not _pid_alive(holder.get("pid"))
        if orphaned:
            path.unlink(missing_ok=True)
        if not (orphaned and storage.create_exclusive(path, info.encode())):
            raise MgllError(
                f"{out}: another build is writing this folder ({_describe(holder)}); wait for it to end, or, if it is "
                "gone for good (a killed build on another machine leaves its lock in an object store), rerun with "
                "--break-lock"
            )
    try:
        yield
    finally:
        if _holder(path) == json.loads(info):  # still ours (not taken over with --break-lock meanwhile)
            path.unlink(missing_ok=True)
