"""Shared by the ConText tests: the decision for a target's first occurrence, and a finding's report state."""

from __future__ import annotations

import pytest

from mgll_data.text import SpanStatus, label_report, span_status

# the axis each expected value belongs to; any other value is a status
AXIS_OF = {"hypothetical": "temporality", "historical": "temporality", "current": "temporality", "other": "experiencer"}


def span_of(text: str, target: str) -> SpanStatus:
    start = text.index(target)
    return span_status(text, start, start + len(target))


def state_of(text: str, finding: str) -> str | None:
    result = label_report(text)
    for state, ids in (("positive", result.labels), ("uncertain", result.uncertain_labels)):
        if finding in ids:
            return state
    return "negative" if finding in result.negative_labels else None


def cases(rows: list[tuple[str, str, str]]):
    """Parametrize a test over (text, target, expected value of one axis) rows."""
    return pytest.mark.parametrize(("text", "target", "expected"), rows)


def check_axis(text: str, target: str, expected: str) -> None:
    """The target's first occurrence has the expected value on that value's axis."""
    decided = span_of(text, target)
    assert getattr(decided, AXIS_OF.get(expected, "status")) == expected, decided.triggers
