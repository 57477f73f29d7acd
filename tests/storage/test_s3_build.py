"""Issue 26: source roots and the output folder in object storage, through fsspec, against a real S3 server.

The demo recipe with both roots and its output in the bucket builds, validates, loads with
`datasets.load_dataset` from the bucket, equals a local build row for row, and no output file or log holds
the credentials it ran with.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from s3_credentials import KEY_ID, SECRET

from mgll_data.builder import build_recipe
from mgll_data.demo import resolve_demo_root
from mgll_data.recipe import load_recipe

PROJECT = Path(__file__).resolve().parents[2]


def cli(env, *args, cwd):
    done = subprocess.run(
        [sys.executable, "-m", "mgll_data.cli", *args],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def rows_by_id(tables) -> dict[str, str]:
    """id -> sha256 of the whole row (image bytes included); a repeated id fails."""
    rows = {}
    for table in tables:
        for row in table.to_pylist():
            image = row.pop("image")
            digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode() + image["bytes"]).hexdigest()
            assert row["id"] not in rows, f"duplicate row {row['id']}"
            rows[row["id"]] = digest
    return rows


def test_demo_with_roots_and_output_in_s3_validates_loads_and_equals_the_local_build(tmp_path, bucket):
    fs = bucket.fs
    recipe = yaml.safe_load((PROJECT / "recipes" / "demo.yaml").read_text(encoding="utf-8"))
    local_recipe = copy.deepcopy(recipe)  # the same trees as plain folders (a demo:// root marks rows synthetic)
    for source, local_source in zip(recipe["sources"], local_recipe["sources"], strict=True):
        local_root = resolve_demo_root(source["name"])
        fs.put(str(local_root), bucket.url(f"downloads/{source['name']}"), recursive=True)
        source["root"], local_source["root"] = bucket.url(f"downloads/{source['name']}"), str(local_root)
    recipe["output"]["dir"] = bucket.url("out")
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump(recipe))
    (tmp_path / "local.yaml").write_text(yaml.safe_dump(local_recipe))

    local = build_recipe(load_recipe(tmp_path / "local.yaml"), out=tmp_path / "local")
    # `plan` lists the bucket's entries in worker processes (each opens its store there) as the local trees in one
    plans = []
    for recipe_file, workers in (("s3.yaml", "2"), ("local.yaml", "1")):
        done = subprocess.run(
            [sys.executable, "-m", "mgll_data.cli", "plan", recipe_file, "--json", "--workers", workers],
            cwd=tmp_path,
            env={**os.environ, **bucket.env, "PYTHONPATH": str(PROJECT)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        plans.append([{k: v for k, v in e.items() if k != "root"} for e in json.loads(done.stdout)["sources"]])
    assert plans[0] == plans[1] and len(plans[0]) > 1 and all(e["rows"] for e in plans[0])
    code, build_log = cli(bucket.env, "build", "s3.yaml", cwd=tmp_path)
    assert code == 0, build_log
    code, validate_log = cli(bucket.env, "validate", bucket.url("out"), cwd=tmp_path)
    assert code == 0, validate_log
    code, stats_log = cli(bucket.env, "stats", bucket.url("out"), cwd=tmp_path)
    assert code == 0 and fs.exists(f"{bucket.name}/out/stats/report.md"), stats_log

    remote_shards = sorted(fs.glob(f"{bucket.name}/out/data/*.parquet"))
    local_shards = sorted(local.out_dir.glob("data/*.parquet"))
    assert [Path(s).name for s in remote_shards] == [s.name for s in local_shards]
    in_s3 = rows_by_id(pq.read_table(fs.open(s, "rb")) for s in remote_shards)
    assert in_s3 == rows_by_id(pq.read_table(s) for s in local_shards) and len(in_s3) > 50
    rejects = pq.read_table(fs.open(f"{bucket.name}/out/rejects.parquet", "rb")).to_pylist()
    assert rejects == pq.read_table(local.out_dir / "rejects.parquet").to_pylist() and rejects

    import datasets

    shards = {split: bucket.url(f"out/data/{split}-*.parquet") for split in local.manifest.to_json()["splits"]}
    loaded = datasets.load_dataset("parquet", data_files=shards)  # fsspec finds the endpoint in the environment
    assert sorted(loaded) == sorted(local.manifest.to_json()["splits"])
    assert sorted(i for split in loaded.values() for i in split["id"]) == sorted(in_s3)

    # No object in the bucket's output and no log line holds the credentials the build ran with.
    written = [key for key in fs.find(f"{bucket.name}/out")]
    assert any(key.endswith("manifest.json") for key in written) and any(key.endswith("README.md") for key in written)
    for text in (build_log, validate_log, stats_log):
        assert KEY_ID not in text and SECRET not in text
    for key in written:
        data = fs.cat_file(key)
        assert KEY_ID.encode() not in data and SECRET.encode() not in data, key
