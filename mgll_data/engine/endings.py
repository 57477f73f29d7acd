"""How a build that stops early says so: one line naming the cause and how to resume, never a traceback.

A stopped build is always resumable (completed shards are kept with their completion records), so every
message ends with the same instruction and how far the build got.
"""

from __future__ import annotations

import errno
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mgll_data.errors import MgllError

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


class BuildStopped(MgllError):
    """A build that ended before its manifest; `exit_code` is what the CLI exits with."""

    exit_code = 2


class BuildInterrupted(BuildStopped):
    """Ctrl-C: the conventional exit code of a SIGINT."""

    exit_code = 130


class BuildTerminated(BuildStopped):
    """SIGTERM (a scheduler's preemption, `kill`): 128 + 15, the conventional exit code."""

    exit_code = 143


class Terminated(KeyboardInterrupt):
    """Raised in the build's main thread by SIGTERM, so it unwinds exactly like Ctrl-C (workers stopped, lock
    released, completed shards kept)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM ends the build like Ctrl-C (outside the main thread, signals stay as they are)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class WorkerLost(MgllError):
    """A pool worker process died (killed by a signal, the out-of-memory killer, ...) while building a shard."""


def folder_bytes(folder: Path) -> int:
    """Bytes held by regular files under `folder` (what this build wrote there so far)."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def _resume(done: int, total: int | None) -> str:
    where = f"{done} of {total} shards done" if total is not None else "stopped while planning, no shard written"
    return f"rerun the same command to resume ({where})"


def _is_disk_full(error: OSError) -> bool:
    return error.errno in DISK_FULL or "No space left on device" in str(error)


def explain(error: BaseException, out: Path, done: int, total: int | None) -> BuildStopped | None:
    """The one-line ending for `error`, or None when it is not a known way for a build to stop (a bug)."""
    if isinstance(error, Terminated):
        return BuildTerminated(f"terminated (SIGTERM); {_resume(done, total)}")
    if isinstance(error, KeyboardInterrupt):
        return BuildInterrupted(f"interrupted; {_resume(done, total)}")
    if isinstance(error, WorkerLost):
        return BuildStopped(f"{out}: {error}; {_resume(done, total)}")
    if isinstance(error, OSError) and _is_disk_full(error):
        written = folder_bytes(out)
        return BuildStopped(
            f"{out}: disk full (no space left on device) after writing {written:,} bytes ({written / 2**20:.1f} MiB) "
            f"into this folder; free space or choose --out on a larger disk, then {_resume(done, total)}"
        )
    if isinstance(error, OSError) and error.errno in NOT_WRITABLE and error.filename is not None:
        path, folder = Path(str(error.filename)).resolve(), out.resolve()
        if path == folder or folder in path.parents:
            return BuildStopped(f"{path}: cannot write the output folder ({error.strerror}); choose a writable --out")
    return None
