"""Does a row's text fit its own image? The checks `validate` runs on every row and the report-row test runs on
the real IU / Open-i reports.

A description or explanation (granularities 2 and 3) must not: name the other eye of a fundus image; name a
view the row does not have; carry a redaction token, a communication or sign-off sentence, or a raw MeSH
string; and, on a row with a report, use a side, lobe, zone, acuity, lesion-age or sub-type word whose group
its own report never uses (`mgll_data/ontology/specific_words.yaml`). Pure: texts and row facts in, problems out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mgll_data.ontology.specific import specific_words
from mgll_data.text.clean import drop_rule, has_redaction, is_mesh_string

PROBLEM_KINDS = ("other_eye", "other_view", "redaction", "communication", "mesh_string", "unsupported_word")


@dataclass(frozen=True)
class TextProblem:
    """One text that does not fit its row: `kind` (one of `PROBLEM_KINDS`), the words at fault, the text."""

    kind: str
    words: str
    text: str


def text_problems(
    texts: Iterable[str],
    *,
    view: str | None = None,
    laterality: str | None = None,
    report: str | None = None,
    modality: str | None = None,
) -> list[TextProblem]:
    """Every problem of `texts` (a row's descriptions and explanations) against the row's view, eye and report.

    `report` is the row's own report text (findings + impression); None skips the unsupported-word check. The
    view check applies to chest X-ray rows (`modality` cxr or None), the eye check to rows with a laterality.
    """
    vocabulary = specific_words()
    backed = vocabulary.groups(report) if report else set()
    other_eyes = {g for side, groups in vocabulary.eyes.items() if side != laterality for g in groups}
    own_eye = vocabulary.eyes.get(laterality or "", frozenset())
    views = vocabulary.views.get(view or "", frozenset())
    problems = []
    for text in texts:
        if has_redaction(text):
            problems.append(TextProblem("redaction", "", text))
        if drop_rule(text) in ("communication", "signoff"):
            problems.append(TextProblem("communication", "", text))
        if is_mesh_string(text):
            problems.append(TextProblem("mesh_string", "", text))
        words = vocabulary.find(text)
        if laterality:
            wrong = [w.text for w in words if w.group in other_eyes - own_eye]
            if wrong:
                problems.append(TextProblem("other_eye", ", ".join(wrong), text))
        if modality in (None, "cxr"):
            wrong = [w.text for w in words if w.category == "view" and w.group not in views]
            if wrong:
                problems.append(TextProblem("other_view", ", ".join(wrong), text))
        if report is not None:
            wrong = [w.text for w in words if w.category in vocabulary.grounded and w.group not in backed]
            if wrong:
                problems.append(TextProblem("unsupported_word", ", ".join(sorted(set(wrong))), text))
    return problems
