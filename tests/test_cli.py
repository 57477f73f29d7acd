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


def _lines_fit(text: str, width: int = 80) -> bool:
    return all(len(line) <= width for line in text.splitlines())


def test_version_prints_the_package_version():
    import mgll_data

    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"mgll-data {mgll_data.__version__}"


def test_help_lists_allowed_values_and_flags_show_no_type():
    from typer.testing import CliRunner

    from mgll_data.cli import app

    runner = CliRunner()
    shown = {
        ("build",): "<local|ray>",
        ("export",): "<mgll-json|csv|webdataset>",
        ("export-model",): "<open_clip|hf>",
        ("label",): "<chexpert|chestxray14>",
        ("ontology", "show"): "<fundus|cxr>",
    }
    for command, values in shown.items():
        result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
        assert values in result.output, command
    quiet = next(line for line in runner.invoke(app, ["build", "--help"]).output.splitlines() if "--quiet" in line)
    assert "<bool>" not in quiet


def test_literal_choices_match_the_library_lists():
    from typing import get_args

    from mgll_data import cli
    from mgll_data.engine.backends import BACKENDS
    from mgll_data.export.formats import EXPORTERS
    from mgll_data.ontology.model import MODALITIES
    from mgll_data.text.chexpert_csv import VOCABULARIES
    from mgll_data.train.export_model import MODEL_FORMATS

    assert get_args(cli.Backend) == BACKENDS
    assert set(get_args(cli.ExportFormat)) == set(EXPORTERS)
    assert get_args(cli.ModelFormat) == MODEL_FORMATS
    assert get_args(cli.LabelVocab) == VOCABULARIES
    assert set(get_args(cli.Modality)) <= set(MODALITIES)


def test_sources_and_ontology_tables_fit_80_columns_and_have_json():
    import json
    import os

    from mgll_data.ontology import load_ontology
    from mgll_data.sources import available_sources

    env = {**os.environ, "COLUMNS": "80"}
    code = "import sys; from mgll_data.cli import main; sys.argv = ['mgll-data', *sys.argv[1:]]; main()"
    for args in (["sources"], ["ontology", "show"]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
        assert result.returncode == 0 and _lines_fit(result.stdout), args
    shown = subprocess.run([sys.executable, "-c", code, "ontology", "show"], capture_output=True, text=True, env=env)
    words = set(shown.stdout.split())
    assert all(finding.id in words for finding in load_ontology().findings())  # ids are never folded

    adapters = json.loads(run_cli("sources", "--json").stdout)
    assert {a["name"] for a in adapters} == set(available_sources())
    assert {"layout", "citation", "licence_class", "homepage"} <= set(adapters[0])
    findings = json.loads(run_cli("ontology", "show", "--modality", "fundus", "--json").stdout)
    assert [f["id"] for f in findings] == [f.id for f in load_ontology().findings("fundus")]
    assert findings[0]["descriptions"]


def test_validate_and_stats_json(tmp_path):
    import json

    from export.output_fixture import write_output

    out = tmp_path / "out"
    write_output(out)
    result = run_cli("validate", str(out), "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == {
        "directory": str(out), "ok": True, "summary": {}, "violations": []
    }
    stats = run_cli("stats", str(out), "--json", "--report", str(tmp_path / "report"))
    assert stats.returncode == 0 and json.loads(stats.stdout)["rows"] == 6
    (out / "rejects.parquet").unlink()
    broken = run_cli("validate", str(out), "--json")
    report = json.loads(broken.stdout)
    assert broken.returncode == 1 and report["ok"] is False
    assert {"file": "rejects.parquet", "check": "missing"}.items() <= report["violations"][0].items()


def test_a_misspelled_key_or_value_gets_a_suggestion(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\nsources: [{name: odir, root: .}]\noutptu: {dir: out}\nimage: {geometry: letterbx}\n")
    result = run_cli("build", str(recipe))
    assert result.returncode == 2
    assert "outptu: unknown key (allowed keys: " in result.stderr and "did you mean 'output'?" in result.stderr
    assert "did you mean 'letterbox'?" in result.stderr


def _help_of(*command: str) -> str:
    from typer.testing import CliRunner

    from mgll_data.cli import app

    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"}, prog_name="mgll-data")
    assert result.exit_code == 0, result.output
    return result.output


def test_help_text_keeps_brackets_names_arguments_and_shows_no_type_on_flags():
    import typer.main

    from mgll_data.cli import app

    group = typer.main.get_command(app)
    names = [[name] for name in group.commands if name != "ontology"]
    names += [["ontology", name] for name in group.commands["ontology"].commands]
    assert len(names) >= 13
    for name in names:
        text = _help_of(*name)
        assert "{" not in text.splitlines()[0] and "<bool>" not in text, name
    assert _help_of("build").startswith("Usage: mgll-data build [OPTIONS] RECIPE\n")
    assert "<bool>" not in _help_of()
    stats = " ".join(_help_of("stats").split())
    assert "near-duplicate phashes [dedup's default]" in stats and "plots [DIR/stats]" in stats
    assert _help_of("rejects").startswith("Usage: mgll-data rejects [OPTIONS] [DIR]\n")


def test_a_misspelt_adapter_gets_a_suggestion(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\nsources: [{name: odri, root: .}, {name: aptso, root: .}]\noutput: {dir: out}\n")
    result = run_cli("build", str(recipe))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown source 'odri'" in result.stderr and "did you mean 'odir'?" in result.stderr


def test_readme_source_table_lists_every_adapter_once():
    import re
    from collections import Counter
    from pathlib import Path

    from mgll_data.sources import available_sources

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Sources", 1)[1].split("\n\n", 1)[0]
    names = Counter(name for row in table.splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split("|")[1]))
    assert set(names) == set(available_sources()) and set(names.values()) == {1}, names
