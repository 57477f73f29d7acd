"""Sentence splitting for radiology text that keeps numbers, abbreviations, list items and redactions whole.

A period ends a sentence only when followed by whitespace (so "2.5 cm" stays one token) and when the word
before it is not an abbreviation ("approx.", "p.m.", "Dr.") or a list number ("1."); a question mark set before a
word ("? pneumonia") is a hedge, not an end. A list number that
follows a sentence end or a line break starts a new sentence and is not part of its text. Redaction tokens
(`___`, `XXXX`) contain no period and are never touched. Text is NFKC-normalised per sentence (never made
ASCII); offsets refer to the text passed in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from mgll_data.data_files import read_data_yaml


@dataclass(frozen=True)
class Sentence:
    """One sentence: normalised `text`, its `start`/`end` in the source, and its list number if it had one."""

    text: str
    start: int
    end: int
    item: str | None = None


# Candidate ends: terminal punctuation followed by whitespace or the end, a period glued to the next sentence
# ("apex.There"), a blank line, or a line break that is followed by a list number.
_BOUNDARY = re.compile(r"[.?!]+(?=\s|$)|(?<=[a-z]{2})\.(?=[A-Z][a-z])|\n[ \t\r]*\n\s*|\n(?=[ \t]*\d{1,2}[.)]\s)")
_LIST_ITEM = re.compile(r"^\s*(\d{1,2})[.)]\s+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    words = read_data_yaml("mgll_data.text", "data/abbreviations.yaml")["abbreviations"]
    return frozenset(a.lower() for a in words)


def normalize_text(text: str) -> str:
    """NFKC (full-width forms, ligatures, non-breaking spaces) and single spaces; no character is dropped."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _is_false_end(text: str, start: int, dot_end: int) -> bool:
    """True when the period closing at `dot_end` belongs to an abbreviation, an initial or a list number."""
    if text[dot_end - 1] != ".":
        return False
    words = text[start:dot_end].rsplit(None, 1)
    if not words:
        return False
    raw = words[-1]
    word = raw.lower().lstrip("([\"'")
    if word in _abbreviations():
        return True
    stem = word.rstrip(".")
    if stem.isdigit() and len(stem) <= 2:
        # "1." opening a sentence is a list number; "... at 2." closing one is a sentence end.
        return len(words) == 1
    return len(stem) == 1 and stem.isalpha() and raw[0].isupper()


def _is_hedge_mark(text: str, match: re.Match) -> bool:
    """True for a question mark that stands before what it questions ("? pneumonia", "cough, ?? effusion"):
    not glued to a word before it, and followed by a word. A question ends where its mark is glued on."""
    before = text[match.start() - 1] if match.start() else " "
    if match.group()[0] != "?" or before.isalnum() or before in ".)]":
        return False
    after = text[match.end() :].lstrip()
    return bool(after) and after[0].isalnum()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Raw (start, end) pieces of `text`, list numbers included; the fast path the labeler uses."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if not _is_false_end(text, start, match.end()) and not _is_hedge_mark(text, match):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` in order; empty pieces are skipped, nothing else is dropped."""
    sentences: list[Sentence] = []
    for start, end in sentence_spans(text):
        _append(text, start, end, sentences)
    return sentences


def _append(text: str, start: int, end: int, out: list[Sentence]) -> None:
    chunk = text[start:end]
    item = None
    marker = _LIST_ITEM.match(chunk)
    if marker:
        item = marker.group(1)
        start += marker.end()
        chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped.strip(".?!"):
        return
    left = start + len(chunk) - len(chunk.lstrip())
    out.append(Sentence(normalize_text(stripped), left, left + len(stripped), item))
