"""Read and write the CheXpert labeler's CSV format, so `mgll-data label` drops in where that labeler ran.

Input: one report per row, no header, one column; a first row reading `Reports` (the header of this format's
output, fed back in) is recognised and skipped, not labelled. Output: `Reports` plus one column per label of
the chosen vocabulary (ontology map order): 1.0 positive, 0.0 negative, -1.0 uncertain, blank when not
mentioned. `explain` lists each report's mentions with the triggers that decided them, as the CheXpert
labeler's verbose mode does.

Conventions where ours differ from the CheXpert labeler's (decided per case, tested in
tests/text/test_chexpert_conventions.py):
- a stable / unchanged heart or mediastinum: CheXpert uncertain; ours not stated (no size is stated, and an
  uncertain would take "normal" from every unremarkable follow-up);
- "no new X": CheXpert uncertain; ours negative (a persisting X stated elsewhere is positive and wins);
- requests ("rule out", "evaluate for"): CheXpert uncertain; ours hypothetical, not a label of the study;
- "history of X", a relative's X: CheXpert has no temporality or experiencer; ours not labels, and "no
  history of X" is a negative;
- text: CheXpert reads the impression; the build labels findings + impression.
Kept as CheXpert: heart failure implies uncertain cardiomegaly; No Finding is 1.0 or blank, never 0.0.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from mgll_data.errors import MgllError
from mgll_data.ontology import load_ontology
from mgll_data.text.labeler import ReportLabels, Trigger, label_reports

VOCABULARIES = ("chexpert", "chestxray14")
HEADER = "Reports"


@dataclass(frozen=True)
class LabelledReports:
    """What `label_csv` read and decided: the reports, their labels, and whether a header row was skipped."""

    reports: list[str]
    results: list[ReportLabels]
    skipped_header: bool


def read_reports(path: Path) -> tuple[list[str], bool]:
    """The reports of a one-column CSV, and whether its first row was the `Reports` header (then skipped)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise MgllError(f"{path}: cannot read the reports CSV ({error.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise MgllError(f"{path}: not a UTF-8 CSV of reports ({error})") from None
    skipped_header = bool(rows) and len(rows[0]) == 1 and rows[0][0].strip().lower() == HEADER.lower()
    reports = []
    for number, row in enumerate(rows[1:] if skipped_header else rows, start=2 if skipped_header else 1):
        if len(row) > 1 and any(cell.strip() for cell in row[1:]):
            raise MgllError(f"{path}: row {number} has {len(row)} columns, expected one report per row (no header)")
        reports.append(row[0] if row else "")
    if not reports:
        raise MgllError(f"{path}: no reports found, expected one report per row (no header)")
    return reports, skipped_header


def label_value(result: ReportLabels, targets: list[str]) -> str:
    """CheXpert cell value of one label whose meaning is the ontology ids `targets`."""
    if any(t in result.labels for t in targets):
        return "1.0"
    if any(t in result.uncertain_labels for t in targets):
        return "-1.0"
    if any(t in result.negative_labels for t in targets):
        return "0.0"
    return ""


def label_csv(reports_csv: Path, out_csv: Path, vocab: str = "chexpert") -> LabelledReports:
    """Label every report of `reports_csv` into `out_csv`."""
    if vocab not in VOCABULARIES:
        raise MgllError(f"--vocab {vocab!r}: expected one of {', '.join(VOCABULARIES)}")
    reports, skipped_header = read_reports(reports_csv)
    columns = load_ontology().vocab(vocab)
    results = label_reports(reports)
    try:
        out_csv.parent.mkdir(parents=True, exist_ok=True)
        with open(out_csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([HEADER, *(label for label, _ in columns)])
            for text, result in zip(reports, results, strict=True):
                writer.writerow([text, *(label_value(result, mapped.positive) for _, mapped in columns)])
    except OSError as error:
        raise MgllError(f"{out_csv}: cannot write the labels CSV ({error.strerror})") from None
    return LabelledReports(reports, results, skipped_header)


def explain(labelled: LabelledReports) -> list[str]:
    """Per report: its row, each mention with its status, context, the words that decided it and the scope
    those words covered, and the labels the report gets. Mentions that are not about the study (a request, a
    family member's condition, a past finding) are shown and marked as not counted."""
    lines = []
    first_row = 2 if labelled.skipped_header else 1
    for number, (text, result) in enumerate(zip(labelled.reports, labelled.results, strict=True), start=first_row):
        lines.append(f"row {number}: {' '.join(text.split())}")
        for m in sorted(result.mentions, key=lambda m: (m.start, m.finding)):
            context = [v for v in (m.temporality, m.experiencer) if v not in ("current", "patient")]
            triggers = ", ".join(_trigger_words(t, text) for t in m.triggers) or "no trigger"
            counted = "" if m.about_study else "  (not counted)"
            lines.append(f'  {m.finding:<27}{"/".join([m.status, *context]):<23}"{m.text}" <- {triggers}{counted}')
        for name, ids in (
            ("positive", result.labels),
            ("uncertain", result.uncertain_labels),
            ("negative", result.negative_labels),
        ):
            lines.append(f"  {name}: {', '.join(ids) or '-'}")
    return lines


def _trigger_words(trigger: Trigger, text: str) -> str:
    """A trigger's category and words, and the words its scope covered where that is more than the trigger."""
    words = f'{trigger.category} "{trigger.text}"'
    if trigger.scope is None or trigger.scope == (trigger.start, trigger.end):
        return words
    return f'{words} [scope "{" ".join(text[trigger.scope[0] : trigger.scope[1]].split())}"]'
