"""Start-up stays light: `--help` and a mistyped recipe answer before numpy, Pillow, spaCy or torch load
(the measured cost of loading them first was 2.8 s and 920 MiB)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "PIL", "pydicom", "pyarrow", "spacy", "torch")
PROBE = """
import sys
sys.argv = ["mgll-data", *sys.argv[1:]]
from mgll_data.cli import main
try:
    main()
except SystemExit as stop:
    print("exit", stop.code)
print("loaded", *sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("arguments", [["--help"], ["build", "RECIPE"]])
def test_help_and_recipe_errors_load_no_heavy_library(tmp_path, arguments):
    recipe = tmp_path / "typo.yaml"
    recipe.write_text("name: x\nsources: [{name: odir, root: r}]\noutput: {dir: o, shards: 3}\n")
    arguments = [str(recipe) if a == "RECIPE" else a for a in arguments]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *arguments], capture_output=True, text=True, timeout=60
    )
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "loaded", (lines[-1], done.stderr)
    if arguments[0] == "build":
        assert lines[-2] == "exit 2" and "output.shards: unknown key" in done.stderr
