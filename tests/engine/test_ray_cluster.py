"""Issue 26: a real multi-node Ray cluster (a head and a worker node started with `ray start`, 1 CPU each), driven
through the CLI with `--address`: the local backend's rows, tasks on both nodes, and a worker node lost mid-build
(its raylet killed) leaves a build that the rerun completes without loss or duplicates. The cluster is started
and stopped here; nothing is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from build_fixtures import CsvSource, patient_rows, row_hashes, write_tree
from ray_cluster import start_cluster

from mgll_data.builder import run_build
from mgll_data.recipe import load_recipe

pytest.importorskip("ray", reason="the ray extra is not installed: pip install 'mgll-data[ray]'")

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
# A killed raylet is declared dead after about a second, not the default half minute. The test cluster listens on
# this machine only and runs without Ray's token authentication (else a token in ~/.ray would decide whether it starts).
CLUSTER_ENV = {
    "RAY_AUTH_MODE": "disabled",
    "RAY_health_check_initial_delay_ms": "0",
    "RAY_health_check_period_ms": "300",
    "RAY_health_check_timeout_ms": "300",
    "RAY_health_check_failure_threshold": "3",
}


def run_cli(tmp_path, env, *args, delay=0.0, trace=None, wait=True):
    command = [sys.executable, str(HERE / "cli_driver.py"), "--delay", str(delay)]
    command += ["--trace", str(trace)] if trace else []
    process = subprocess.Popen(
        [*command, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if not wait:
        return process
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return out + err


def traced(trace: Path) -> list[tuple[str, str]]:
    return [tuple(line.split()) for line in trace.read_text().splitlines()] if trace.exists() else []


def test_two_node_cluster_builds_the_local_rows_and_a_rerun_completes_after_a_node_is_lost(tmp_path):
    write_tree(tmp_path / "fundus", patient_rows(patients=12, images_per_patient=2))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        yaml.safe_dump(
            {
                "name": "fixture",
                "sources": [{"name": "csv_fundus", "root": "fundus"}],
                "output": {"dir": "out", "shard_size": 2, "row_group_size": 2},
                "image": {"size": 16},
                "split": {"seed": 7, "train": 0.6, "validation": 0.2, "test": 0.2},
            }
        )
    )
    env = {**os.environ, **CLUSTER_ENV, "PYTHONPATH": os.pathsep.join([str(PROJECT), str(HERE)])}
    run_build(load_recipe(recipe), [CsvSource(tmp_path / "fundus")], tmp_path / "local")
    local = row_hashes(tmp_path / "local")
    assert len(local) == 24

    cluster = start_cluster(env)
    try:
        head, worker = cluster.nodes
        on_ray = ["build", str(recipe), "--backend", "ray", "--address", cluster.address]
        run_cli(tmp_path, env, *on_ray, "--out", "ray", trace=tmp_path / "both.trace")
        assert row_hashes(tmp_path / "ray") == local
        ran_on = {node for node, _ in traced(tmp_path / "both.trace")}
        assert ran_on == {head.node_id(), worker.node_id()}

        # The worker node's raylet dies while it runs a task; the tasks it held are lost with it.
        trace = tmp_path / "lost.trace"
        first = run_cli(tmp_path, env, *on_ray, "--out", "lost", delay=0.2, trace=trace, wait=False)
        lost_node = worker.node_id()
        deadline = time.monotonic() + 120
        while not any(node == lost_node for node, _ in traced(trace)):
            assert first.poll() is None and time.monotonic() < deadline, "no task reached the worker node"
            time.sleep(0.05)
        os.kill(worker.raylet(), signal.SIGKILL)
        _, err = first.communicate(timeout=240)
        assert first.returncode in (0, 2), err[-3000:]  # finished (Ray retried the lost tasks) or stopped in one line
        assert "Traceback" not in err
        if first.returncode == 2:
            assert "rerun" in err.lower()
        rerun = run_cli(tmp_path, env, *on_ray, "--out", "lost")
        assert row_hashes(tmp_path / "lost") == local, rerun[-2000:]  # row_hashes also refuses duplicate ids
    finally:
        cluster.stop()
    assert not any(node.pids() for node in cluster.nodes)
