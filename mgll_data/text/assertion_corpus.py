"""Score the ConText decision (`span_statuses`) on a corpus of annotated target spans.

The reader takes the NegEx / ConText test-set layout (Chapman et al., tab-separated: line number, condition,
sentence, negation status, temporality, experiencer), the public corpus vendored under tests/text/data with its
provenance. Each condition is located in its sentence (case and runs of spaces ignored) and decided with the
labeler's rules; a row whose condition cannot be found in its sentence is counted, never dropped silently.
Run: `python -m mgll_data.text.assertion_corpus tests/text/data/negex_rsAnnotations-1-120-random.txt.gz`.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path

from mgll_data.errors import MgllError
from mgll_data.text.evaluate import Score, format_table
from mgll_data.text.labeler import SpanStatus, span_statuses

# the corpus's values on each axis -> ours
_STATUS = {"negated": "negative", "affirmed": "positive", "possible": "uncertain"}
_TEMPORALITY = {"recent": "current", "historical": "historical", "hypothetical": "hypothetical"}
_TEMPORALITY["not particular"] = "hypothetical"
_EXPERIENCER = {"patient": "patient", "other": "other", "family member": "other"}


@dataclass(frozen=True)
class Item:
    """One annotated target: the sentence, the target's character span, and the gold value of each axis."""

    row: int
    sentence: str
    start: int
    end: int
    status: str
    temporality: str
    experiencer: str


def _open_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MgllError(f"{path}: cannot read the annotated corpus ({error.strerror})") from None
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def read_negex_corpus(path: Path) -> tuple[list[Item], list[int]]:
    """Items of a NegEx / ConText test-set file, and the rows whose condition is not in its sentence."""
    rows = list(csv.reader(io.StringIO(_open_text(path)), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or len(rows[0]) < 6:
        raise MgllError(f"{path}: expected the NegEx test-set layout (6 tab-separated columns with a header)")
    items, unfound = [], []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) < 6:
            raise MgllError(f"{path}:{number}: expected 6 tab-separated columns, found {len(row)}")
        condition, sentence = row[1].strip(), row[2]
        values = (row[3].strip().lower(), row[4].strip().lower(), row[5].strip().lower())
        try:
            status, temporality, experiencer = _STATUS[values[0]], _TEMPORALITY[values[1]], _EXPERIENCER[values[2]]
        except KeyError as error:
            raise MgllError(f"{path}:{number}: unknown annotation value {error.args[0]!r}") from None
        pattern = r"\s+".join(re.escape(w) for w in condition.split())
        found = re.search(pattern, sentence, re.IGNORECASE) if pattern else None
        if found is None:
            unfound.append(number)
            continue
        items.append(Item(number, sentence, found.start(), found.end(), status, temporality, experiencer))
    return items, unfound


# the values scored, each with its axis: `--errors` takes any of them
_VALUE_AXIS = {
    "negative": "status",
    "uncertain": "status",
    "historical": "temporality",
    "hypothetical": "temporality",
    "other": "experiencer",
}


def score(items: list[Item], decisions: list[SpanStatus]) -> list[Score]:
    """Per axis value ("status:negative", ...): counts with that value as the positive class."""
    scores = []
    for value, axis in _VALUE_AXIS.items():
        gold = [getattr(i, axis) == value for i in items]
        predicted = [getattr(d, axis) == value for d in decisions]
        tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
        fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
        scores.append(Score(f"{axis}:{value}", tp, fp, fn))
    return scores


def evaluate_negex(path: Path) -> tuple[list[Score], list[Item], list[SpanStatus], list[int]]:
    """Scores, items, our decisions and the unfound rows of one NegEx-format corpus."""
    items, unfound = read_negex_corpus(path)
    decisions = span_statuses((i.sentence, i.start, i.end) for i in items)
    return score(items, decisions), items, decisions, unfound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--errors", choices=sorted(_VALUE_AXIS), help="print the rows misjudged on this value (of any axis)"
    )
    args = parser.parse_args()
    scores, items, decisions, unfound = evaluate_negex(args.corpus)
    print(f"{len(items)} targets ({len(unfound)} rows whose condition is not in the sentence: {unfound[:10]})")
    print(format_table(scores, "axis:value", with_micro=False))
    if args.errors:
        axis = _VALUE_AXIS[args.errors]
        for item, decision in zip(items, decisions, strict=True):
            gold, ours = getattr(item, axis), getattr(decision, axis)
            if (gold == args.errors) != (ours == args.errors):
                cues = ", ".join(f"{t.category}:{t.text}" for t in decision.triggers) or "-"
                target = item.sentence[item.start : item.end]
                print(f"row {item.row} gold {gold} ours {ours} [{target}] <- {cues}")
                print(f"    {' '.join(item.sentence.split())}")


if __name__ == "__main__":
    main()
