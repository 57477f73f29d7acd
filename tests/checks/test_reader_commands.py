"""Reader commands (`validate`, `stats`, `export`, `push`, `rejects`) check the folder first (second fault matrix,
classes 4, 6 and 8): a damaged, foreign, changed or half-rebuilt folder is one line naming the file, exit 2, and
`export` / `push` verify shard checksums before using a shard."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from trees import aptos as aptos_tree
from typer.testing import CliRunner

from mgll_data.builder import build_recipe
from mgll_data.cli import app
from mgll_data.errors import ValidationError
from mgll_data.recipe import parse_recipe

COMMANDS = {
    "validate": ["validate", "{out}"],
    "stats": ["stats", "{out}", "--report", "{tmp}/report"],
    "export": ["export", "{out}", "--format", "csv", "--out", "{tmp}/exported"],
    "push": ["push", "{out}", "--repo-id", "org/name", "--dry-run"],
    "rejects": ["rejects", "{out}"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("reader")
    aptos_tree.make_tree(base / "aptos")
    recipe = parse_recipe(
        {"name": "r", "sources": [{"name": "aptos", "root": "aptos"}], "output": {"dir": "out"}, "image": {"size": 16}},
        base,
    )
    return build_recipe(recipe).out_dir


def _first_shard(out: Path) -> Path:
    return sorted((out / "data").glob("*.parquet"))[0]


def _relabel(out: Path) -> None:
    shard = _first_shard(out)
    table = pq.read_table(shard)
    texts = pa.array(["relabelled"] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index("disease_text"), "disease_text", texts), shard)


DAMAGE = {
    "truncated-shard": (lambda out: _first_shard(out).write_bytes(_first_shard(out).read_bytes()[:100]), "Parquet"),
    "empty-shard": (lambda out: _first_shard(out).write_bytes(b""), "Parquet"),
    "deleted-shard": (lambda out: _first_shard(out).unlink(), "is missing"),
    "garbage-rejects": (lambda out: (out / "rejects.parquet").write_bytes(b"not parquet at all"), "rejects.parquet"),
    "manifest-missing-keys": (lambda out: (out / "manifest.json").write_text('{"shards": 3}'), "missing key"),
    "manifest-not-json": (lambda out: (out / "manifest.json").write_text("{"), "manifest.json"),
}


def _invoke(command: str, out: Path, tmp_path: Path):
    args = [part.format(out=out, tmp=tmp_path) for part in COMMANDS[command]]
    return CliRunner().invoke(app, args, env={"COLUMNS": "300"})


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_damaged_folder_is_one_error_naming_the_file(built: Path, tmp_path: Path, command: str, damage: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    apply, expected = DAMAGE[damage]
    apply(out)
    result = _invoke(command, out, tmp_path)
    assert isinstance(result.exception, ValidationError), result.output
    assert expected in str(result.exception) and str(out) in str(result.exception)
    assert not (tmp_path / "exported").exists()


@pytest.mark.parametrize("command", ["export", "push"])
def test_export_and_push_verify_checksums_first(built: Path, tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    _relabel(out)
    result = _invoke(command, out, tmp_path)
    assert isinstance(result.exception, ValidationError) and "SHA-256 differs" in str(result.exception)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_folder_being_rebuilt_is_refused(built: Path, tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    fd = os.open(out / ".mgll-build" / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = _invoke(command, out, tmp_path)
    finally:
        os.close(fd)
    assert isinstance(result.exception, ValidationError) and "rewriting this folder" in str(result.exception)
    assert _invoke(command, out, tmp_path).exit_code in (0, 1)  # lock released: the command runs


@pytest.mark.parametrize("what", ["missing", "empty", "file"])
def test_rejects_on_something_that_is_not_a_built_folder_exits_2(tmp_path: Path, what: str) -> None:
    target = tmp_path / "target"
    if what == "empty":
        target.mkdir()
    elif what == "file":
        target.write_text("x")
    code = "import sys; from mgll_data.cli import main; sys.argv = ['mgll-data', *sys.argv[1:]]; main()"
    result = subprocess.run([sys.executable, "-c", code, "rejects", str(target)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(target) in result.stderr and "rejected item" not in result.stdout
