"""Words that make a sentence specific (side, lobe, zone, acuity, age of lesion, view, sub-type) and template slots.

The words live in `specific_words.yaml`. Three users: the ontology lint (a free sentence may not use them), text
composition (report-derived words are kept only where the row's report backs them; templates are filled from
the row) and the text checks (validate, the report-row check). Pure functions over the loaded vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mgll_data.data_files import load_data_yaml
from mgll_data.ontology.model import OntologyError

SPECIFIC_WORDS_FILE = Path(__file__).resolve().parent / "specific_words.yaml"
_SLOT = re.compile(r"\{(\w+)\}")
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[A-Za-z][\w-]*")


@dataclass(frozen=True)
class SpecificWord:
    """One specific word found in a text: its category, its group's first word (the group key) and the words."""

    category: str
    group: str
    text: str
    start: int


@dataclass(frozen=True)
class Slot:
    """A template slot: the row field it reads and how a value becomes words."""

    field: str
    values: Mapping[str, str] | None = None
    format: str | None = None

    def fill(self, value: Any) -> str | None:
        """The words for `value`, or None when the row has no usable value."""
        if value is None or value == "":
            return None
        if self.values is not None:
            return self.values.get(str(value))
        try:
            return self.format.format(value) if self.format else str(value)
        except (ValueError, TypeError):
            return None


@dataclass(frozen=True)
class SpecificVocabulary:
    """The compiled `specific_words.yaml`."""

    # word or phrase (lower case; short capitals as written) -> its (category, group key) pairs ("bibasilar" is
    # both a side and a zone)
    word_group: Mapping[str, tuple[tuple[str, str], ...]]
    longest: int  # words in the longest phrase
    grounded: frozenset[str]
    views: Mapping[str, frozenset[str]]  # record view -> group keys that may be said of it
    eyes: Mapping[str, frozenset[str]]  # laterality -> side group keys of that eye
    slots: Mapping[str, Slot]

    def find(self, text: str) -> list[SpecificWord]:
        """Every specific word or phrase in `text`, in order, the longest phrase first where several start at
        one word. A token walk, not one big regular expression: it runs on every sentence of every row."""
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        found, i = [], 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                start, end = tokens[i][0], tokens[i + size - 1][1]
                words = _SPACES.sub(" ", text[start:end])
                hit = self.word_group.get(words) or self.word_group.get(words.lower())
                if hit and (words.lower() in self.word_group or words.isupper()):
                    found += [SpecificWord(category, group, words, start) for category, group in hit]
                    i += size
                    break
            else:
                i += 1
        return found

    def groups(self, text: str) -> set[str]:
        """The group keys named in `text`."""
        return {word.group for word in self.find(text)}


def read_specific_words(path: Path) -> SpecificVocabulary:
    """Compile one specific-words file; an unreadable or misshapen file is an `OntologyError` naming it."""
    try:
        data = load_data_yaml(path.read_text(encoding="utf-8"))
        word_group: dict[str, tuple[tuple[str, str], ...]] = {}
        grounded = set()
        for category, spec in data["categories"].items():
            if spec.get("grounded"):
                grounded.add(category)
            for group in spec["groups"]:
                for word in group:
                    # A short all-capitals word (OD, OS) is an abbreviation: matched as written, not as "od".
                    key = _SPACES.sub(" ", word if word.isupper() and len(word) <= 3 else word.lower())
                    if (category, group[0]) not in word_group.get(key, ()):
                        word_group[key] = (*word_group.get(key, ()), (category, group[0]))
        slots = {
            name: Slot(spec["field"], spec.get("values"), spec.get("format")) for name, spec in data["slots"].items()
        }
        views = {view: frozenset(groups) for view, groups in data["views"].items()}
        eyes = {side: frozenset(groups) for side, groups in data["eyes"].items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise OntologyError(f"{path}: expected categories/views/eyes/slots as documented in the file ({exc})") from None
    longest = max((len(_TOKEN.findall(key)) for key in word_group), default=1)
    return SpecificVocabulary(word_group, longest, frozenset(grounded), views, eyes, slots)


@cache
def specific_words(path: Path = SPECIFIC_WORDS_FILE) -> SpecificVocabulary:
    """The package's specific-word vocabulary (or another file's), read once."""
    return read_specific_words(path)


def template_slots(template: str) -> list[str]:
    """The slot names a template uses, in order."""
    return _SLOT.findall(template)


def fill_template(template: str, facts: Mapping[str, Any], vocabulary: SpecificVocabulary | None = None) -> str | None:
    """`template` with every slot filled from `facts` (the row's columns and attributes), or None when a slot is
    unknown or the row lacks its value: a template never guesses."""
    vocabulary = vocabulary or specific_words()
    words = {}
    for name in template_slots(template):
        slot = vocabulary.slots.get(name)
        value = slot.fill(facts.get(slot.field)) if slot else None
        if value is None:
            return None
        words[name] = value
    return _SLOT.sub(lambda m: words[m.group(1)], template)
