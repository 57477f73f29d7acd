"""The table `mgll-data build` prints at the end: rows per split, time and throughput, rejects by reason."""

from __future__ import annotations

from rich.table import Table

from mgll_data.durations import format_duration
from mgll_data.engine.flow import BuildResult


def summary_table(result: BuildResult) -> Table:
    manifest = result.manifest
    table = Table(title=f"{manifest.recipe['name']} -> {result.out_dir}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for split, info in manifest.splits.items():
        table.add_row(f"rows: {split}", str(info.rows))
    table.add_row("shards (built / reused)", f"{result.tasks_run} / {result.tasks_reused}")
    table.add_row("elapsed", format_duration(result.elapsed_s))
    table.add_row("images/s (rows written this run)", f"{result.rows_written / max(result.elapsed_s, 1e-9):.1f}")
    for reason, count in manifest.counts.rejects_by_reason.items():
        table.add_row(f"rejected: {reason}", str(count))
    if not manifest.counts.rejects_by_reason:
        table.add_row("rejected", "0")
    return table
