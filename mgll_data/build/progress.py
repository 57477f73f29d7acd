"""Rich progress bars for a build, with one switch to turn them (and all build messages) off."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class BuildProgress:
    """Planning counter, then a task bar that also counts rows.

    `quiet` silences bars and messages; otherwise messages always print and bars show on a terminal
    (`bars=None`) or as forced.
    """

    def __init__(self, quiet: bool = False, console: Console | None = None, bars: bool | None = None):
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.bars = not quiet and (self.console.is_terminal if bars is None else bars)
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
        self._planning = None
        self._tasks = None
        self._rows = 0

    def __enter__(self) -> BuildProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def log(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message, highlight=False, markup=False)

    def start_planning(self) -> None:
        self._planning = self._progress.add_task("planning: records read", total=None, detail="")

    def record_read(self) -> None:
        self._progress.advance(self._planning)

    def start_tasks(self, total: int, already_done: int) -> None:
        self._progress.update(self._planning, total=self._progress.tasks[self._planning].completed)
        self._tasks = self._progress.add_task(
            "shards", total=total, completed=already_done, detail=f"{already_done} reused"
        )

    def task_done(self, rows: int) -> None:
        self._rows += rows
        self._progress.update(self._tasks, advance=1, detail=f"{self._rows} rows written")
