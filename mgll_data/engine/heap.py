"""Freed image buffers stay in the process for the next image instead of going back to the system.

A task allocates and frees buffers of several megabytes per image (file bytes, decoded and resampled pixels,
encoded output). glibc hands each buffer above 128 KiB back to the system when it is freed, and the next image
then takes fresh pages, each zeroed by the kernel on first touch: on 2048 px DICOMs that was a tenth of the CPU of
a build. Raising glibc's mmap and trim thresholds keeps such buffers in the heap for reuse. The cost is that
up to `TRIM_ABOVE` of freed memory stays with the process. Elsewhere than glibc this is a no-op.
"""

from __future__ import annotations

import ctypes
import functools

MMAP_ABOVE = 32 << 20  # buffers up to this size come from the heap (glibc's largest allowed mmap threshold)
TRIM_ABOVE = 64 << 20  # free heap kept before the top is returned to the system
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h


@functools.cache
def keep_freed_buffers() -> bool:
    """Set the thresholds once per process (workers forked after it inherit them); True when they were set."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this interpreter runs on; only glibc's has mallopt
    except (OSError, TypeError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_ABOVE) and mallopt(_M_TRIM_THRESHOLD, TRIM_ABOVE))
