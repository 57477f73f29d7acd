"""The Ray backend on a real local Ray cluster (2 CPUs, started and stopped here) gives the local backend's
rows; `--address` belongs to it. Runs wherever the `ray` extra is installed (`make test` installs it)."""

from __future__ import annotations

import os

import pytest
from build_fixtures import CsvSource, make_recipe, row_hashes

from mgll_data import cli
from mgll_data.builder import run_build
from mgll_data.engine import backends
from mgll_data.engine.endings import BuildStopped


@pytest.fixture
def ray_cluster():
    ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install 'mgll-data[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_rows_equal_the_local_rows(tmp_path, fundus_tree, ray_cluster, monkeypatch):
    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}])
    local = run_build(recipe, [CsvSource(tmp_path / "fundus")], tmp_path / "local", workers=2)
    submitted = []
    real_remote = ray_cluster.remote

    def counting_remote(function):
        handle = real_remote(function)

        class Counting:
            def remote(self, *args):
                submitted.append(args[0].shard_name)
                return handle.remote(*args)

        return Counting()

    monkeypatch.setattr(ray_cluster, "remote", counting_remote)
    on_ray = run_build(recipe, [CsvSource(tmp_path / "fundus")], tmp_path / "ray", backend="ray")
    assert on_ray.tasks_run == len(local.manifest.shards)  # the plan was sized for the cluster's 2 CPUs
    assert row_hashes(on_ray.out_dir) == row_hashes(local.out_dir) and len(row_hashes(local.out_dir)) == 20
    assert sorted(submitted) == sorted(s.file.removeprefix("data/") for s in on_ray.manifest.shards)
    assert backends.connect_ray("auto") == 2  # joins the running cluster instead of starting another


def test_a_task_whose_ray_worker_keeps_dying_stops_the_build_with_one_line(tmp_path, fundus_tree, ray_cluster):
    def dying(task, recipe, sources, work):
        if task.split == "train":  # its worker process dies as an out-of-memory kill ends it, on every retry
            os._exit(1)
        return {"rows": 0}

    recipe = make_recipe(tmp_path, [{"name": "csv_fundus", "root": "fundus"}], output={"shard_size": 100})
    with pytest.raises(BuildStopped, match=r"Ray worker or node kept dying.*rerun the same command"):
        run_build(recipe, [CsvSource(tmp_path / "fundus")], tmp_path / "out", backend="ray", runner=dying)


def test_address_without_the_ray_backend_is_a_user_error(tmp_path, monkeypatch, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("name: x\nsources: [{name: odir, root: r}]\noutput: {dir: o}\n")
    monkeypatch.setattr("sys.argv", ["mgll-data", "build", str(recipe), "--address", "auto"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 2 and "add --backend ray" in capsys.readouterr().err
