"""Image buffers stay in the heap between images: the thresholds are set once per process, by every task."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from mgll_data.engine import heap


def test_thresholds_are_set_through_mallopt_once(monkeypatch) -> None:
    calls: list[tuple[int, int]] = []

    class FakeLibc:
        def mallopt(self, parameter: int, value: int) -> int:
            calls.append((parameter, value))
            return 1

    monkeypatch.setattr(heap.ctypes, "CDLL", lambda name: FakeLibc())
    heap.keep_freed_buffers.cache_clear()
    assert heap.keep_freed_buffers() is True and heap.keep_freed_buffers() is True
    assert calls == [(-3, heap.MMAP_ABOVE), (-1, heap.TRIM_ABOVE)]
    heap.keep_freed_buffers.cache_clear()


def test_a_c_library_without_mallopt_is_left_alone(monkeypatch) -> None:
    monkeypatch.setattr(heap.ctypes, "CDLL", lambda name: object())
    heap.keep_freed_buffers.cache_clear()
    assert heap.keep_freed_buffers() is False
    heap.keep_freed_buffers.cache_clear()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds() -> None:
    code = "from mgll_data.engine.heap import keep_freed_buffers; print(keep_freed_buffers())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_every_task_sets_them_first(monkeypatch) -> None:
    from mgll_data.engine import task as task_module

    class Called(Exception):
        pass

    def called() -> bool:
        raise Called

    monkeypatch.setattr(task_module, "keep_freed_buffers", called)
    with pytest.raises(Called):
        task_module.run_task(None, None, {}, None)  # type: ignore[arg-type]
