"""`mgll-data label`: the CheXpert labeler's CSV format in and out, on its own 4 golden reports."""

from __future__ import annotations

import csv
import sys

import pytest

from mgll_data.cli import main
from mgll_data.errors import MgllError
from mgll_data.ontology import load_ontology
from mgll_data.text.chexpert_csv import label_csv, read_reports


def _run(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["mgll-data", *args])
    try:
        main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_chexpert_golden_sample_round_trip(realdata, tmp_path, monkeypatch) -> None:
    sample = realdata / "reports" / "chexpert_labeler_sample"
    out = tmp_path / "labeled.csv"
    assert _run(monkeypatch, "label", str(sample / "sample_reports.csv"), "--out", str(out)) == 0
    assert out.read_bytes() == (sample / "labeled_reports.csv").read_bytes()


def test_chestxray14_columns(realdata, tmp_path) -> None:
    out = tmp_path / "cxr14.csv"
    labelled = label_csv(realdata / "reports" / "chexpert_labeler_sample" / "sample_reports.csv", out, "chestxray14")
    assert len(labelled.reports) == 4 and not labelled.skipped_header
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["Reports", *(label for label, _ in load_ontology().vocab("chestxray14"))]
    assert rows[1]["Effusion"] == "1.0"
    assert rows[1]["Edema"] == "0.0"
    assert rows[2]["Consolidation"] == "-1.0"
    assert rows[3]["Mass"] == ""


def test_multiline_and_quoted_reports_survive(tmp_path) -> None:
    source = tmp_path / "in.csv"
    with open(source, "w", newline="") as handle:
        csv.writer(handle).writerows([["1. Small effusion, stable.\n\n2. No pneumothorax."], ['"Quoted" normal chest']])
    assert read_reports(source) == (
        ["1. Small effusion, stable.\n\n2. No pneumothorax.", '"Quoted" normal chest'],
        False,
    )


def test_user_mistakes_are_one_clear_message(tmp_path, monkeypatch, capsys) -> None:
    missing = tmp_path / "missing.csv"
    assert _run(monkeypatch, "label", str(missing), "--out", str(tmp_path / "o.csv")) == 2
    assert "missing.csv" in capsys.readouterr().err
    wide = tmp_path / "wide.csv"
    wide.write_text("Reports,No Finding\nsome text,1.0\n")
    with pytest.raises(MgllError, match="row 1 has 2 columns"):
        read_reports(wide)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(MgllError, match="no reports"):
        read_reports(empty)
    with pytest.raises(MgllError, match="--vocab 'negbio'"):
        label_csv(wide, tmp_path / "o.csv", "negbio")


def test_a_reports_header_row_is_skipped_with_a_warning(realdata, tmp_path, monkeypatch, capsys) -> None:
    """The labeler's own output header fed back in is recognised, not labelled as a report."""
    sample = realdata / "reports" / "chexpert_labeler_sample"
    with_header = tmp_path / "with_header.csv"
    with_header.write_bytes(b"Reports\n" + (sample / "sample_reports.csv").read_bytes())
    out = tmp_path / "labeled.csv"
    assert _run(monkeypatch, "label", str(with_header), "--out", str(out)) == 0
    assert out.read_bytes() == (sample / "labeled_reports.csv").read_bytes()
    captured = capsys.readouterr()
    assert "row 1 is the header 'Reports'" in captured.err
    assert "labelled 4 reports" in captured.out
    reports, skipped = read_reports(with_header)
    assert skipped and len(reports) == 4


def test_explain_prints_each_mention_with_its_trigger(tmp_path, monkeypatch, capsys) -> None:
    source = tmp_path / "in.csv"
    source.write_text('"Evaluate for pneumonia. Heart size is normal; no effusion."\nPossible edema.\n')
    assert _run(monkeypatch, "label", str(source), "--out", str(tmp_path / "o.csv"), "--explain") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "row 1: Evaluate for pneumonia. Heart size is normal; no effusion."
    pneumonia, cardiomegaly, effusion = lines[1:4]
    assert pneumonia.split()[:2] == ["pneumonia", "positive/hypothetical"]
    assert pneumonia.endswith('<- hypothetical_pre "Evaluate for" [scope "Evaluate for pneumonia"]  (not counted)')
    assert cardiomegaly.split()[:2] == ["cardiomegaly", "negative"]
    assert cardiomegaly.endswith('"Heart size is normal" <- normal_statement "normal"')
    assert effusion.endswith('"effusion" <- negated_pre "no" [scope "no effusion"]')
    assert lines[4:7] == ["  positive: normal", "  uncertain: -", "  negative: cardiomegaly, pleural_effusion"]
    assert lines[7] == "row 2: Possible edema."
    assert lines[8].endswith('"edema" <- uncertain_pre "Possible" [scope "Possible edema"]')
    assert lines[10] == "  uncertain: edema"


def test_explain_shows_where_each_cue_stopped(tmp_path, monkeypatch, capsys) -> None:
    """The scope of a cue ends at a new phrase, and --explain shows the words it covered."""
    source = tmp_path / "in.csv"
    source.write_text(
        '"Large right pneumothorax with visible pleural line and absent lung markings. '
        'No pneumothorax, but there is a small left effusion."\n'
    )
    assert _run(monkeypatch, "label", str(source), "--out", str(tmp_path / "o.csv"), "--explain") == 0
    lines = capsys.readouterr().out.splitlines()
    first, second, effusion = lines[1:4]
    assert first.split()[:2] == ["pneumothorax", "positive"] and first.endswith("no trigger")
    assert second.endswith('<- negated_pre "No" [scope "No pneumothorax"]')
    assert effusion.split()[:2] == ["pleural_effusion", "positive"]
