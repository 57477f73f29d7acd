"""Chest X-ray report labeler: a blank-English spaCy pipeline with two rule components.

`mgll_cxr_sentences` records sentence starts from our splitter (decimals, list numbers and abbreviations kept).
`mgll_cxr_context` finds finding mentions (ontology names + `data/mentions.yaml`) and ConText triggers
(`data/context_rules.yaml`) with one token-level PhraseMatcher, decides each mention's status and stores the
mentions on `doc._.cxr_mentions`. `label_report` aggregates them per report as the CheXpert labeler does:
positive over uncertain over negative, and `normal` when no pathology is positive or uncertain.
Only the tokenizer and the matcher touch every token, which keeps it at thousands of reports per second.
Statuses: negated, uncertain (possible, may, cannot exclude, no definite), positive (stated, probable, or one
of the named alternatives "A versus B"); "history of" mentions are dropped.
"""

from __future__ import annotations

import importlib
import importlib.util
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from mgll_data.text.rules import LabelerRules, labeler_rules
from mgll_data.text.sentences import sentence_spans

for _extension in ("cxr_text", "cxr_mentions", "cxr_sentence_starts"):
    if not Doc.has_extension(_extension):
        Doc.set_extension(_extension, default=None)

_CLAUSE_BREAKS = (",", ";", ":", ".")
_COMPOUND_PRE_SCOPE = 3  # a trigger this close before "heart ... enlarged" still governs it


@dataclass(frozen=True)
class Mention:
    """One finding mention: where it is, what it says, and the trigger category and words that decided it."""

    finding: str
    status: str
    start: int
    end: int
    sentence: int
    text: str
    trigger: str | None = None
    cue: str | None = None


@dataclass(frozen=True)
class ReportLabels:
    """Per-report labels as sorted ontology ids, plus the mentions they came from."""

    labels: list[str]
    uncertain_labels: list[str]
    negative_labels: list[str]
    mentions: tuple[Mention, ...] = ()


class _Match(NamedTuple):
    kind: str
    value: str
    start: int  # token positions
    end: int
    sentence: int


@Language.factory("mgll_cxr_sentences")
def _make_sentencer(nlp: Language, name: str) -> CxrSentencer:
    return CxrSentencer()


@Language.factory("mgll_cxr_context")
def _make_context(nlp: Language, name: str) -> CxrContext:
    return CxrContext(nlp, labeler_rules())


class CxrSentencer:
    """Stores sentence start offsets (characters) on `doc._.cxr_sentence_starts`, from `sentence_spans`.

    Offsets rather than `is_sent_start` flags: setting a flag on every token costs more than the whole labeler.
    """

    def __call__(self, doc: Doc) -> Doc:
        text = doc._.cxr_text if doc._.cxr_text is not None else doc.text
        doc._.cxr_sentence_starts = [start for start, _ in sentence_spans(text)]
        return doc


class TextKeepingTokenizer:
    """spaCy's tokenizer, keeping the input string on `doc._.cxr_text` (`doc.text` rebuilds it token by token)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc._.cxr_text = text
        return doc


class CxrContext:
    """Mention matching plus ConText status decision; results on `doc._.cxr_mentions`."""

    def __init__(self, nlp: Language, rules: LabelerRules):
        self.rules = rules
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.keys: dict[int, tuple[str, str]] = {}
        self.precedence = {c.name: i for i, c in enumerate(rules.categories)}
        self.phrase_findings: dict[str, list[str]] = {}
        for finding, phrases in rules.mentions.items():
            for phrase in phrases:
                self.phrase_findings.setdefault(phrase, []).append(finding)
        self.categories = {c.name: c for c in rules.categories}
        for finding, phrases in rules.mentions.items():
            self._add(nlp, "mention", finding, phrases)
        self._add(nlp, "unmention", "", rules.unmentions)
        for i, rule in enumerate(rules.attributes):
            self._add(nlp, "subject", str(i), rule.subjects)
            self._add(nlp, "abnormal", str(i), rule.abnormal)
            self._add(nlp, "normal", str(i), rule.normal)
        for i, rule in enumerate(rules.implied):
            self._add(nlp, "implied", str(i), rule.phrases)
        for category in rules.categories:
            self._add(nlp, "trigger", category.name, category.phrases)
        self._add(nlp, "terminator", "", rules.terminators)
        self._add(nlp, "clause_break", "", _CLAUSE_BREAKS)
        self._add(nlp, "pseudo", "", rules.pseudo)

    def _add(self, nlp: Language, kind: str, value: str, phrases: Iterable[str]) -> None:
        key = f"{kind}|{value}"
        patterns = [nlp.make_doc(p) for p in phrases]
        if patterns:
            self.keys[nlp.vocab.strings.add(key)] = (kind, value)
            self.matcher.add(key, patterns)

    def __call__(self, doc: Doc) -> Doc:
        by_kind: dict[str, list[_Match]] = {}
        sentence_starts = doc._.cxr_sentence_starts or [0]
        text = doc._.cxr_text if doc._.cxr_text is not None else doc.text
        offsets, lengths = doc.to_array(["IDX", "LENGTH"]).T.tolist() if len(doc) else ([], [])
        for match_id, start, end in self.matcher(doc):
            kind, value = self.keys[match_id]
            sentence = bisect_right(sentence_starts, offsets[start]) - 1
            by_kind.setdefault(kind, []).append(_Match(kind, value, start, end, sentence))
        unmentions = by_kind.get("unmention", [])
        pseudo = by_kind.get("pseudo", [])
        triggers = [t for t in self._longest_triggers(by_kind.get("trigger", [])) if not _inside_longer(t, pseudo)]
        stops = sorted(m.start for m in by_kind.get("terminator", []))
        clause_breaks = sorted(m.start for m in by_kind.get("clause_break", []))
        by_sentence: dict[int, list[_Match]] = {}
        for trigger in triggers:
            by_sentence.setdefault(trigger.sentence, []).append(trigger)

        # (match, is subject + modifier, status fixed by the rule, status an implying mention passes on)
        found: list[tuple[_Match, bool, str | None, str | None]] = []
        for match in _most_specific(by_kind.get("mention", []), self.rules.broader):
            if not _inside_longer(match, unmentions, allow_equal=True):
                found.append((match, False, None, None))
        found.extend(self._attribute_mentions(by_kind, clause_breaks))
        found.extend(self._abbreviation_mentions(doc, offsets, sentence_starts))
        for match in by_kind.get("implied", []):
            rule = self.rules.implied[int(match.value)]
            found.append((match._replace(kind="mention", value=rule.finding), False, None, rule.status))

        mentions = []
        for match, compound, fixed, implied in found:
            sentence = match.sentence
            if fixed is None:
                status, cue = self._status(match, compound, by_sentence.get(sentence, []), stops)
            else:
                status, cue = fixed, None
            if status == "historical" or (implied and status == "negative"):
                continue
            if implied and status == "positive":
                status = implied
            start, end = offsets[match.start], offsets[match.end - 1] + lengths[match.end - 1]
            trigger = cue_text = None
            if cue is not None:
                trigger = cue.value
                cue_text = text[offsets[cue.start] : offsets[cue.end - 1] + lengths[cue.end - 1]]
            for finding in (match.value, *self.rules.also.get(match.value, ())):
                mentions.append(Mention(finding, status, start, end, sentence, text[start:end], trigger, cue_text))
        doc._.cxr_mentions = mentions
        return doc

    def _abbreviation_mentions(self, doc: Doc, offsets: list[int], sentence_starts: list[int]):
        """Short forms that scispaCy's abbreviation detector resolved to a mention phrase: after "pleural air
        collection (PAC)", each "PAC" of the report is a pneumothorax mention."""
        if not Doc.has_extension("abbreviations") or not doc._.abbreviations:
            return
        for short in doc._.abbreviations:
            long_form = short._.long_form.text.lower() if short._.long_form is not None else ""
            for finding in self.phrase_findings.get(long_form, ()):
                sentence = bisect_right(sentence_starts, offsets[short.start]) - 1
                yield _Match("mention", finding, short.start, short.end, sentence), False, None, None

    def _attribute_mentions(self, by_kind: dict[str, list[_Match]], clause_breaks: list[int]):
        """Subject + nearest modifier in the same clause: an abnormal one is a mention, a normal one denies it."""
        modifiers = _drop_overlapped([*by_kind.get("abnormal", []), *by_kind.get("normal", [])])
        for subject in _drop_overlapped(by_kind.get("subject", [])):
            rule = self.rules.attributes[int(subject.value)]
            best = None
            for modifier in modifiers:
                if modifier.value != subject.value:
                    continue
                lo, hi = min(subject.end, modifier.end), max(subject.start, modifier.start)
                gap = hi - lo
                if gap > rule.window or subject.sentence != modifier.sentence:
                    continue
                i = bisect_left(clause_breaks, lo)
                if i < len(clause_breaks) and clause_breaks[i] < hi:
                    continue
                if best is None or gap < best[0]:
                    best = (gap, modifier)
            if best is None:
                continue
            modifier = best[1]
            start, end = min(subject.start, modifier.start), max(subject.end, modifier.end)
            span = _Match("mention", rule.finding, start, end, subject.sentence)
            yield span, True, ("negative" if modifier.kind == "normal" else None), None

    def _status(
        self, mention: _Match, compound: bool, triggers: list[_Match], stops: list[int]
    ) -> tuple[str, _Match | None]:
        """The status set by the highest-precedence trigger whose scope reaches the mention."""
        best: tuple[int, _Match] | None = None
        for trigger in triggers:
            category = self.categories[trigger.value]
            if compound and mention.start <= trigger.start and trigger.end <= mention.end:
                applies = True
            elif category.direction == "pre":
                scope = min(category.scope, _COMPOUND_PRE_SCOPE) if compound else category.scope
                applies = trigger.end <= mention.start and mention.start - trigger.end <= scope
                applies = applies and not self._blocked(trigger.end, mention.start, trigger, triggers, stops)
            else:
                applies = trigger.start >= mention.end and trigger.start - mention.end <= category.scope
                applies = applies and not self._blocked(mention.end, trigger.start, trigger, triggers, stops)
            if applies and (best is None or self.precedence[trigger.value] < best[0]):
                best = (self.precedence[trigger.value], trigger)
        if best is None:
            return "positive", None
        return self.categories[best[1].value].status, best[1]

    def _longest_triggers(self, triggers: list[_Match]) -> list[_Match]:
        """Drop a trigger inside a longer one of the same direction ("no" in "no evidence of")."""
        direction = {t.value: self.categories[t.value].direction for t in triggers}
        return [
            t
            for t in triggers
            if not any(o is not t and direction[o.value] == direction[t.value] and _contains(o, t) for o in triggers)
        ]

    def _blocked(self, lo: int, hi: int, trigger: _Match, triggers: list[_Match], stops: list[int]) -> bool:
        """True when a terminator or a blocking trigger of another category lies between positions lo and hi."""
        i = bisect_left(stops, lo)
        if i < len(stops) and stops[i] < hi:
            return True
        return any(
            lo <= t.start and t.end <= hi and t.value != trigger.value and self.categories[t.value].blocks
            for t in triggers
        )


def _inside_longer(match: _Match, covers: list[_Match], allow_equal: bool = False) -> bool:
    """True when `match` lies within one of `covers` that is longer (or as long, with allow_equal)."""
    length = match.end - match.start
    return any(
        c.start <= match.start and match.end <= c.end and (c.end - c.start > length or allow_equal) for c in covers
    )


def _most_specific(matches: list[_Match], broader: dict[str, frozenset[str]]) -> list[_Match]:
    """Drop a mention contained in a longer mention of the same or a narrower finding.

    "effusion" inside "pleural effusion" is one mention; "hernia" inside "hiatal hernia" is the narrower
    `hiatal_hernia` only, since `broader` (finding -> its ontology ancestors) says hernia is its parent.
    """
    return [
        m
        for m in matches
        if not any(
            o is not m and (o.value == m.value or m.value in broader.get(o.value, ())) and _contains(o, m)
            for o in matches
        )
    ]


def _drop_overlapped(matches: list[_Match]) -> list[_Match]:
    """Keep the longest of overlapping matches ("not enlarged" over "enlarged")."""
    return [m for m in matches if not any(o is not m and _contains(o, m) for o in matches)]


def _contains(outer: _Match, inner: _Match) -> bool:
    return (
        outer.start <= inner.start and inner.end <= outer.end and (outer.end - outer.start) > (inner.end - inner.start)
    )


@lru_cache(maxsize=1)
def labeler_pipeline() -> Language:
    """The spaCy pipeline: blank English, our sentencer, scispaCy's abbreviation detector when scispaCy is
    installed (the `scispacy` extra; it needs no model download), then mention + ConText matching."""
    nlp = spacy.blank("en")
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    nlp.add_pipe("mgll_cxr_sentences")
    if importlib.util.find_spec("scispacy") is not None:
        importlib.import_module("scispacy.abbreviation")  # registers the "abbreviation_detector" factory
        nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("mgll_cxr_context")
    return nlp


def _aggregate(mentions: list[Mention], text: str, pathologies: frozenset[str]) -> ReportLabels:
    status: dict[str, str] = {}
    rank = {"positive": 0, "uncertain": 1, "negative": 2}
    for mention in mentions:
        current = status.get(mention.finding)
        if current is None or rank[mention.status] < rank[current]:
            status[mention.finding] = mention.status
    positive = {f for f, s in status.items() if s == "positive"}
    uncertain = {f for f, s in status.items() if s == "uncertain"}
    negative = {f for f, s in status.items() if s == "negative"}
    if any(c.isalnum() for c in text) and not (positive | uncertain) & pathologies:
        positive.add("normal")
    return ReportLabels(sorted(positive), sorted(uncertain), sorted(negative), tuple(mentions))


def label_reports(texts: Iterable[str], batch_size: int = 256) -> list[ReportLabels]:
    """Label many reports (the fast path: spaCy's `pipe`)."""
    nlp = labeler_pipeline()
    pathologies = labeler_rules().pathologies
    return [
        _aggregate(doc._.cxr_mentions or [], doc._.cxr_text, pathologies)
        for doc in nlp.pipe((t or "" for t in texts), batch_size=batch_size)
    ]


def label_report(text: str) -> ReportLabels:
    """Label one report's text (findings and/or impression, or a whole report)."""
    return label_reports([text])[0]
