"""Read and write the CheXpert labeler's CSV format, so `mgll-data label` drops in where that labeler ran.

Input: one report per row, no header, one column. Output: `Reports` plus one column per label of the chosen
vocabulary (ontology map order): 1.0 positive, 0.0 negative, -1.0 uncertain, blank when not mentioned.
"""

from __future__ import annotations

import csv
from pathlib import Path

from mgll_data.errors import MgllError
from mgll_data.ontology import load_ontology
from mgll_data.text.labeler import ReportLabels, label_reports

VOCABULARIES = ("chexpert", "chestxray14")


def read_reports(path: Path) -> list[str]:
    """The reports of a header-less one-column CSV."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise MgllError(f"{path}: cannot read the reports CSV ({error.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise MgllError(f"{path}: not a UTF-8 CSV of reports ({error})") from None
    reports = []
    for number, row in enumerate(rows, start=1):
        if len(row) > 1 and any(cell.strip() for cell in row[1:]):
            raise MgllError(f"{path}: row {number} has {len(row)} columns, expected one report per row (no header)")
        reports.append(row[0] if row else "")
    if not reports:
        raise MgllError(f"{path}: no reports found, expected one report per row (no header)")
    return reports


def label_value(result: ReportLabels, targets: list[str]) -> str:
    """CheXpert cell value of one label whose meaning is the ontology ids `targets`."""
    if any(t in result.labels for t in targets):
        return "1.0"
    if any(t in result.uncertain_labels for t in targets):
        return "-1.0"
    if any(t in result.negative_labels for t in targets):
        return "0.0"
    return ""


def label_csv(reports_csv: Path, out_csv: Path, vocab: str = "chexpert") -> int:
    """Label every report of `reports_csv` into `out_csv`; returns the number of reports."""
    if vocab not in VOCABULARIES:
        raise MgllError(f"--vocab {vocab!r}: expected one of {', '.join(VOCABULARIES)}")
    reports = read_reports(reports_csv)
    columns = load_ontology().vocab(vocab)
    results = label_reports(reports)
    try:
        out_csv.parent.mkdir(parents=True, exist_ok=True)
        with open(out_csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["Reports", *(label for label, _ in columns)])
            for text, result in zip(reports, results, strict=True):
                writer.writerow([text, *(label_value(result, mapped.positive) for _, mapped in columns)])
    except OSError as error:
        raise MgllError(f"{out_csv}: cannot write the labels CSV ({error.strerror})") from None
    return len(reports)
