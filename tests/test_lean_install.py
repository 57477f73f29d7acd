"""A fresh machine's first run stays lean: `make demo` installs the core package only, and building never
imports torch, Ray or the other training libraries (so the core install is enough for it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ("torch", "torchvision", "ray", "timm", "open_clip", "transformers")


def _pip_lines(target: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    done = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_make_demo_installs_the_core_only_and_make_test_everything():
    demo = " ".join(_pip_lines("demo"))
    assert "-e ." in demo
    for heavy in ("torch", "ray", "dicom", "train", "["):
        assert heavy not in demo.replace("--upgrade pip", ""), heavy
    test = " ".join(_pip_lines("test"))
    assert "torch==2.14.1 torchvision==0.29.1" in test and "-e '.[dicom,dicom-gpl,train,dev,ray,cloud]'" in test


def test_core_dependencies_hold_no_training_ray_or_gpl_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    for heavy in ("torch", "ray", "libjpeg", "timm", "open-clip", "transformers", "gdcm"):
        assert heavy not in core, heavy
    extras = project["optional-dependencies"]
    assert any(d.startswith("torch") for d in extras["train"]) and any(d.startswith("ray") for d in extras["ray"])
    assert extras["dicom-gpl"] == ["pylibjpeg-libjpeg>=2.1"]


# Every import of a training library fails as if it were not installed, and who asked for it is recorded.
BLOCKED_BUILD = """
import importlib.abc, importlib.machinery, sys, traceback
asked = []
class Absent(importlib.abc.Loader):
    def create_module(self, spec):
        frames = [f.filename for f in traceback.extract_stack() if not f.filename.startswith("<")]
        asked.append((spec.name, frames[-1]))
        raise ImportError(spec.name + " is not installed")
    def exec_module(self, module):
        pass
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        return importlib.machinery.ModuleSpec(name, Absent()) if name.split(".")[0] in {blocked!r} else None
sys.meta_path.insert(0, Finder())
import mgll_data
from mgll_data.cli import main
sys.argv = ["mgll-data", "build", {recipe!r}, "--out", {out!r}, "--quiet"]
try:
    main()
except SystemExit as stop:
    print("exit", stop.code)
print("asked", asked)
"""


def test_import_and_demo_build_never_import_a_training_library(tmp_path):
    script = BLOCKED_BUILD.format(blocked=TRAINING, recipe=str(ROOT / "recipes" / "demo.yaml"), out=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "manifest.json").is_file(), done.stdout[-2000:]
    asked = eval(done.stdout.strip().splitlines()[-1].removeprefix("asked "))  # noqa: S307 (our own repr)
    ours = [(name, importer) for name, importer in asked if str(ROOT / "mgll_data") in importer]
    assert ours == []  # third-party optional probes (spaCy's thinc tries torch) are theirs, caught by them
