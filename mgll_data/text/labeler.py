"""Chest X-ray report labeler: a blank-English spaCy pipeline with two rule components.

`mgll_cxr_sentences` records sentence starts from our splitter (decimals, list numbers and abbreviations kept).
`mgll_cxr_context` finds finding mentions (ontology names + `data/mentions.yaml`) and ConText triggers
(`data/context_rules.yaml`) with one token-level PhraseMatcher and decides, for each mention, its status
(positive / negative / uncertain), temporality (current / historical / hypothetical) and experiencer
(patient / other), as ConText does. `span_status` applies the same decision to any span of a text.
`label_report` aggregates the mentions about the study (the patient's, current, or a denied history) per
report as the CheXpert labeler does: positive over uncertain over negative, and `normal` when no pathology is
positive or uncertain. Only the tokenizer and the matcher touch every token, which keeps it at thousands of
reports per second.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

import numpy
import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_suffix_regex

from mgll_data.errors import MgllError
from mgll_data.text.rules import AXES, LabelerRules, labeler_rules
from mgll_data.text.sentences import sentence_spans

for _extension in ("cxr_text", "cxr_offsets", "cxr_mentions", "cxr_sentence_starts", "cxr_context"):
    if not Doc.has_extension(_extension):
        Doc.set_extension(_extension, default=None)

_CLAUSE_BREAKS = (",", ";", ":", ".")
_SPACE_TOKENS = re.compile(r"\s\s|[^\S ]")  # whitespace that spaCy makes a token of: a line break, a run
_SPACE_RUNS = re.compile(r"\s+")
_COMPOUND_PRE_SCOPE = 3  # a trigger this close before "heart ... enlarged" still governs it


@dataclass(frozen=True)
class Trigger:
    """A trigger that decided one axis of a span: its rule category, the value it set, the words, and the
    characters its scope covered (the trigger included), for `--explain`."""

    category: str
    axis: str
    value: str
    text: str
    start: int
    end: int
    scope: tuple[int, int] | None = None


@dataclass(frozen=True)
class SpanStatus:
    """ConText's three axes for one span, and the triggers that set any value other than the default."""

    status: str = "positive"
    temporality: str = "current"
    experiencer: str = "patient"
    triggers: tuple[Trigger, ...] = ()


@dataclass(frozen=True)
class Mention:
    """One finding mention: where it is, what it says, and the context (status, temporality, experiencer)."""

    finding: str
    status: str
    start: int
    end: int
    sentence: int
    text: str
    temporality: str = "current"
    experiencer: str = "patient"
    triggers: tuple[Trigger, ...] = ()

    @property
    def trigger(self) -> str | None:
        """The category of the trigger that set the status (None for a plain positive statement)."""
        return next((t.category for t in self.triggers if t.axis == "status"), None)

    @property
    def cue(self) -> str | None:
        """The words of that trigger."""
        return next((t.text for t in self.triggers if t.axis == "status"), None)

    @property
    def about_study(self) -> bool:
        """True when it states something about this patient now: not another person's, not a request or a
        condition, not a past finding, except a denied history ("no history of asthma" is a negative)."""
        if self.experiencer != "patient" or self.temporality == "hypothetical":
            return False
        return self.temporality == "current" or self.status == "negative"


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
    """spaCy's tokenizer, keeping the input string on `doc._.cxr_text` (`doc.text` rebuilds it token by token).

    A text with whitespace that spaCy would make a token of (a line break or a run of spaces inside "no
    evidence\\n of", "family  history of") is tokenized with each run as one space, so that a cue wrapped across
    lines still matches; the tokens' offsets in the input are then kept on `doc._.cxr_offsets`."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        if not _SPACE_TOKENS.search(text):
            doc = self.tokenizer(text)
        else:
            runs = [(m.start(), m.end() - m.start() - 1) for m in _SPACE_RUNS.finditer(text)]  # start, extra
            doc = self.tokenizer(_SPACE_RUNS.sub(" ", text))
            # how far the input is ahead of the one-space text after each run, and each run's start in the latter
            ahead = list(accumulate(extra for _, extra in runs))
            starts = [start - (ahead[k - 1] if k else 0) for k, (start, _) in enumerate(runs)]
            idx = doc.to_array("IDX").tolist() if len(doc) else []
            doc._.cxr_offsets = [i + (ahead[k - 1] if (k := bisect_right(starts, i)) else 0) for i in idx]
        doc._.cxr_text = text
        return doc


class _Context(NamedTuple):
    """What `CxrContext` matched in one doc, kept so `span_status` can decide any span with the same rules."""

    triggers: dict[int, list[_Match]]  # by sentence
    stops: dict[str, list[int]]  # token positions that end every scope of an axis, by axis
    own_stops: dict[str, set[int]]  # token positions where a category's own stop phrase starts, by category
    attributes: list[tuple[_Match, _Match, _Match]]  # (span, subject, modifier) of each subject + modifier
    mentions: list[tuple[int, int, str]]  # token spans and findings of the mentions: a differential's alternatives
    words: list[int]  # words (non-punctuation tokens) before each token position: scopes count words
    offsets: list[int]
    lengths: list[int]
    sentence_starts: list[int]
    sentence_tokens: list[int]  # first token of each sentence, then len(doc)
    text: str
    scopes: dict[tuple[_Match, int], tuple[int, int]]  # (trigger, word limit) -> token range, filled lazily


class CxrContext:
    """Mention matching plus the ConText decision; results on `doc._.cxr_mentions`."""

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
        self.closers = rules.closers
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
        for axis, phrases in rules.boundaries.items():
            self._add(nlp, "boundary", axis, phrases)
        self._add(nlp, "clause_break", "", _CLAUSE_BREAKS)
        self._add(nlp, "pseudo", "", rules.pseudo)
        for number, phrases in rules.restatements.items():
            self._add(nlp, "restatement", number, phrases)
        for category in rules.categories:
            self._add(nlp, "stop", category.name, [p for p in category.stops if p not in rules.graded_stops])
            self._add(nlp, "list_stop", category.name, [p for p in category.stops if p in rules.graded_stops])

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
        array = doc.to_array(["IDX", "LENGTH", "IS_PUNCT", "IS_TITLE", "IS_LOWER"])
        offsets, lengths, punct = array[:, :3].T.tolist() if len(doc) else ([], [], [])
        if doc._.cxr_offsets is not None:
            offsets = doc._.cxr_offsets
        # a run-on sentence: a capitalised word right after a lower-case one starts a new statement
        # ("No focal infiltrates Emphysema.")
        run_on = (numpy.flatnonzero(array[1:, 3] & array[:-1, 4]) + 1).tolist() if len(doc) > 1 else []
        stop_matches = []  # (category, start, end, graded): frequent words, kept as plain tuples (speed)
        for match_id, start, end in self.matcher(doc):
            kind, value = self.keys[match_id]
            if kind in ("stop", "list_stop"):
                stop_matches.append((value, start, end, kind == "list_stop"))
                continue
            sentence = bisect_right(sentence_starts, offsets[start]) - 1
            by_kind.setdefault(kind, []).append(_Match(kind, value, start, end, sentence))
        unmentions = by_kind.get("unmention", [])
        pseudo = by_kind.get("pseudo", [])
        terminators = [*(m.start for m in by_kind.get("terminator", [])), *run_on]
        # a comma after a closed predicate ends the statement: "no definite effusion seen, dense nodule ..."
        terminators.extend(
            m.start
            for m in by_kind.get("clause_break", [])
            if m.start and text[offsets[m.start]] == "," and _word(text, offsets, lengths, m.start - 1) in self.closers
        )
        sentence_tokens = [*(bisect_left(offsets, start) for start in sentence_starts), len(doc)]
        terminators.extend(self._clause_starts(by_kind.get("restatement", []), text, offsets, lengths, sentence_tokens))
        # a boundary or stop phrase inside a longer cue ("with" in "consistent with") is part of the cue
        cues = [c for c in (*by_kind.get("trigger", []), *pseudo) if c.end - c.start > 1]
        in_cues = {i for c in cues for i in range(c.start, c.end)}
        boundaries = [m for m in by_kind.get("boundary", []) if not in_cues.issuperset(range(m.start, m.end))]
        own_stops: dict[str, set[int]] = {}
        ends = set(terminators)
        for value, start, end, graded in stop_matches:
            one_word = end - start == 1
            in_cue = (start in in_cues) if one_word else _inside_longer(_Match("stop", value, start, end, 0), cues)
            if not in_cue and not (graded and self._list_goes_on(end, text, offsets, lengths, sentence_starts, ends)):
                own_stops.setdefault(value, set()).add(start)
        closing = {*terminators, *(m.start for m in boundaries)}
        triggers = [
            t
            for t in self._longest_triggers(by_kind.get("trigger", []))
            if not _inside_longer(t, pseudo)
            and self._usable(t, text, offsets, lengths, punct, sentence_tokens, closing)
        ]
        stops = {axis: list(terminators) for axis in AXES}
        for match in boundaries:
            stops[match.value].append(match.start)
        stops = {key: sorted(positions) for key, positions in stops.items()}
        by_sentence: dict[int, list[_Match]] = {}
        for trigger in triggers:
            by_sentence.setdefault(trigger.sentence, []).append(trigger)
        clause_breaks = sorted(m.start for m in by_kind.get("clause_break", []))
        attributes = list(self._attribute_mentions(by_kind, clause_breaks, pseudo))
        mention_spans = sorted(
            {
                *((m.start, m.end, m.value) for m in by_kind.get("mention", [])),
                *((a.start, a.end, a.value) for a, _, _ in attributes),
            }
        )
        context = _Context(
            by_sentence,
            stops,
            own_stops,
            attributes,
            mention_spans,
            list(accumulate((1 - p for p in punct), initial=0)),
            offsets,
            lengths,
            sentence_starts,
            sentence_tokens,
            text,
            {},
        )
        doc._.cxr_context = context

        # (match, is subject + modifier, the normal modifier that denies it, status an implying mention passes on)
        found: list[tuple[_Match, bool, _Match | None, str | None]] = []
        for match in _most_specific(by_kind.get("mention", []), self.rules.broader):
            if not _inside_longer(match, unmentions, allow_equal=True):
                found.append((match, False, None, None))
        for span, _, modifier in attributes:
            found.append((span, True, modifier if modifier.kind == "normal" else None, None))
        found.extend(self._abbreviation_mentions(doc, offsets, sentence_starts))
        for match in by_kind.get("implied", []):
            rule = self.rules.implied[int(match.value)]
            found.append((match._replace(kind="mention", value=rule.finding), False, None, rule.status))

        mentions = []
        for match, compound, denial, implied in found:
            decided = self._decide(match, compound, context, denial)
            status = decided.status
            if implied and status == "negative":
                continue
            triggers = decided.triggers
            if implied and status in ("positive", implied):
                # the implying statement is the reason: a hedged "heart failure versus overload" implies cardiomegaly
                # as uncertain as a plain one does, not as a differential's alternative
                status = implied
                triggers = tuple(t for t in triggers if t.axis != "status")
            start, end = _char_span(context, match.start, match.end)
            for finding in (match.value, *self.rules.also.get(match.value, ())):
                mentions.append(
                    Mention(
                        finding,
                        status,
                        start,
                        end,
                        match.sentence,
                        text[start:end],
                        decided.temporality,
                        decided.experiencer,
                        triggers,
                    )
                )
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

    def _attribute_mentions(self, by_kind: dict[str, list[_Match]], clause_breaks: list[int], pseudo: list[_Match]):
        """Subject + nearest modifier in the same clause, as (whole span, subject, modifier): an abnormal
        modifier makes a mention, a normal one denies it ("HEART SIZE IS NORMAL" is a negated cardiomegaly).
        A modifier inside a pseudo-trigger says nothing ("no increase in heart size")."""
        modifiers = _drop_overlapped([*by_kind.get("abnormal", []), *by_kind.get("normal", [])])
        modifiers = [m for m in modifiers if not _inside_longer(m, pseudo)]
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
            yield _Match("mention", rule.finding, start, end, subject.sentence), subject, modifier

    def _list_goes_on(
        self, i: int, text: str, offsets: list[int], lengths: list[int], sentence_starts: list[int], ends: set[int]
    ) -> bool:
        """True when an alternative ("or") follows token i in its clause: the graded finding before it is one
        item of a list ("no consolidation, large effusion, or pneumothorax"; "may represent atelectasis, small
        infiltrate or scarring"), not a new statement."""
        sentence = bisect_right(sentence_starts, offsets[i - 1])
        last = sentence_starts[sentence] if sentence < len(sentence_starts) else len(text)
        while i < len(offsets) and offsets[i] < last and i not in ends:
            if _word(text, offsets, lengths, i) in self.rules.alternatives:
                return True
            i += 1
        return False

    def _clause_starts(
        self, restatements: list[_Match], text: str, offsets: list[int], lengths: list[int], sentence_tokens: list[int]
    ) -> Iterable[int]:
        """The comma or "and" that starts the clause of each restatement ("..., and cardiomegaly is stable"):
        the nearest one before it in its sentence, unless an alternative ("or") comes first."""
        for match in restatements:
            starts = self.rules.restatement_starts[match.value]
            for i in range(match.start - 1, sentence_tokens[match.sentence] - 1, -1):
                word = _word(text, offsets, lengths, i)
                if word in self.rules.alternatives:
                    break
                if word in starts:
                    yield i
                    break

    def _usable(
        self,
        trigger: _Match,
        text: str,
        offsets: list[int],
        lengths: list[int],
        punct: list[int],
        sentence_tokens: list[int],
        closing: set[int],
    ) -> bool:
        """A predicate post cue counts only where it closes its clause: followed by punctuation, the sentence
        end, a terminator or boundary, or a word that goes on with the predicate ("resolved since ...",
        "absent bilaterally"). Followed by anything else it names what comes next ("absent lung markings",
        "could be pneumonia"), which a pre cue of the same words decides."""
        category = self.categories[trigger.value]
        if not category.predicate:
            return True
        following = trigger.end
        if following >= sentence_tokens[trigger.sentence + 1] or punct[following] or following in closing:
            return True
        word = _word(text, offsets, lengths, following)
        return word in self.rules.continuations or word.endswith(self.rules.continuation_suffixes)

    def _scope(self, trigger: _Match, limit: int, context: _Context) -> tuple[int, int]:
        """Token range [lo, hi) the trigger's scope covers, the trigger included: it runs from the trigger up
        to `limit` words, and ends earlier at the sentence end, a terminator, a boundary of the trigger's axis
        or of its own category, or a blocking trigger of another category on the same axis."""
        key = (trigger, limit)
        if key in context.scopes:
            return context.scopes[key]
        category = self.categories[trigger.value]
        words = context.words
        stops = context.stops[category.axis]
        blockers = [
            t
            for t in context.triggers.get(trigger.sentence, [])
            if t.value != trigger.value
            and self.categories[t.value].blocks
            and self.categories[t.value].axis == category.axis
        ]
        lo, hi = trigger.start, trigger.end
        if category.direction in ("post", "both"):
            lo = max(context.sentence_tokens[trigger.sentence], bisect_left(words, words[trigger.start] - limit) - 1)
            i = bisect_left(stops, trigger.start)
            if i:
                lo = max(lo, stops[i - 1] + 1)
            lo = max([lo, *(t.end for t in blockers if t.end <= trigger.start)])
            lo = min(lo, trigger.start)
            own_stops = context.own_stops.get(category.name, ())
            own = next((i for i in range(trigger.start - 1, lo - 1, -1) if i in own_stops), None)
            lo = lo if own is None else own + 1
        if category.direction in ("pre", "both"):
            hi = min(context.sentence_tokens[trigger.sentence + 1], bisect_right(words, words[trigger.end] + limit))
            i = bisect_left(stops, trigger.end)
            if i < len(stops):
                hi = min(hi, stops[i])
            hi = min([hi, *(t.start for t in blockers if t.start >= trigger.end)])
            hi = max(hi, trigger.end)
            own_stops = context.own_stops.get(category.name, ())
            hi = next((i for i in range(trigger.end, hi) if i in own_stops), hi)
        context.scopes[key] = (lo, hi)
        return lo, hi

    def _covers(self, trigger: _Match, target: _Match, limit: int, context: _Context) -> bool:
        """True when the target lies in the trigger's scope. For a differential ("A or B", "A versus B"), the
        target must lie wholly inside the list, with another finding named on the other side: not the target's
        own finding ("pacemaker/defibrillator" names one device), and, for a target before the cue, not only
        narrower ones when words stand between the target and the cue (in "opacity, atelectasis or pneumonia"
        the alternatives explain the opacity, which is stated; "airspace disease or atelectasis" is a
        differential). Where no finding is named there, the category's `alternatives` decide."""
        lo, hi = self._scope(trigger, limit, context)
        before = target.end <= trigger.start and target.end - 1 >= lo
        after = trigger.end <= target.start < hi
        category = self.categories[trigger.value]
        if category.direction != "both":
            return before or after
        before, after = before and target.start >= lo, after and target.end <= hi
        if before:
            named = [f for s, _, f in context.mentions if trigger.end <= s < hi]
            gap = (target.end, trigger.start)
        elif after:
            named = [f for _, e, f in context.mentions if lo <= e - 1 and e <= trigger.start]
            gap = (trigger.end, target.start)
        else:
            return False
        if not named:
            other_side = hi > trigger.end if before else lo < trigger.start
            return other_side and self._unnamed_allowed(trigger, context)
        own = {f for s, e, f in context.mentions if s == target.start and e == target.end} or {target.value}
        if own.issuperset(named):
            return False
        between = context.words[gap[1]] > context.words[gap[0]]  # a word between the target and the cue
        broader = self.rules.broader
        return not (before and between and all(own <= broader.get(f, frozenset()) for f in named))

    def _unnamed_allowed(self, trigger: _Match, context: _Context) -> bool:
        """Whether a differential's alternative may be a phrase that names no finding: always for `any`, and for
        `after_cue` when a status cue of another category before the list reaches the differential's cue and the
        word after the cue is not one of its `unless_followed_by` (a place, a side, a number: "the right middle or
        lower lobe", "r/o")."""
        mode = self.categories[trigger.value].alternatives
        if mode != "after_cue":
            return mode == "any"
        words = self.categories[trigger.value].unless_followed_by
        if (
            trigger.end < len(context.offsets)
            and _word(context.text, context.offsets, context.lengths, trigger.end) in words
        ):
            return False
        for cue in context.triggers.get(trigger.sentence, []):
            category = self.categories[cue.value]
            before = category.axis == "status" and category.direction == "pre" and cue.end <= trigger.start
            if before and self._scope(cue, category.scope, context)[1] >= trigger.start:
                return True
        return False

    def _decide(self, target: _Match, compound: bool, context: _Context, denial: _Match | None) -> SpanStatus:
        """Each axis set by the highest-precedence trigger of that axis whose scope reaches the target."""
        best: dict[str, _Match] = {}
        for trigger in context.triggers.get(target.sentence, []):
            category = self.categories[trigger.value]
            inside = target.start <= trigger.start and trigger.end <= target.end
            if compound and inside and category.direction != "both":
                applies = True
            else:
                pre = category.direction == "pre"
                limit = min(category.scope, _COMPOUND_PRE_SCOPE) if compound and pre else category.scope
                applies = self._covers(trigger, target, limit, context)
            current = best.get(category.axis)
            if applies and (current is None or self.precedence[trigger.value] < self.precedence[current.value]):
                best[category.axis] = trigger
        values = {axis: self.categories[t.value].value for axis, t in best.items()}
        found = [self._trigger(t, context, compound) for t in best.values()]
        if denial is not None and values.get("status", "positive") == "positive":
            values["status"] = "negative"
            start, end = _char_span(context, denial.start, denial.end)
            found.append(Trigger("normal_statement", "status", "negative", context.text[start:end], start, end))
        found.sort(key=lambda t: t.start)
        return SpanStatus(
            **{axis: values.get(axis, options[0]) for axis, options in AXES.items()}, triggers=tuple(found)
        )

    def _trigger(self, match: _Match, context: _Context, compound: bool = False) -> Trigger:
        category = self.categories[match.value]
        start, end = _char_span(context, match.start, match.end)
        limit = min(category.scope, _COMPOUND_PRE_SCOPE) if compound and category.direction == "pre" else category.scope
        lo, hi = self._scope(match, limit, context)
        while hi > lo + 1 and context.words[hi] == context.words[hi - 1]:  # no punctuation at the ends
            hi -= 1
        while lo < hi - 1 and context.words[lo + 1] == context.words[lo]:
            lo += 1
        scope = _char_span(context, lo, hi)
        return Trigger(category.name, category.axis, category.value, context.text[start:end], start, end, scope)

    def span(self, context: _Context, start: int, end: int) -> SpanStatus:
        """The decision for the tokens covering characters [start, end) of the doc's text."""
        first = bisect_right(context.offsets, start) - 1
        ends = [o + n for o, n in zip(context.offsets, context.lengths, strict=True)]
        last = bisect_left(ends, end)
        if first < 0 or last >= len(ends) or first > last:
            return SpanStatus()
        sentence = bisect_right(context.sentence_starts, context.offsets[first]) - 1
        # a target that is a finding mention is that finding (a differential does not hedge a broader one)
        finding = next((f for s, e, f in context.mentions if s == first and e == last + 1), "")
        target = _Match("mention", finding, first, last + 1, sentence)
        # a target that is the subject of a subject + modifier statement takes that statement's modifier
        denial = next(
            (m for _, subject, m in context.attributes if m.kind == "normal" and _overlaps(subject, target)), None
        )
        return self._decide(target, False, context, denial)

    def _longest_triggers(self, triggers: list[_Match]) -> list[_Match]:
        """Drop a trigger inside a longer one of the same direction ("no" in "no evidence of", "rule out" in
        "cannot rule out"), and a differential's inside any longer one (the slash of "r/o"); across other
        directions both stay ("may" before, "may be" after a mention)."""
        direction = {t.value: self.categories[t.value].direction for t in triggers}
        return [
            t
            for t in triggers
            if not any(
                o is not t and direction[t.value] in (direction[o.value], "both") and _contains(o, t) for o in triggers
            )
        ]


def _word(text: str, offsets: list[int], lengths: list[int], i: int) -> str:
    """Token i's text, lower-cased (slicing the text is cheaper than building a spaCy Token)."""
    return text[offsets[i] : offsets[i] + lengths[i]].lower()


def _char_span(context: _Context, start: int, end: int) -> tuple[int, int]:
    """Character offsets of tokens [start, end)."""
    return context.offsets[start], context.offsets[end - 1] + context.lengths[end - 1]


def _overlaps(a: _Match, b: _Match) -> bool:
    return a.start < b.end and b.start < a.end


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
    _split_clause_punctuation(nlp)
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    nlp.add_pipe("mgll_cxr_sentences")
    if importlib.util.find_spec("scispacy") is not None:
        importlib.import_module("scispacy.abbreviation")  # registers the "abbreviation_detector" factory
        nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("mgll_cxr_context")
    return nlp


def _split_clause_punctuation(nlp: Language) -> None:
    """Make the punctuation that ends a scope or a clause (":", ";", ",") a token of its own wherever it is
    glued ("(PA):pneumothorax", "effusion;no"), so a terminator always fires; "7:34" and "1,200" stay whole."""
    marks = "".join(sorted({t for t in (*labeler_rules().terminators, *_CLAUSE_BREAKS) if len(t) == 1 and t in ",;:"}))
    cls = f"[{re.escape(marks)}]"
    infix = rf"(?<=[^\d\s]){cls}(?=\S)|(?<=\S){cls}(?=[^\d\s])"
    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, infix]).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex([*nlp.Defaults.suffixes, cls]).search
    # emoticon exceptions such as "):" would glue the mark to a closing bracket
    nlp.tokenizer.rules = {
        k: v for k, v in nlp.tokenizer.rules.items() if k.isalnum() or not any(m in k for m in marks)
    }


def _aggregate(mentions: list[Mention], text: str, pathologies: frozenset[str]) -> ReportLabels:
    status: dict[str, str] = {}
    rank = {"positive": 0, "uncertain": 1, "negative": 2}
    for mention in mentions:
        if not mention.about_study:
            continue
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


def span_statuses(spans: Iterable[tuple[str, int, int]], batch_size: int = 256) -> list[SpanStatus]:
    """`span_status` for many (text, start, end) targets at once (the fast path: one spaCy `pipe`)."""
    spans = list(spans)
    for text, start, end in spans:
        if not 0 <= start < end <= len(text):
            raise MgllError(f"span_status: span [{start}, {end}) is not inside the text (length {len(text)})")
    nlp = labeler_pipeline()
    context = nlp.get_pipe("mgll_cxr_context")
    docs = nlp.pipe((text for text, _, _ in spans), batch_size=batch_size)
    return [context.span(doc._.cxr_context, start, end) for doc, (_, start, end) in zip(docs, spans, strict=True)]


def span_status(text: str, start: int, end: int) -> SpanStatus:
    """ConText status, temporality and experiencer of the span text[start:end], with the labeler's rules.

    The span may be any target (a finding name, a concept a corpus annotates); triggers inside it are not
    applied to it. A span that is the subject of a normal statement ("HEART SIZE" in "HEART SIZE IS NORMAL")
    is negative.
    """
    return span_statuses([(text, start, end)])[0]
