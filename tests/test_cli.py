"""The command line as a user meets it: the adapter list, and user mistakes without tracebacks."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from mgll_data.cli import main; sys.argv = ['mgll-data', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_sources_lists_every_registered_adapter_with_layout_and_licence():
    from mgll_data.sources import available_sources

    result = run_cli("sources")
    assert result.returncode == 0, result.stderr
    for name, cls in available_sources().items():
        assert name in result.stdout
        assert cls.licence_class in result.stdout


def test_a_bad_recipe_key_is_one_message_naming_the_key_and_file(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\nsources: [{name: odir, root: .}]\noutput: {dir: out}\nimage: {geometry: round}\n")
    result = run_cli("build", str(recipe))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "image.geometry" in result.stderr and "r.yaml" in result.stderr
    assert "letterbox" in result.stderr
