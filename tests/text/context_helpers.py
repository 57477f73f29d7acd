"""Shared by the ConText tests: the decision for a target's first occurrence, and a finding's report state."""

from __future__ import annotations

from mgll_data.text import SpanStatus, label_report, span_status


def span_of(text: str, target: str) -> SpanStatus:
    start = text.index(target)
    return span_status(text, start, start + len(target))


def state_of(text: str, finding: str) -> str | None:
    result = label_report(text)
    for state, ids in (("positive", result.labels), ("uncertain", result.uncertain_labels)):
        if finding in ids:
            return state
    return "negative" if finding in result.negative_labels else None
