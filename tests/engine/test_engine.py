"""The build engine end to end on fixture trees: layout, rejects, determinism, resume, splits, loading."""

from __future__ import annotations

import io
import json
import math
import os
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from build_fixtures import (
    CsvSource,
    OtherCsvSource,
    make_recipe,
    patient_rows,
    row_hashes,
    write_tree,
)
from rich.console import Console

from mgll_data.builder import run_build
from mgll_data.engine import BuildProgress
from mgll_data.engine import task as task_module
from mgll_data.engine.task import run_task
from mgll_data.errors import MgllError, ValidationError
from mgll_data.schema import FIELD_NAMES
from mgll_data.text import TextPolicy, record_texts

MANIFEST_KEYS = {
    "schema_version",
    "tool_version",
    "recipe",
    "recipe_hash",
    "libraries",
    "sources",
    "splits",
    "shards",
    "counts",
}


def build_fixture(tmp_path, out_name="out", workers=1, **recipe_overrides):
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}], **recipe_overrides)
    return run_build(recipe, [CsvSource(tmp_path / "fundus")], tmp_path / out_name, workers=workers)


def test_output_folder_layout_and_manifest(tmp_path, fundus_tree):
    result = build_fixture(tmp_path, text={"max_descriptions": 1})
    out = result.out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) == MANIFEST_KEYS
    assert (out / "README.md").is_file() and (out / "rejects.parquet").is_file()
    shards = sorted(p.name for p in (out / "data").iterdir())
    assert shards == sorted(s["file"].removeprefix("data/") for s in manifest["shards"])
    total = 0
    for split, info in manifest["splits"].items():
        n = math.ceil(info["rows"] / 4)
        assert info["shards"] == [f"data/{split}-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
        for name in info["shards"]:
            table = pq.read_table(out / name)
            assert table.column_names == list(FIELD_NAMES)
            assert set(table["split"].to_pylist()) == {split}
            assert b"huggingface" in pq.read_schema(out / name).metadata
            total += table.num_rows
    assert total == 20 == manifest["sources"]["csv_fundus"]["rows"]
    assert sum(manifest["counts"]["by_source_split"]["csv_fundus"].values()) == 20
    expected_filters: Counter[str] = Counter()
    for record in CsvSource(tmp_path / "fundus").records():
        _, texts = record_texts(record, TextPolicy(max_descriptions=1))  # what the build worker runs
        expected_filters.update(texts.dropped)
    assert expected_filters, "the fixture should trigger at least one counted text filter"
    assert manifest["counts"]["text_filters"] == dict(sorted(expected_filters.items()))
    assert manifest["recipe_hash"] == result.manifest.recipe_hash


def test_rows_carry_record_fields_and_portable_provenance(tmp_path, fundus_tree):
    out = build_fixture(tmp_path).out_dir
    rows = {r["id"]: r for s in (out / "data").glob("*.parquet") for r in pq.read_table(s).to_pylist()}
    row = rows["csv_fundus/p004_1_l"]
    assert (row["patient_id"], row["laterality"], row["labels"]) == ("P004", "L", ["glaucoma"])
    assert (row["width"], row["height"]) == (16, 16)
    assert row["image"]["path"] == "csv_fundus__p004_1_l.png"
    assert row["image"]["bytes"][:8] == b"\x89PNG\r\n\x1a\n"
    assert row["attributes"]["age"] == 50.0 and row["attributes"]["bit_depth"] == 8
    assert row["geometry"]["orig_width"] == 24
    assert row["provenance"] == {
        "source_file": "index.csv",
        "source_entry": "11",
        "image_file": "images/p004_1_l.png",
        "source_version": "1",
        "licence_class": "open",
        "adapter": "csv_fundus",
        "related_files": [],
    }


def test_rejects_have_source_item_stage_reason(tmp_path):
    rows = patient_rows(3, 1) + [
        {"image": "gone.png", "patient": "X1", "status": "missing"},
        {"image": "junk.png", "patient": "X2", "status": "broken"},
        {"image": "nolabel.png", "patient": "X3", "status": "adapter_reject"},
        {"image": "orphan.png", "patient": ""},
        {"image": "odd.png", "patient": "X4", "split": "dev"},
    ]
    write_tree(tmp_path / "fundus", rows)
    result = build_fixture(tmp_path)
    rejects = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    by_item = {r["item"]: r for r in rejects}
    assert set(pq.read_schema(result.out_dir / "rejects.parquet").names) == {
        "source",
        "item",
        "stage",
        "reason",
        "detail",
        "record_id",
    }
    assert (by_item["images/gone.png"]["stage"], by_item["images/gone.png"]["reason"]) == ("image", "missing_file")
    assert by_item["images/junk.png"]["reason"] == "unreadable"
    assert (by_item["nolabel.png"]["stage"], by_item["nolabel.png"]["reason"]) == ("label", "unlabelled")
    orphan = next(r for r in rejects if r["record_id"] == "csv_fundus/orphan")
    assert (orphan["stage"], orphan["reason"]) == ("plan", "missing_patient_id")
    odd = next(r for r in rejects if r["record_id"] == "csv_fundus/odd")
    assert odd["reason"] == "unknown_split" and "'dev'" in odd["detail"]
    assert all(r["source"] == "csv_fundus" for r in rejects) and len(rejects) == 5
    counts = result.manifest.counts.rejects_by_reason
    assert counts == {"missing_file": 1, "unreadable": 1, "unlabelled": 1, "missing_patient_id": 1, "unknown_split": 1}
    assert result.manifest.sources["csv_fundus"].rejects == 5
    assert result.manifest.sources["csv_fundus"].rows == 3


def test_two_builds_give_the_same_rows_and_shards(tmp_path, fundus_tree):
    first = build_fixture(tmp_path, "out1")
    second = build_fixture(tmp_path, "out2")
    hashes = row_hashes(first.out_dir)
    assert len(hashes) == 20 and hashes == row_hashes(second.out_dir)
    assert first.manifest.shards == second.manifest.shards


def test_two_workers_give_the_same_rows_as_one(tmp_path, fundus_tree):
    one = build_fixture(tmp_path, "one", workers=1)
    two = build_fixture(tmp_path, "two", workers=2)
    assert row_hashes(one.out_dir) == row_hashes(two.out_dir)
    # the rows are the same; two workers get smaller shards so that neither waits on the other
    assert max(s.rows for s in two.manifest.shards) < max(s.rows for s in one.manifest.shards)
    again = build_fixture(tmp_path, "two_again", workers=2)
    assert [s.sha256 for s in again.manifest.shards] == [s.sha256 for s in two.manifest.shards]


class Killed(Exception):
    pass


def test_killed_build_resumes_without_loss_or_duplicates(tmp_path, fundus_tree, monkeypatch):
    reference = row_hashes(build_fixture(tmp_path, "reference").out_dir)
    finished = []

    def dies_after_two(task, recipe, sources, work):
        if len(finished) == 2:
            raise Killed
        finished.append(task.shard_name)
        return run_task(task, recipe, sources, work)

    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}])
    out = tmp_path / "out"
    with pytest.raises(Killed):
        run_build(recipe, [CsvSource(tmp_path / "fundus")], out, runner=dies_after_two)
    assert sorted(p.name for p in (out / "data").iterdir()) == sorted(finished)
    assert not (out / "manifest.json").exists()
    mtimes = {name: os.stat(out / "data" / name).st_mtime_ns for name in finished}

    resumed = run_build(recipe, [CsvSource(tmp_path / "fundus")], out)
    assert resumed.tasks_reused == 2 and resumed.tasks_run == len(resumed.manifest.shards) - 2
    assert row_hashes(out) == reference
    assert {name: os.stat(out / "data" / name).st_mtime_ns for name in finished} == mtimes

    again = run_build(recipe, [CsvSource(tmp_path / "fundus")], out)
    assert again.tasks_run == 0 and row_hashes(out) == reference


def test_deleted_shard_is_rebuilt_alone(tmp_path, fundus_tree):
    result = build_fixture(tmp_path)
    out = result.out_dir
    victim = out / result.manifest.shards[1].file
    victim.unlink()
    others = {p.name: p.stat().st_mtime_ns for p in (out / "data").iterdir()}
    rerun = build_fixture(tmp_path)
    assert rerun.tasks_run == 1 and victim.is_file()
    assert {name: (out / "data" / name).stat().st_mtime_ns for name in others} == others
    assert rerun.manifest.shards == result.manifest.shards


def test_failing_task_leaves_no_partial_shard(tmp_path, fundus_tree, monkeypatch):
    real = task_module.process_image

    def breaks_on_one(path, modality, policy):
        if path.name == "p005_1_l.png":
            raise RuntimeError("disk full")
        return real(path, modality, policy)

    monkeypatch.setattr(task_module, "process_image", breaks_on_one)
    with pytest.raises(RuntimeError, match="disk full"):
        build_fixture(tmp_path)
    data = tmp_path / "out" / "data"
    leftovers = [p.name for p in data.iterdir()]
    assert not [n for n in leftovers if n.startswith(".tmp-")]
    for name in leftovers:
        assert pq.read_table(data / name).num_rows > 0
    assert not any("csv_fundus/p005_0_r" in pq.read_table(data / n)["id"].to_pylist() for n in leftovers)


def test_recipe_change_rebuilds_instead_of_reusing(tmp_path, fundus_tree):
    small = build_fixture(tmp_path)
    larger = build_fixture(tmp_path, image={"size": 20})
    assert larger.tasks_reused == 0 and larger.tasks_run == len(small.manifest.shards)
    widths = {w for s in (larger.out_dir / "data").glob("*.parquet") for w in pq.read_table(s)["width"].to_pylist()}
    assert widths == {20}
    assert larger.manifest.recipe_hash != small.manifest.recipe_hash


def test_shard_count_change_removes_old_shards(tmp_path, fundus_tree):
    build_fixture(tmp_path)
    result = build_fixture(tmp_path, output={"shard_size": 50})
    names = sorted(p.name for p in (result.out_dir / "data").iterdir())
    assert names == sorted(s.file.removeprefix("data/") for s in result.manifest.shards)
    assert all(n.endswith("-00000-of-00001.parquet") for n in names)
    assert len(row_hashes(result.out_dir)) == 20


def test_row_groups_bound_the_rows_held_in_memory(tmp_path, fundus_tree):
    result = build_fixture(tmp_path, output={"shard_size": 5, "row_group_size": 2})
    for shard in result.manifest.shards:
        metadata = pq.ParquetFile(result.out_dir / shard.file).metadata
        assert metadata.num_rows <= 5
        assert max(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)) <= 2


def test_patient_grouped_split_has_no_leakage(tmp_path):
    write_tree(tmp_path / "fundus", patient_rows(patients=30, images_per_patient=3))
    result = build_fixture(tmp_path)
    splits_of: dict[str, set[str]] = {}
    for shard in (result.out_dir / "data").glob("*.parquet"):
        for row in pq.read_table(shard, columns=["patient_id", "split"]).to_pylist():
            splits_of.setdefault(row["patient_id"], set()).add(row["split"])
    assert len(splits_of) == 30 and all(len(s) == 1 for s in splits_of.values())
    per_split = {split: info.rows for split, info in result.manifest.splits.items()}
    assert set(per_split) == {"train", "validation", "test"} and all(n % 3 == 0 for n in per_split.values())
    assert per_split["train"] > per_split["validation"] and per_split["train"] > per_split["test"]


def test_official_split_is_kept_and_leakage_is_caught(tmp_path):
    rows = patient_rows(4, 2, split="train") + [{"image": "t.png", "patient": "T1", "split": "test"}]
    write_tree(tmp_path / "fundus", rows)
    result = build_fixture(tmp_path)
    assert {s: i.rows for s, i in result.manifest.splits.items()} == {"train": 8, "test": 1}

    leaking = rows + [{"image": "p000_9_r.png", "patient": "P000", "split": "test"}]
    write_tree(tmp_path / "leaky", leaking)
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "leaky"}])
    with pytest.raises(ValidationError, match=r"split leakage: 1 patient\(s\).*csv_fundus/P000.*split: policy"):
        run_build(recipe, [CsvSource(tmp_path / "leaky")], tmp_path / "leaky-out")
    assert not (tmp_path / "leaky-out" / "manifest.json").exists()

    policy = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "leaky", "split": "policy"}])
    fixed = run_build(policy, [CsvSource(tmp_path / "leaky")], tmp_path / "policy-out")
    assert sum(i.rows for i in fixed.manifest.splits.values()) == 10


def test_leakage_is_found_at_planning_before_any_image_is_processed(tmp_path):
    rows = patient_rows(3, 2, split="train") + [{"image": "p000_9_r.png", "patient": "P000", "split": "test"}]
    write_tree(tmp_path / "leaky", rows)
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "leaky"}])
    ran = []

    def runner(task, *args):
        ran.append(task)
        return run_task(task, *args)

    with pytest.raises(ValidationError, match=r"split leakage: 1 patient\(s\).*csv_fundus/P000"):
        run_build(recipe, [CsvSource(tmp_path / "leaky")], tmp_path / "out", runner=runner)
    assert ran == [] and not list((tmp_path / "out" / "data").glob("*.parquet"))


def test_exact_duplicates_across_sources_are_dropped_and_recorded(tmp_path):
    a_rows = [{"image": f"a{i}.png", "patient": "A", "seed": i} for i in (1, 2, 3)]
    a_rows.append({"image": "a4.png", "patient": "A", "seed": 1})  # same pixels within one source: kept
    write_tree(tmp_path / "a", a_rows)
    b_rows = [{"image": "b1.png", "patient": "B", "seed": 1}, {"image": "b2.png", "patient": "C", "seed": 3}]
    write_tree(tmp_path / "b", b_rows)
    sources = [{"name": "csv_fundus", "root": "a"}, {"name": "csv_other", "root": "b"}]
    recipe = make_recipe(tmp_path, sources, image={"size": 16, "drop_exact_duplicates": True})
    result = run_build(recipe, [OtherCsvSource(tmp_path / "b"), CsvSource(tmp_path / "a")], tmp_path / "out")
    ids = set(row_hashes(result.out_dir))
    assert ids == {"csv_fundus/a1", "csv_fundus/a2", "csv_fundus/a3", "csv_fundus/a4"}
    rejects = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    assert sorted((r["record_id"], r["reason"], r["detail"]) for r in rejects) == [
        ("csv_other/b1", "exact_duplicate", "same pixels as csv_fundus/a1"),
        ("csv_other/b2", "exact_duplicate", "same pixels as csv_fundus/a3"),
    ]
    other = result.manifest.sources["csv_other"]
    assert (other.rows, other.rejects) == (0, 2)
    for shard in result.manifest.shards:
        assert pq.read_metadata(result.out_dir / shard.file).num_rows == shard.rows
        assert b"huggingface" in pq.read_schema(result.out_dir / shard.file).metadata

    rerun = run_build(recipe, [CsvSource(tmp_path / "a"), OtherCsvSource(tmp_path / "b")], tmp_path / "out")
    assert rerun.tasks_run == 0 and rerun.manifest.counts == result.manifest.counts


def test_refuses_a_foreign_non_empty_output_folder(tmp_path, fundus_tree):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.docx").write_text("precious")
    with pytest.raises(MgllError, match="not empty and was not written by mgll-data"):
        build_fixture(tmp_path)


def test_load_dataset_returns_image_and_list_features(tmp_path, fundus_tree, monkeypatch):
    import datasets

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = build_fixture(tmp_path).out_dir
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf-cache"))
    assert set(loaded) == {"train", "validation", "test"}
    features = loaded["train"].features
    assert isinstance(features["image"], datasets.Image)
    assert isinstance(features["labels"], datasets.List) and features["labels"].feature == datasets.Value("string")
    assert sum(len(split) for split in loaded.values()) == 20
    assert loaded["train"][0]["image"].size == (16, 16)


def test_a_build_without_rows_is_an_error_naming_the_reasons(tmp_path):
    write_tree(tmp_path / "fundus", [{"image": "gone.png", "patient": "X", "status": "missing"}])
    with pytest.raises(MgllError, match=r"produced no rows \(csv_fundus: missing_file 1\); see .*rejects\.parquet"):
        build_fixture(tmp_path)
    assert (tmp_path / "out" / "rejects.parquet").is_file()
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_progress_reports_planning_and_shards(tmp_path, fundus_tree):
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}])
    fundus = [CsvSource(tmp_path / "fundus")]
    run_build(recipe, fundus, tmp_path / "out", progress=BuildProgress(console=console, bars=True))
    shown = console.file.getvalue()
    assert "planning: records read" in shown and "20 rows written" in shown

    changed = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}], image={"size": 20})
    plain = Console(file=io.StringIO(), force_terminal=False)
    run_build(changed, [CsvSource(tmp_path / "fundus")], tmp_path / "out", progress=BuildProgress(console=plain))
    assert "recipe changed since the previous build" in plain.file.getvalue()
    logged = plain.file.getvalue()
    assert "━" not in logged and "records read" not in logged, "no bars when the console is not a terminal"
    assert "planned 20 records into" in logged and "20 rows written" in logged and "ETA 0:00:00" in logged

    quiet = Console(file=io.StringIO())
    run_build(recipe, [CsvSource(tmp_path / "fundus")], tmp_path / "out", progress=BuildProgress(True, quiet))
    assert quiet.file.getvalue() == ""


def test_plain_progress_lines_come_at_the_interval_with_throughput_and_eta():
    now = [0.0]
    console = Console(file=io.StringIO(), width=200, force_terminal=False)
    progress = BuildProgress(console=console, interval=10.0, clock=lambda: now[0])
    with progress:
        progress.start_planning()
        for _ in range(30):
            now[0] += 0.5
            progress.record_read()
        progress.start_tasks(4, 1)
        for _ in range(3):
            now[0] += 6.0
            progress.task_done(100)
    lines = console.file.getvalue().splitlines()
    assert lines == [
        "[0:00:10] planning: 20 records read",
        "[0:00:15] planned 30 records into 4 shards (1 reused)",
        "[0:00:27] shards 3/4, 200 rows written, 16.7 images/s, ETA 0:00:06",
        "[0:00:33] shards 4/4, 300 rows written, 16.7 images/s, ETA 0:00:00",
    ]
    assert progress.rows_written == 300 and progress.elapsed() == 33.0


def test_an_id_emitted_twice_is_a_plan_reject_naming_both_entries(tmp_path):
    row = {"image": "same.png", "patient": "A", "labels": "glaucoma"}
    write_tree(tmp_path / "fundus", [row, row])
    result = build_fixture(tmp_path)
    assert result.manifest.sources["csv_fundus"].rows == 1
    (reject,) = pq.read_table(result.out_dir / "rejects.parquet").to_pylist()
    assert (reject["stage"], reject["reason"], reject["record_id"]) == ("plan", "duplicate_id", "csv_fundus/same")
    assert reject["detail"] == "index.csv:3 repeats the id of index.csv:2 (kept)"


def test_changed_code_or_data_files_rebuild_instead_of_reusing(tmp_path, fundus_tree, monkeypatch):
    from mgll_data.engine import flow as engine
    from mgll_data.engine.workdir import code_fingerprint

    first = build_fixture(tmp_path)
    package = tmp_path / "package"
    package.mkdir()
    (package / "rules.yaml").write_text("a: 1\n")
    before = code_fingerprint(package)
    (package / "rules.yaml").write_text("a: 2\n")
    assert code_fingerprint(package) != before

    monkeypatch.setattr(engine, "code_fingerprint", lambda: before)
    console = Console(file=io.StringIO())
    rebuilt = run_build(
        make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}]),
        [CsvSource(tmp_path / "fundus")],
        tmp_path / "out",
        progress=BuildProgress(console=console),
    )
    assert rebuilt.tasks_reused == 0 and rebuilt.tasks_run == len(first.manifest.shards)
    assert "code or data files changed" in console.file.getvalue()


def test_finalize_rewrites_only_the_shards_that_lose_a_duplicate(tmp_path, monkeypatch):
    """Finalize costs what the duplicates cost: of 4 shards, only the two holding a hash seen in both sources
    are read whole again, only the one losing its copy is written again; the others keep the file (inode and
    mtime) their task wrote."""
    from mgll_data.engine import finalize as finalize_module

    opened: list[str] = []  # shards read whole again (every shard's key columns are scanned once before)
    rewrite = finalize_module._rewrite_without_duplicates
    monkeypatch.setattr(
        finalize_module,
        "_rewrite_without_duplicates",
        lambda task, *rest: opened.append(task.shard_name) or rewrite(task, *rest),
    )
    write_tree(tmp_path / "a", [{"image": f"a{i}.png", "patient": f"A{i}", "split": "train"} for i in range(12)])
    b_rows = [{"image": "b0.png", "patient": "B0", "split": "train", "seed": 5}]  # the pixels of a5
    b_rows += [{"image": f"b{i}.png", "patient": f"B{i}", "split": "train", "seed": 100 + i} for i in (1, 2, 3)]
    write_tree(tmp_path / "b", b_rows)
    sources = [{"name": "csv_fundus", "root": "a"}, {"name": "csv_other", "root": "b"}]
    recipe = make_recipe(tmp_path, sources, image={"size": 16, "drop_exact_duplicates": True})
    written: dict[str, tuple[int, int]] = {}

    def runner(task, recipe, sources, work):
        done = run_task(task, recipe, sources, work)
        stat = (work.data / task.shard_name).stat()
        written[task.shard_name] = (stat.st_ino, stat.st_mtime_ns)
        return done

    result = run_build(
        recipe, [CsvSource(tmp_path / "a"), OtherCsvSource(tmp_path / "b")], tmp_path / "out", runner=runner
    )
    assert len(written) == 4
    after = {name: ((s := (result.out_dir / "data" / name).stat()).st_ino, s.st_mtime_ns) for name in written}
    changed = sorted(name for name in written if after[name] != written[name])
    assert changed == ["train-00003-of-00004.parquet"]  # b's shard: b0 dropped
    assert sorted(set(opened) & set(written)) == ["train-00001-of-00004.parquet", "train-00003-of-00004.parquet"]
    assert "csv_other/b0" not in row_hashes(result.out_dir) and len(row_hashes(result.out_dir)) == 15


_NEW_MODULES_PROBE = """
import json, os, sys
from pathlib import Path
from build_fixtures import CsvSource, make_recipe
from mgll_data.builder import run_build
from mgll_data.engine.task import run_task

def recording(task, recipe, sources, work):
    before = set(sys.modules)
    done = run_task(task, recipe, sources, work)
    new = sorted({name.split(".")[0] for name in set(sys.modules) - before})
    Path(sys.argv[1], f"{os.getpid()}-{task.index}-{task.split}.json").write_text(json.dumps(new))
    return done

tmp = Path(sys.argv[1])
recipe = make_recipe(tmp, [{"name": "csv_fundus", "root": "fundus"}])
run_build(recipe, [CsvSource(tmp / "fundus")], tmp / "out", workers=2, runner=recording)
"""


def test_pool_workers_inherit_the_task_modules_instead_of_importing_them(tmp_path, fundus_tree):
    """A fresh build process imports what tasks need (pandas through pyarrow, Pillow's plugins) before the pool
    forks, so no worker pays a third of a CPU-second to import them again."""
    import subprocess
    import sys

    tests = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", _NEW_MODULES_PROBE, str(tmp_path)], check=True, env=env, timeout=300)
    imported = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    assert imported, "no task ran in a worker"
    assert all("pandas" not in new and "PIL" not in new for new in imported), imported
