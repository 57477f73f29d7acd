"""Pool workers that never outlive the build: each watches its parent and exits when the parent is gone.

Killing only the main process (kill -9, a crashed terminal) would otherwise leave workers idle forever,
holding memory. A forked worker closes its copy of the output folder's lock, so the lock ends with the build
process. Workers also ignore Ctrl-C: the main process owns the ending
(one message, workers stopped), so the terminal does not fill with a traceback per worker.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from mgll_data.engine.guard import held_lock_fds

POLL_S = 0.5


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    os._exit(1)  # the parent is gone; nothing here is worth finishing (the shard is written atomically or not)


def init_worker(parent: int) -> None:
    """Pool initializer: `parent` is the build process's pid, read before the pool starts."""
    for fd in held_lock_fds():
        os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the build's own SIGTERM handler is for its main process only
    threading.Thread(target=_watch, args=(parent,), name="mgll-parent-watch", daemon=True).start()
