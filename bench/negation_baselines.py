"""Negation F1 of the labeler against negspaCy (a spaCy NegEx) on the annotated corpora under tests/text/data.

Each annotated target is given to negspaCy as the one entity of its sentence (its `en_clinical` termset, spaCy's
rule sentencizer) and called negated when negspaCy says so; ours is `span_statuses` on the same span. Both are
scored on the same targets with the same counting (`assertion_corpus.score`). negspaCy is in the dev extra.
medspaCy's ConText is not run here: its wheels pin spaCy 3.7 and NumPy 1.x, below what this project installs.

    .venv/bin/python bench/negation_baselines.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import spacy

from mgll_data.text.assertion_corpus import Item, evaluate_negex, score
from mgll_data.text.labeler import SpanStatus

DATA = Path(__file__).resolve().parents[1] / "tests/text/data"
CORPORA = {"negex_test_set": DATA / "negex_rsAnnotations-1-120-random.txt.gz"}


def negspacy_decisions(items: list[Item]) -> list[SpanStatus]:
    """negspaCy's call on each target, as a SpanStatus (negative or positive: it has no uncertainty)."""
    import negspacy.negation  # noqa: F401  (registers the "negex" factory)

    nlp = spacy.blank("en")
    sentencizer, negex = nlp.add_pipe("sentencizer"), nlp.add_pipe("negex")
    decisions = []
    for item in items:
        doc = sentencizer(nlp.make_doc(item.sentence))  # the entity is set between the two components
        span = doc.char_span(item.start, item.end, label="CONDITION", alignment_mode="expand")
        doc.ents = [span] if span is not None else []
        doc = negex(doc)
        negated = bool(doc.ents) and doc.ents[0]._.negex
        decisions.append(SpanStatus(status="negative" if negated else "positive"))
    return decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = {}
    for name, path in CORPORA.items():
        scores, items, ours, _ = evaluate_negex(path)
        theirs = score(items, negspacy_decisions(items))
        pick = next(s for s in scores if s.finding == "status:negative")
        base = next(s for s in theirs if s.finding == "status:negative")
        result[name] = {
            "targets": len(items),
            "ours_negation": {"p": round(pick.precision, 4), "r": round(pick.recall, 4), "f1": round(pick.f1, 4)},
            "negspacy_negation": {"p": round(base.precision, 4), "r": round(base.recall, 4), "f1": round(base.f1, 4)},
        }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
