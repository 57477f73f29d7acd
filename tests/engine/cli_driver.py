"""`mgll-data` in a child process with the fixture adapter (build_fixtures.CsvSource) behind every source name,
for tests that race, interrupt or kill real build processes.

    python cli_driver.py [--delay SECONDS] build RECIPE [--out DIR] [--workers N] ...

`--delay` sleeps before each image is processed, so a signal sent by the test lands mid-build.
"""

from __future__ import annotations

import sys
import time

from build_fixtures import CsvSource

from mgll_data import cli
from mgll_data.engine import flow as engine
from mgll_data.engine import task


def main(argv: list[str]) -> None:
    delay = 0.0
    if argv[:1] == ["--delay"]:
        delay, argv = float(argv[1]), argv[2:]
    engine.get_source = lambda name: CsvSource
    if delay:
        process = task.process_image

        def slow(*args, **kwargs):
            time.sleep(delay)
            return process(*args, **kwargs)

        task.process_image = slow
    sys.argv = ["mgll-data", *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
