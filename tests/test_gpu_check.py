"""bench/gpu_check.sh --cpu: every step of the GPU window's script runs, at toy sizes, and leaves its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_dry_run_on_cpu(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu_check.sh"), "--cpu", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = tmp_path / "out"
    for step in ("install", "CUDA tests", "data", "throughput", "data path", "eval", "done"):
        assert f"== {step}" in done.stdout
    throughput = {p.stem: json.loads(p.read_text()) for p in out.glob("train-*.json")}
    assert set(throughput) == {"train-clip-eager", "train-mgll-eager"}
    assert all(r["pipeline_images_per_s"] > 0 for r in throughput.values())
    assert "training-copy" in json.loads((out / "data_path.json").read_text())["paths"]
    results = json.loads((out / "eval" / "results.json").read_text())
    assert {"linear_probe", "linear_head", "zero_shot", "retrieval", "fine_tune"} <= set(
        results["modalities"]["synthetic"]
    )
    assert "pipeline img/s" in done.stdout
