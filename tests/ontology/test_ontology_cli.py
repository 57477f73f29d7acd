"""`mgll-data ontology lint` and `show` through the real typer app."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from mgll_data import cli

runner = CliRunner()


def test_lint_passes_on_shipped_data_with_real_odir_keywords(realdata):
    result = runner.invoke(cli.app, ["ontology", "lint", "--odir-csv", str(realdata / "fundus/odir/full_df.csv")])
    assert result.exit_code == 0, result.output
    assert "ontology ok" in result.output


def test_lint_exits_1_listing_every_problem(tmp_path, monkeypatch):
    monkeypatch.setattr(cli.console, "width", 300)
    (tmp_path / "findings").mkdir()
    (tmp_path / "maps").mkdir()
    finding = {"id": "edema", "modality": "cxr", "kind": "disease", "display_name": "Edema", "parent": "opacity"}
    (tmp_path / "findings" / "cxr.yaml").write_text(yaml.safe_dump({"findings": [finding]}), encoding="utf-8")
    (tmp_path / "maps" / "toy.tsv").write_text(
        "label\tpositive\tuncertain\tnegative\tnote\nMass\tmass\t\t\t\nLens dust\t\t\t\t\n", encoding="utf-8"
    )
    result = runner.invoke(cli.app, ["ontology", "lint", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    for kind in ("missing_description", "missing_explanation", "unknown_parent", "unknown_target", "empty_map_row"):
        assert f"[{kind}]" in result.output
    assert "5 problem(s)" in result.output


def test_lint_reports_unreadable_data_as_a_problem(tmp_path):
    result = runner.invoke(cli.app, ["ontology", "lint", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "findings/ and maps/" in result.output


@pytest.mark.parametrize(
    ("modality", "present", "absent"), [("cxr", "pneumothorax", "glaucoma"), ("fundus", "glaucoma", "pneumothorax")]
)
def test_show_filters_by_modality(monkeypatch, modality, present, absent):
    monkeypatch.setattr(cli.console, "width", 300)
    result = runner.invoke(cli.app, ["ontology", "show", "--modality", modality])
    assert result.exit_code == 0, result.output
    assert present in result.output and "normal" in result.output
    assert absent not in result.output


def test_show_rejects_unknown_modality():
    result = runner.invoke(cli.app, ["ontology", "show", "--modality", "eye"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "'eye' is not one of 'fundus', 'cxr'" in result.output


def test_lint_fails_on_a_specific_free_sentence_added_to_the_shipped_data(tmp_path, monkeypatch):
    """The shipped ontology passes; one free sentence naming a side and an acuity makes `ontology lint` fail."""
    import shutil

    from mgll_data.ontology.loader import PACKAGE_DATA

    monkeypatch.setattr(cli.console, "width", 300)
    for folder in ("findings", "maps"):
        shutil.copytree(PACKAGE_DATA / folder, tmp_path / folder)
    assert runner.invoke(cli.app, ["ontology", "lint", "--data-dir", str(tmp_path)]).exit_code == 0
    cxr = tmp_path / "findings" / "cxr.yaml"
    data = yaml.safe_load(cxr.read_text(encoding="utf-8"))
    fracture = next(f for f in data["findings"] if f["id"] == "fracture")
    fracture["descriptions"].append("acute left rib fracture")
    cxr.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(cli.app, ["ontology", "lint", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "finding 'fracture': [specific_free_sentence] description 'acute left rib fracture'" in result.output
    assert "'acute' (acuity)" in result.output and "'left' (side)" in result.output
    assert "1 problem(s)" in result.output
