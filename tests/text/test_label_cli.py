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
    count = label_csv(realdata / "reports" / "chexpert_labeler_sample" / "sample_reports.csv", out, "chestxray14")
    assert count == 4
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
    assert read_reports(source) == ["1. Small effusion, stable.\n\n2. No pneumothorax.", '"Quoted" normal chest']


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
