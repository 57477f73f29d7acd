"""Report sentence cleaning and MeSH keywords as words: the one place that decides which report words may
become a description or explanation.

Rules are data (`data/cleaning.yaml`; sign-off phrases and header spellings come from `data/sections.yaml`):
redaction tokens, communication, recommendation, comparison-only and technique-only sentences are dropped and
counted under their rule name; a dangling section header at a sentence start is cut off. MeSH-style keywords
become words and lose the qualifiers the row's own report does not back (`keyword_words`). Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mgll_data.data_files import read_data_yaml
from mgll_data.ontology.specific import SpecificVocabulary, specific_words
from mgll_data.text.sections import header_key, is_placeholder, section_vocabulary

_LEADING_HEADER = re.compile(r"^\s*(?P<h>[A-Za-z][A-Za-z /&-]{1,40}?)\s*:\s*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CleaningRules:
    """The compiled `data/cleaning.yaml`."""

    redaction: re.Pattern[str]
    drop: tuple[tuple[str, re.Pattern[str]], ...]
    mesh_shape: re.Pattern[str]
    mesh_anatomy: dict[str, str]  # qualifier key -> the words it reads as
    anatomy_preposition: str


@cache
def cleaning_rules() -> CleaningRules:
    """Read and compile the cleaning data once per process."""
    data = read_data_yaml("mgll_data.text", "data/cleaning.yaml")
    drop = tuple(
        (rule, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
        for rule, patterns in data["drop"].items()
    )
    return CleaningRules(
        redaction=re.compile("|".join(f"(?:{p})" for p in data["redaction"])),
        drop=drop,
        mesh_shape=re.compile(data["mesh"]["shape"]),
        mesh_anatomy={_mesh_key(a): words or _mesh_key(a) for a, words in data["mesh"]["anatomy"].items()},
        anatomy_preposition=data["mesh"]["anatomy_preposition"],
    )


def has_redaction(text: str) -> bool:
    """True when `text` carries a de-identification token (XXXX, ___, [**...**])."""
    return bool(cleaning_rules().redaction.search(text))


def drop_rule(text: str) -> str | None:
    """The name of the first rule that leaves `text` out of the texts (redaction, sign-off, communication,
    recommendation, comparison-only, technique-only), or None when it may stay."""
    rules = cleaning_rules()
    if rules.redaction.search(text):
        return "redaction"
    if section_vocabulary().signoff.search(text):
        return "signoff"
    return next((rule for rule, pattern in rules.drop if pattern.search(text)), None)


def clean_sentence(text: str) -> tuple[str | None, str | None]:
    """(`text` without a leading section header, None) when it may stay, else (None, the rule that drops it)."""
    text = text.strip()
    header = _LEADING_HEADER.match(text)
    if header and header_key(header.group("h")) in section_vocabulary().headers:
        text = text[header.end() :].strip()
    if not text.strip(" .;:"):
        return None, "dangling_header"
    if is_placeholder(text):
        return None, "placeholder"
    rule = drop_rule(text)
    return (None, rule) if rule else (text, None)


def is_mesh_string(text: str) -> bool:
    """True for a raw MeSH heading with qualifiers ("Calcified Granuloma/lung/bilateral")."""
    return bool(cleaning_rules().mesh_shape.match(text.strip()))


def _mesh_key(text: str) -> str:
    return _SPACES.sub(" ", text.replace(",", " ")).strip().lower()


def _heading_words(heading: str) -> str:
    """ "Hernia, Hiatal" -> "hiatal hernia"; "Pulmonary Disease, Chronic Obstructive" -> "chronic obstructive
    pulmonary disease"."""
    head, _, inverted = heading.partition(",")
    return _SPACES.sub(" ", f"{inverted} {head}" if inverted else head).strip().lower()


def backed_by(words: str, evidence: str | None, vocabulary: SpecificVocabulary | None = None) -> bool:
    """True when every side, zone, acuity, ... word in `words` has a word of its group in `evidence` (the row's
    report); True without evidence (a row without a report has nothing to contradict)."""
    if evidence is None:
        return True
    vocabulary = vocabulary or specific_words()
    named = {w.group for w in vocabulary.find(words) if w.category in vocabulary.grounded}
    return named <= vocabulary.groups(evidence)


def keyword_words(keyword: str, evidence: str | None = None) -> str | None:
    """A source keyword as words, keeping only the specific words `evidence` (the row's report) backs.

    A MeSH string becomes a phrase: "Pleural Effusion/left/small" -> "small left pleural effusion",
    "Calcified Granuloma/lung/upper lobe/right" -> "right calcified granuloma in the upper lobe of the lung". A
    qualifier naming a side, zone, acuity, ... that the report does not use is dropped; a heading that does so
    drops the keyword (None). Other keywords are kept whole, or dropped when they name such an unbacked word.
    """
    vocabulary = specific_words()
    rules = cleaning_rules()
    keyword = _SPACES.sub(" ", keyword).strip()
    if not is_mesh_string(keyword):
        return keyword if backed_by(keyword, evidence, vocabulary) else None
    heading, *qualifiers = [part.strip() for part in keyword.split("/") if part.strip()]
    words = _heading_words(heading)
    if not backed_by(words, evidence, vocabulary):
        return None
    kept = [q.lower() for q in qualifiers if backed_by(q, evidence, vocabulary)]
    anatomy = [q for q in kept if _mesh_key(q) in rules.mesh_anatomy]
    modifiers = [q for q in kept if _mesh_key(q) not in rules.mesh_anatomy]
    phrase = " ".join([*reversed(modifiers), words])
    places = [rules.mesh_anatomy[_mesh_key(a)] for a in reversed(anatomy)]
    places = [p for p in places if not any(p != q and set(p.split()) <= set(q.split()) for q in places)]
    if places:  # "lung" inside "lung base" is said once
        phrase += f" {rules.anatomy_preposition} " + " of the ".join(places)
    return phrase
