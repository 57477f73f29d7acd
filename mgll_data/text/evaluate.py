"""Score the labeler against the Open-i manual labels (`openi_gold14_dev.csv` joined to `NLMCXR_reports.tgz`).

The gold file names each report by its IU X-ray uId (`CXR64` is `ecgen-radiology/64.xml`); the text labelled
is FINDINGS followed by IMPRESSION. A finding counts as predicted when the labeler calls it positive, or
uncertain through a differential or a probable cue (the Open-i annotators' convention for those two).
Run: `python -m mgll_data.text.evaluate ../shared/realdata/reports [--errors FINDING]`.
"""

from __future__ import annotations

import argparse
import csv
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from mgll_data.errors import MgllError
from mgll_data.ontology import load_ontology
from mgll_data.text.labeler import ReportLabels, label_reports
from mgll_data.text.sections import sections_as_dict, sections_from_iu_xml

GOLD_FILE = "openi_gold14_dev.csv"
REPORTS_FILE = "NLMCXR_reports.tgz"
# The labeler follows the CheXpert labeler's convention: the alternatives of a differential ("atelectasis versus
# infiltrate") and probable findings are uncertain. The Open-i annotators code both as present (in the dev part,
# 58 of 70 differential alternatives and 10 of 13 probable findings the labeler calls uncertain are 1), and every
# other hedge ("may represent", "suggest", "no definite") as absent. The score maps those two trigger categories
# to present, as a U-Ones policy would for them only, so it measures the labeler and not the difference of
# conventions.
OPENI_PRESENT_WHEN_UNCERTAIN_BY = frozenset({"differential", "differential_versus", "probable_pre", "probable_post"})


@dataclass(frozen=True)
class Score:
    finding: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def iu_report_texts(tgz: Path) -> dict[str, str]:
    """uId -> FINDINGS + IMPRESSION text for every report in the Open-i archive."""
    texts: dict[str, str] = {}
    try:
        with tarfile.open(tgz) as archive:
            for member in archive:
                if not member.name.endswith(".xml"):
                    continue
                data = archive.extractfile(member).read()
                uid = ET.fromstring(data).find("uId")
                if uid is None:
                    raise MgllError(f"{tgz}:{member.name}: no <uId> element, expected an IU X-ray report")
                sections = sections_as_dict(sections_from_iu_xml(data, f"{tgz}:{member.name}"))
                texts[uid.get("id")] = " ".join(t for t in (sections.get("findings"), sections.get("impression")) if t)
    except (OSError, tarfile.TarError) as error:
        raise MgllError(f"{tgz}: cannot read the Open-i report archive ({error})") from None
    return texts


def evaluate(reports_dir: Path) -> tuple[list[Score], list[tuple[str, str, set[str], set[str]]]]:
    """Per-finding scores and, per report, (id, text, gold positives, predicted positives)."""
    texts = iu_report_texts(reports_dir / REPORTS_FILE)
    with open(reports_dir / GOLD_FILE, newline="", encoding="utf-8") as handle:
        gold_rows = list(csv.DictReader(handle))
    # The 14 findings: the vocabulary's labels that are gold columns, without the normal label.
    vocab = [
        (label, mapped.positive)
        for label, mapped in load_ontology().vocab("chestxray14")
        if label in gold_rows[0] and "normal" not in mapped.positive
    ]
    missing = [row["filename"] for row in gold_rows if row["filename"] not in texts]
    if missing:
        raise MgllError(f"{reports_dir / GOLD_FILE}: {len(missing)} ids not in {REPORTS_FILE}, e.g. {missing[:3]}")
    ids = [row["filename"] for row in gold_rows]
    predictions = label_reports(texts[i] for i in ids)
    cases = []
    counts = {label: [0, 0, 0] for label, _ in vocab}
    for row, prediction in zip(gold_rows, predictions, strict=True):
        positive = set(prediction.labels) | openi_present_uncertain(prediction)
        gold, predicted = set(), set()
        for label, targets in vocab:
            is_gold = row[label].strip() == "1"
            is_pred = any(t in positive for t in targets)
            gold |= {label} if is_gold else set()
            predicted |= {label} if is_pred else set()
            counts[label][0] += is_gold and is_pred
            counts[label][1] += is_pred and not is_gold
            counts[label][2] += is_gold and not is_pred
        cases.append((row["filename"], texts[row["filename"]], gold, predicted))
    return [Score(label, *counts[label]) for label, _ in vocab], cases


def openi_present_uncertain(labels: ReportLabels) -> set[str]:
    """Uncertain findings that the Open-i annotators code as present: those a differential or a probable cue
    made uncertain (see OPENI_PRESENT_WHEN_UNCERTAIN_BY)."""
    return {
        m.finding
        for m in labels.mentions
        if m.about_study
        and m.status == "uncertain"
        and m.finding in labels.uncertain_labels
        and m.trigger in OPENI_PRESENT_WHEN_UNCERTAIN_BY
    }


def micro(scores: list[Score]) -> Score:
    return Score("micro", sum(s.tp for s in scores), sum(s.fp for s in scores), sum(s.fn for s in scores))


def format_table(scores: list[Score], header: str = "finding", with_micro: bool = True) -> str:
    lines = [f"{header:<24}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>6}{'FN':>6}"]
    for s in [*scores, micro(scores)] if with_micro else scores:
        lines.append(f"{s.finding:<24}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.tp:6d}{s.fp:6d}{s.fn:6d}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reports_dir", type=Path)
    parser.add_argument("--errors", help="print false positives / negatives of this finding")
    args = parser.parse_args()
    scores, cases = evaluate(args.reports_dir)
    print(format_table(scores))
    if args.errors:
        for uid, text, gold, predicted in cases:
            if (args.errors in gold) != (args.errors in predicted):
                kind = "FN" if args.errors in gold else "FP"
                print(f"{kind} {uid}: {text}")


if __name__ == "__main__":
    main()
