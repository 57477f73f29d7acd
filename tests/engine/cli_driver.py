"""`mgll-data` in a child process with the fixture adapter (build_fixtures.CsvSource) behind every source name,
for tests that race, interrupt or kill real build processes.

    python cli_driver.py [--delay SECONDS] [--trace FILE] build RECIPE [--out DIR] [--workers N] ...

`--delay` sleeps before each image is processed, so a signal sent by the test lands mid-build. `--trace`
appends `<ray node id> <shard>` for each task a Ray worker starts (where tasks ran on a cluster); on Ray the
delay is applied inside the workers, which do not share this process's patches.
"""

from __future__ import annotations

import sys
import time

from build_fixtures import CsvSource

from mgll_data import cli
from mgll_data.engine import flow as engine
from mgll_data.engine import opening, task


def on_ray_worker(runner, delay: float, trace: str | None):
    """Wrap a task runner so that, in a Ray worker, images are slowed by `delay` and each task is traced.

    Defined in __main__, so Ray pickles it by value; `runner` (mgll_data's run_task) travels by reference."""

    def run(shard_task, recipe, sources, work):
        import ray

        from mgll_data.engine import task as module

        if delay and not getattr(module, "slowed_for_test", False):
            process = module.process_image

            def slow(*args, **kwargs):
                time.sleep(delay)
                return process(*args, **kwargs)

            module.process_image, module.slowed_for_test = slow, True
        if trace:
            with open(trace, "a") as handle:
                handle.write(f"{ray.get_runtime_context().get_node_id()} {shard_task.shard_name}\n")
        return runner(shard_task, recipe, sources, work)

    return run


def main(argv: list[str]) -> None:
    delay, trace = 0.0, None
    while argv[:1] in (["--delay"], ["--trace"]):
        if argv[0] == "--delay":
            delay = float(argv[1])
        else:
            trace = argv[1]
        argv = argv[2:]
    opening.get_source = lambda name: CsvSource
    if "ray" in argv:
        run_tasks = engine.run_tasks

        def traced(backend, tasks, recipe, sources, work, workers=1, runner=task.run_task, address=None):
            wrapped = on_ray_worker(runner, delay, trace)
            return run_tasks(backend, tasks, recipe, sources, work, workers, wrapped, address)

        engine.run_tasks = traced
    elif delay:
        process = task.process_image

        def slow(*args, **kwargs):
            time.sleep(delay)
            return process(*args, **kwargs)

        task.process_image = slow
    sys.argv = ["mgll-data", *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
