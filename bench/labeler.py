"""Reports per second per core for the report labeler, against a plain regex-only labeler in the same run.

Input: the 3,955 IU X-ray / Open-i reports (FINDINGS + IMPRESSION) from shared/realdata. The baseline uses
the same mention phrases compiled into one regular expression per finding and calls a mention negative when
"no", "not", "without" or "negative for" comes earlier in its sentence (split on periods); it has no
uncertainty, pseudo-negation, terminators or subject + modifier rules. Rounds alternate between the two in
this one process, pinned to one core where the OS allows; rates are per CPU-second (time.process_time), so
other load on the machine does not bias them. Micro-F1 of both on the Open-i dev labels is printed too.
Also timed: mention spans decided per CPU-second (the mentions `label_reports` returns, and the 2,365 targets of
the vendored NegEx test set through `span_statuses`), and the `mgll-data label` CLI on the same reports written
as its input CSV, in a subprocess (its CPU time; a one-report run gives the start-up time to subtract).

    .venv/bin/python bench/labeler.py [--reports ../shared/realdata/reports] [--rounds 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mgll_data.ontology import load_ontology
from mgll_data.text.assertion_corpus import read_negex_corpus
from mgll_data.text.evaluate import GOLD_FILE, REPORTS_FILE, Score, evaluate, iu_report_texts, micro
from mgll_data.text.labeler import label_reports, span_statuses
from mgll_data.text.rules import labeler_rules

NEGATION = re.compile(r"\b(?:no|not|without|negative for)\b", re.IGNORECASE)


class RegexLabeler:
    """The baseline: one alternation per finding, negation cue earlier in the sentence."""

    def __init__(self) -> None:
        self.patterns = {
            finding: re.compile(
                r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b",
                re.IGNORECASE,
            )
            for finding, phrases in labeler_rules().mentions.items()
        }

    def __call__(self, text: str) -> set[str]:
        positive = set()
        for sentence in text.split(". "):
            for finding, pattern in self.patterns.items():
                match = pattern.search(sentence)
                if match and not NEGATION.search(sentence, 0, match.start()):
                    positive.add(finding)
        return positive


def rate(fn, texts: list[str]) -> tuple[float, float]:
    """Reports per CPU-second and per wall-clock second."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn(texts)
    return len(texts) / (time.process_time() - cpu), len(texts) / (time.perf_counter() - wall)


NEGEX = Path(__file__).resolve().parents[1] / "tests/text/data/negex_rsAnnotations-1-120-random.txt.gz"


def cli_seconds(texts: list[str], folder: Path) -> float:
    """CPU seconds of `mgll-data label` over `texts` (one report per row of its input CSV)."""
    source, out = folder / f"in{len(texts)}.csv", folder / "out.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([t] for t in texts)
    command = [sys.executable, "-c", "from mgll_data.cli import main; main()", "label", str(source), "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def baseline_micro_f1(reports_dir: Path, labeler: RegexLabeler) -> Score:
    _, cases = evaluate(reports_dir)
    vocab = [(label, m.positive) for label, m in load_ontology().vocab("chestxray14") if "normal" not in m.positive]
    tp = fp = fn = 0
    for _, text, gold, _ in cases:
        found = labeler(text)
        predicted = {label for label, targets in vocab if any(t in found for t in targets)}
        tp, fp, fn = tp + len(gold & predicted), fp + len(predicted - gold), fn + len(gold - predicted)
    return Score("micro", tp, fp, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--reports", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/realdata/reports"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = list(iu_report_texts(args.reports / REPORTS_FILE).values())
    regex = RegexLabeler()
    label_reports(texts[:100])  # build the pipeline outside the timed rounds
    ours, baseline = [], []
    for _ in range(args.rounds):
        ours.append(rate(label_reports, texts))
        baseline.append(rate(lambda batch: [regex(t) for t in batch], texts))
    ours_rate, baseline_rate = statistics.median(r[0] for r in ours), statistics.median(r[0] for r in baseline)
    mentions = sum(len(r.mentions) for r in label_reports(texts))
    targets = [(i.sentence, i.start, i.end) for i in read_negex_corpus(NEGEX)[0]]
    span_rate = statistics.median(rate(span_statuses, targets)[0] for _ in range(args.rounds))
    with tempfile.TemporaryDirectory() as folder:
        startup = min(cli_seconds(texts[:1], Path(folder)) for _ in range(args.rounds))
        cli = min(cli_seconds(texts, Path(folder)) for _ in range(args.rounds))
    ours_f1 = micro(evaluate(args.reports)[0]).f1
    base_f1 = baseline_micro_f1(args.reports, regex).f1
    result = {
        "reports": len(texts),
        "rounds": args.rounds,
        "ours_reports_per_cpu_second": round(ours_rate, 1),
        "regex_reports_per_cpu_second": round(baseline_rate, 1),
        "ours_over_regex": round(ours_rate / baseline_rate, 3),
        "ours_reports_per_wall_second": round(statistics.median(r[1] for r in ours), 1),
        "regex_reports_per_wall_second": round(statistics.median(r[1] for r in baseline), 1),
        "ours_mentions_per_cpu_second": round(mentions / len(texts) * ours_rate, 1),
        "ours_negex_spans_per_cpu_second": round(span_rate, 1),
        "cli_cpu_seconds_all_reports": round(cli, 2),
        "cli_cpu_seconds_one_report": round(startup, 2),
        "cli_reports_per_cpu_second_after_startup": round((len(texts) - 1) / max(cli - startup, 1e-9), 1),
        "ours_micro_f1_openi_dev": round(ours_f1, 4),
        "regex_micro_f1_openi_dev": round(base_f1, 4),
        "gold": GOLD_FILE,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
