"""Planning in parallel: the adapters' per-item work (MIMIC report sectioning) runs on the build's workers, the plan
is the one a single process makes, and the planner pulls a bounded window of items ahead."""

from __future__ import annotations

import dataclasses
import itertools
import os
import pickle
from pathlib import Path

import pytest
from trees.mimic_cxr import make_tree as make_mimic_tree
from trees.mimic_cxr_jpg import make_tree as make_jpg_tree

from mgll_data.engine import pool as pool_module
from mgll_data.engine.plan import load_task_records, plan_tasks
from mgll_data.engine.workdir import WorkDir
from mgll_data.recipe import parse_recipe
from mgll_data.sources.mimic_cxr import MimicCxrSource
from mgll_data.sources.mimic_cxr_jpg import MimicCxrJpgSource
from mgll_data.sources.mimic_files import ReportTree
from mgll_data.sources.pool import serial_map


def plan(tmp_path: Path, name: str, make_source, planning_workers: int) -> tuple[list[dict], str, str]:
    """Every planned record (in task order), the rejects file and the plan notes of one planning run."""
    source = make_source()
    recipe = parse_recipe({"name": name, "sources": [{"name": source.name, "root": str(source.root)}],
                           "output": {"dir": name, "shard_size": 2}}, tmp_path)  # fmt: skip
    work = WorkDir(tmp_path / name)
    work.tasks.mkdir(parents=True)
    tasks = plan_tasks([(recipe.sources[0], source)], recipe, work, "code", planning_workers=planning_workers)
    records = [dataclasses.asdict(record) for task in tasks for record in load_task_records(task)]
    return records, work.plan_rejects.read_text(encoding="utf-8"), work.plan_notes.read_text(encoding="utf-8")


@pytest.mark.parametrize("adapter", ["jpg", "jpg_zipped", "mimic_cxr_with_jpg"])
def test_two_planning_workers_plan_what_one_plans(tmp_path: Path, monkeypatch, adapter: str) -> None:
    """Chunks of 2 items, so the fixture's studies are spread over several chunks and both workers."""
    monkeypatch.setattr(pool_module, "PLANNING_CHUNK", 2)
    if adapter == "mimic_cxr_with_jpg":
        root, _ = make_mimic_tree(tmp_path / "cxr", zipped=True)
        jpg_root, _ = make_jpg_tree(tmp_path / "jpg")
        make = lambda: MimicCxrSource(root, jpg_root=str(jpg_root), labels="chexpert")  # noqa: E731
    else:
        root, options = make_jpg_tree(tmp_path / "jpg", zipped_reports=adapter == "jpg_zipped")
        make = lambda: MimicCxrJpgSource(root, **options)  # noqa: E731
    serial = plan(tmp_path, "one", make, 1)
    parallel = plan(tmp_path, "two", make, 2)
    assert serial[0] and serial[1]  # rows and rejects both present, so both orders are compared
    assert any(record["report"] for record in serial[0])
    assert parallel == serial


def test_report_tree_reopens_in_a_worker(tmp_path: Path) -> None:
    """A reports tree crosses to a worker as its root (no zip handle) and reads the same reports there."""
    root, _ = make_mimic_tree(tmp_path, zipped=True)
    tree = ReportTree(root, "mimic_cxr")
    assert tree.zip is not None
    data = pickle.dumps(tree)
    assert len(data) < 500
    reopened = pickle.loads(data)
    assert reopened is not tree and reopened.zip is not None
    assert all(reopened.read(name) == tree.read(name) for name in tree.members)


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def test_pooled_map_runs_in_workers_in_order_with_a_bounded_window(monkeypatch) -> None:
    monkeypatch.setattr(pool_module, "PLANNING_CHUNK", 3)
    pulled = itertools.count()
    items = ((n, f"payload {n}") for n in range(200) if next(pulled) >= 0)
    with pool_module.planning_map(2) as mapper:
        results = mapper(_pid_and_square, items)
        first = next(results)
        ahead = next(pulled)  # items taken from the source when the first result came back
        rest = list(results)
    assert ahead <= 3 * (2 * pool_module.CHUNKS_PER_WORKER + 1) + 1 < 200
    payloads = [first[0], *(payload for payload, _ in rest)]
    assert payloads == [f"payload {n}" for n in range(200)]
    assert [square for _, (_, square) in [first, *rest]] == [n * n for n in range(200)]
    assert os.getpid() not in {pid for _, (pid, _) in [first, *rest]}


def test_equal_consecutive_arguments_share_one_call() -> None:
    calls = []

    def work(argument: str) -> str:
        calls.append(argument)
        return argument.upper()

    items = [("a", 1), ("a", 2), ("b", 3), ("a", 4)]
    assert list(serial_map(work, items)) == [(1, "A"), (2, "A"), (3, "B"), (4, "A")]
    assert calls == ["a", "b", "a"]
    calls.clear()
    assert pool_module.call_each(work, ["a", "a", "b", "a"]) == ["A", "A", "B", "A"] and calls == ["a", "b", "a"]
