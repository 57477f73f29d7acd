"""Build progress for people and for logs, with one switch to turn it (and all build messages) off.

On a terminal: rich bars. Anywhere else (a pipe, CI, a cluster log): plain lines at a fixed interval with
records read, shards done, rows, images per second and an ETA, so a log shows the build moving long before
the summary. `quiet` silences both.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from mgll_data.durations import format_duration

LOG_INTERVAL_S = 10.0


class BuildProgress:
    """Planning counter, then a task bar that also counts rows.

    `quiet` silences bars, lines and messages; otherwise messages always print, bars show on a terminal
    (`bars=None`) or as forced, and plain lines every `interval` seconds replace them elsewhere.
    """

    def __init__(
        self,
        quiet: bool = False,
        console: Console | None = None,
        bars: bool | None = None,
        interval: float = LOG_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.bars = not quiet and (self.console.is_terminal if bars is None else bars)
        self.lines = not quiet and not self.bars
        self.interval, self.clock = interval, clock
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.bars,
        )
        self._planning: TaskID | None = None
        self._tasks: TaskID | None = None
        self._rows = 0
        self._records = 0
        self._total = self._done = self._reused = 0
        self._started = self._tasks_started = self._last_line = clock()

    def __enter__(self) -> BuildProgress:
        self._started = self._last_line = self.clock()
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    @property
    def rows_written(self) -> int:
        return self._rows

    def elapsed(self) -> float:
        return self.clock() - self._started

    def log(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message, highlight=False, markup=False)

    def _line(self, message: str, force: bool = False) -> None:
        now = self.clock()
        if self.lines and (force or now - self._last_line >= self.interval):
            self._last_line = now
            self.console.print(f"[{format_duration(self.elapsed())}] {message}", highlight=False, markup=False)

    def start_planning(self) -> None:
        self._planning = self._progress.add_task("planning: records read", total=None, detail="")

    def record_read(self) -> None:
        self._records += 1
        if self._planning is not None:
            self._progress.advance(self._planning)
        self._line(f"planning: {self._records} records read")

    def start_tasks(self, total: int, already_done: int) -> None:
        if self._planning is not None:
            self._progress.update(self._planning, total=self._progress.tasks[self._planning].completed)
        self._tasks = self._progress.add_task(
            "shards", total=total, completed=already_done, detail=f"{already_done} reused"
        )
        self._total, self._done, self._reused = total, already_done, already_done
        self._tasks_started = self.clock()
        self._line(f"planned {self._records} records into {total} shards ({already_done} reused)", force=True)

    def task_done(self, rows: int) -> None:
        self._rows += rows
        self._done += 1
        if self._tasks is not None:
            self._progress.update(self._tasks, advance=1, detail=f"{self._rows} rows written")
        spent = max(self.clock() - self._tasks_started, 1e-9)
        built = self._done - self._reused
        eta = spent / built * (self._total - self._done)
        self._line(
            f"shards {self._done}/{self._total}, {self._rows} rows written, {self._rows / spent:.1f} images/s, "
            f"ETA {format_duration(eta)}",
            force=self._done == self._total,
        )
