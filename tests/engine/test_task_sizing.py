"""Tasks sized for the workers: every worker stays busy to the end whatever `shard_size` says, the plan is
deterministic, and backends hand out a bounded window of tasks, largest first."""

from __future__ import annotations

import heapq
import itertools
from pathlib import Path

import pytest
from build_fixtures import CsvSource, make_recipe, write_tree

from mgll_data.engine import backends
from mgll_data.engine import pool as pool_module
from mgll_data.engine.plan import TASKS_PER_WORKER, load_task_records, plan_tasks
from mgll_data.engine.workdir import WorkDir
from mgll_data.errors import RecipeError


def issue_tree(root: Path) -> Path:
    """1,000 records with official splits 802 / 116 / 82 (the counts of the measured ODIR build); planning
    never opens the images, so none are written."""
    counts = {"train": 802, "validation": 116, "test": 82}
    rows = [
        {"image": f"{split}_{i:04d}.png", "patient": f"{split}{i}", "split": split, "status": "missing"}
        for split, n in counts.items()
        for i in range(n)
    ]
    return write_tree(root, rows)


def plan(tmp_path: Path, out: str, workers: int, shard_size: int = 1000):
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "tree"}], output={"shard_size": shard_size})
    work = WorkDir(tmp_path / out)
    work.prepare(recipe.content_hash(), "code")
    return plan_tasks([(recipe.sources[0], CsvSource(tmp_path / "tree"))], recipe, work, "code", workers=workers)


def makespan(sizes: list[int], workers: int) -> int:
    """When the last of `workers` finishes, each taking the next task as it frees up."""
    finish = [0] * workers
    for size in sizes:
        heapq.heappush(finish, heapq.heappop(finish) + size)
    return max(finish)


def test_one_worker_keeps_one_shard_per_split(tmp_path):
    issue_tree(tmp_path / "tree")
    assert [(t.split, t.rows) for t in plan(tmp_path, "one", workers=1)] == [
        ("train", 802), ("validation", 116), ("test", 82)
    ]


@pytest.mark.parametrize("workers", [2, 3, 8])
def test_tasks_keep_every_worker_busy_to_the_end(tmp_path, workers):
    issue_tree(tmp_path / "tree")
    tasks = plan(tmp_path, "many", workers)
    sizes = [task.rows for task in backends.largest_first(tasks)]
    assert sum(sizes) == 1000 and max(sizes) <= -(-1000 // (workers * TASKS_PER_WORKER))
    assert makespan(sizes, workers) <= 1.1 * 1000 / workers  # the unsplit plan: 802 / (1000 / workers)
    assert makespan([802, 116, 82], workers) >= 1.6 * 1000 / workers


def test_plan_is_deterministic_and_keeps_record_order(tmp_path):
    issue_tree(tmp_path / "tree")
    first, second = plan(tmp_path, "a", workers=2), plan(tmp_path, "b", workers=2)
    assert [t.key for t in first] == [t.key for t in second]
    assert [t.shard_name for t in first] == [t.shard_name for t in second]
    train = [r.native_id for t in first if t.split == "train" for r in load_task_records(t)]
    assert train == [f"train_{i:04d}" for i in range(802)]
    tasks = tmp_path / "a" / ".mgll-build" / "tasks"
    assert sorted(p.name for p in tasks.iterdir() if p.suffix != ".json") == [
        "test.records", "train.records", "validation.records"
    ]  # one file per split, each record written once; tasks are byte ranges of it (plan-notes.json beside them)


def test_tasks_are_contiguous_byte_ranges_holding_every_record_once(tmp_path, monkeypatch):
    """Records cross to a worker once: the planner pickles each record once into its split's file (no spill
    re-read and re-written), and the tasks' byte ranges tile that file; each record's task-key digest is
    its canonical JSON, as a plain `dataclasses.asdict` computes it."""
    import dataclasses
    import hashlib
    import json
    import pickle

    from mgll_data.engine import plan as plan_module

    dumps = []
    real_dumps = pickle.dumps
    monkeypatch.setattr(plan_module.pickle, "dumps", lambda obj, **kw: dumps.append(obj) or real_dumps(obj, **kw))
    issue_tree(tmp_path / "tree")
    tasks = plan(tmp_path, "ranges", workers=3)
    assert len(dumps) == 1000 and len({id(r) for r in dumps}) == 1000  # each record pickled exactly once
    for split in ("train", "validation", "test"):
        ranges = [(t.start, t.end) for t in tasks if t.split == split]
        size = (tmp_path / "ranges" / ".mgll-build" / "tasks" / f"{split}.records").stat().st_size
        assert ranges[0][0] == 0 and ranges[-1][1] == size
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    loaded = [r for t in tasks for r in load_task_records(t)]
    assert [r.id for r in loaded] == [r.id for r in dumps]
    reference = json.dumps(dataclasses.asdict(loaded[0]), sort_keys=True, default=str).encode()
    assert plan_module._record_digest(loaded[0]) == hashlib.sha256(reference).digest()


def test_shard_size_stays_the_upper_bound(tmp_path):
    issue_tree(tmp_path / "tree")
    assert max(t.rows for t in plan(tmp_path, "small", workers=2, shard_size=40)) == 40


class InlinePool:
    """A stand-in for ProcessPoolExecutor that runs each task at submit and counts submissions."""

    submitted = 0

    def __init__(self, max_workers: int, **_pool_options):
        self.max_workers = max_workers

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        from concurrent.futures import Future

        InlinePool.submitted += 1
        future: Future = Future()
        future.set_result(fn(*args))
        return future


def test_local_pool_gets_a_bounded_window_of_tasks(tmp_path, monkeypatch):
    issue_tree(tmp_path / "tree")
    tasks = plan(tmp_path, "window", workers=2, shard_size=5)
    monkeypatch.setattr(pool_module, "ProcessPoolExecutor", InlinePool)
    InlinePool.submitted = 0
    runner = lambda task, recipe, sources, work: {"rows": task.rows}  # noqa: E731
    results = backends.run_local(tasks, None, {}, None, 2, runner)
    first = list(itertools.islice(results, 1))
    window = 2 * backends.IN_FLIGHT_PER_WORKER
    assert first and window <= InlinePool.submitted <= 2 * window < len(tasks)  # never all 200 at once
    assert sum(r["rows"] for r in itertools.chain(first, results)) == 1000 and InlinePool.submitted == len(tasks)


def test_repeat_tables_match_a_dict_and_survive_key_collisions(tmp_path, monkeypatch):
    """The planner's repeat check keeps tags of 64-bit keys in compact tables, not the strings: the table answers
    as a dict of (segment, tag) does through many growths, and a key collision (every key forced equal here) neither
    invents a repeat nor hides a real one, because the kept record is read back and compared."""
    import random

    from mgll_data.engine import plan as plan_module

    table, reference = plan_module._SeenTable(), {}
    rng = random.Random(3)
    bits = plan_module._SeenTable.SEGMENT_BITS
    where = lambda key: (key % (1 << bits), (key >> bits) & 0xFFFF or 1)  # noqa: E731 - what a lookup answers for
    for _ in range(200_000):
        key, value = rng.randrange(1, 1 << 64), rng.randrange(1 << 32)
        table.put(key, value)
        reference.setdefault(where(key), (key, []))[1].append(value)
    table.put(key, 42)  # a second value under one key
    reference[where(key)][1].append(42)
    assert table.size == 200_001 and 5 * table.size / 4 <= table.capacity < 2 * table.size
    assert all(sorted(table.get_all(key)) == sorted(values) for key, values in reference.values())
    unseen = [rng.randrange(1 << 64) for _ in range(1000)]
    assert all(sorted(table.get_all(key)) == sorted(reference.get(where(key), (0, []))[1]) for key in unseen)
    with pytest.raises(ValueError, match="32 bits"):
        table.put(1, 1 << 32)
    crowded = plan_module._SeenTable()  # one key for every value, through its segment's growths: all still found
    for value in range(300):
        crowded.put(5, value)
    assert sorted(crowded.get_all(5)) == list(range(300)) and crowded.size == 300
    monkeypatch.setattr(plan_module._SeenTable, "MOST", 64)  # a segment past its most slots: a clear refusal
    full = plan_module._SeenTable()
    with pytest.raises(RecipeError, match="build in parts"):
        for value in range(100):
            full.put(5, value)

    monkeypatch.setattr(plan_module, "_key64", lambda text: 7)
    rows = [{"image": f"x{i}.png", "patient": f"P{i}", "split": "train", "status": "missing"} for i in range(5)]
    rows.append({"image": "x2.png", "patient": "P9", "split": "train", "status": "missing"})  # repeats x2's id
    write_tree(tmp_path / "tree", rows)
    tasks = plan(tmp_path, "collide", workers=1)
    assert [r.native_id for t in tasks for r in load_task_records(t)] == ["x0", "x1", "x2", "x3", "x4"]
    rejects = WorkDir(tmp_path / "collide").plan_rejects.read_text()
    assert '"reason": "duplicate_id"' in rejects and rejects.count("\n") == 1
