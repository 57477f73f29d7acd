"""Fill the three MGLL text granularities for one record, from its labels, facts, keywords and report.

Label states decide what the texts may claim. A record is normal only when its labels say `normal` (a source's
normal class, or the report labeler's "No Finding"); a record whose only statements are negative ("ICDR grade
0": no diabetic retinopathy) says exactly that, never "Normal, Healthy"; a record with no statement at all gets
its keywords and report text, and empty texts only when it has none (an unlabelled row kept on purpose).

Granularity 1 (`disease_text`) names the labels in ontology order ("Cardiomegaly, Pleural Effusion"; fundus
records carry "Abnormal, " / "Normal, Healthy"); uncertain labels read "possible <name>"; negative-only
records read "No diabetic retinopathy".

A row with a report speaks with the report's voice. Granularity 2 is the impression's sentences that state a
labelled finding (present or possible, about this patient now, per the labeler; a normal or negative-only
study: its sentences that state no pathology), granularity 3 the findings sentences chosen the same way; both
cleaned (`clean.py`: redactions, communication, recommendation, comparison-only and technique-only sentences,
dangling headers) and without a sentence naming a view the row does not have. The source's keywords follow in
granularity 2 as words (MeSH strings turned round, qualifiers the report does not back removed). Ontology
sentences, always generic, appear only for a positive label that no kept report sentence describes (a MeSH or
dataset label), or as the fallback of a level that nothing else filled.

A row without a report: granularity 2 is the source's keywords, the negative labels of a normal or
negative-only record ("no pleural effusion"), the sentences stated from the row's facts (`record_templates` in
`data/compose.yaml`: the eye, the DR / DME grade), then the ontology descriptions of the labels; granularity 3 is the
measured sentences (a mask's cup-to-disc ratio, lesion areas; `measures.py`), then the ontology explanations
(negative-only records: what the absence means). Ontology templates (`templates:` of a finding) join their
finding's sentences when the row fills every slot. Every sentence left out is counted in `dropped` under the
filter's name. Deterministic: no sampling, ontology order throughout.

Image-quality findings (ontology kind `quality`: ungradable image, poor image quality) are not diseases: they
never make a record abnormal and are not named beside diseases in granularity 1 (a record stating nothing else
reads their names), but their descriptions and explanations follow the others', so a reader learns why a grade
may be missing or uncertain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from mgll_data.data_files import read_data_yaml
from mgll_data.ontology import load_ontology
from mgll_data.ontology.model import QUALITY_KIND
from mgll_data.ontology.specific import fill_template, specific_words
from mgll_data.text.clean import backed_by, clean_sentence, keyword_words
from mgll_data.text.measures import measurement_sentences
from mgll_data.text.policy import TextPolicy
from mgll_data.text.report_labels import labelled, report_text, with_report_labels
from mgll_data.text.sentences import split_sentences

if TYPE_CHECKING:
    from mgll_data.records import RawRecord

STATED = ("positive", "uncertain")


@dataclass
class GranularTexts:
    """The three granularities of one record plus the count of what each filter removed."""

    disease_text: str
    descriptions: list[str]
    explanations: list[str]
    dropped: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _conventions() -> dict:
    return read_data_yaml("mgll_data.text", "data/compose.yaml")


@lru_cache(maxsize=4)
def _ontology_positions(modality: str) -> dict[str, int]:
    """Each finding id of `modality` and its place in ontology order, read once (every row asks for it)."""
    return {finding.id: n for n, finding in enumerate(load_ontology().findings(modality))}


def _ordered(ids: list[str], modality: str) -> list[str]:
    """Ids in ontology order, without an id whose more specific child is also present."""
    ontology = load_ontology()
    present = set(ids)
    positions = _ontology_positions(modality)
    order = sorted((i for i in present if i in positions), key=positions.__getitem__)
    order += sorted(present - set(order))  # ids of another modality: kept, after the others
    return [i for i in order if not any(ontology[j].parent == i for j in present if j in ontology)]


def _ontology_sentences(ids: list[str], attribute: str, modality: str, facts: dict) -> list[str]:
    """The generic descriptions or explanations of `ids` (in `modality`'s wording), each finding's followed by
    its templates that the row's facts fill."""
    ontology = load_ontology()
    sentences = []
    for finding_id in ids:
        finding = ontology.finding(finding_id, modality)
        sentences += getattr(finding, attribute)
        sentences += [
            filled
            for template in finding.templates
            if template.level == attribute and _holds(template.when, facts)
            if (filled := fill_template(template.text, facts)) is not None
        ]
    return sentences


def _holds(when: tuple[tuple[str, tuple[str, ...]], ...], facts: dict) -> bool:
    """True when the row's value of every slot named in `when` is one of the values listed."""
    slots = specific_words().slots
    return all(str(facts.get(slots[slot].field)) in values for slot, values in when if slot in slots)


def _backed(sentences: list[str], evidence: str | None, dropped: Counter) -> list[str]:
    """On a report row, the sentences whose side, zone, acuity, ... words the report backs ("chronic obstructive
    pulmonary disease" stays off a report that only says COPD); all of them on a row without a report."""
    kept = [sentence for sentence in sentences if backed_by(sentence, evidence)]
    if len(kept) < len(sentences):
        dropped["unbacked_word"] += len(sentences) - len(kept)
    return kept


def _record_sentences(modality: str, attribute: str, facts: dict) -> list[str]:
    """The row-fact sentences of `data/compose.yaml` whose slots the row fills (the eye, a grade)."""
    templates = _conventions()["record_templates"].get(modality, {}).get(attribute) or []
    return [filled for template in templates if (filled := fill_template(template, facts)) is not None]


def _quality(ids: list[str], modality: str) -> list[str]:
    """The image-quality findings among `ids`, in ontology order."""
    ontology = load_ontology()
    return [i for i in _ordered(ids, modality) if ontology[i].kind == QUALITY_KIND]


def _denied(negative_labels: list[str], modality: str) -> list[str]:
    """Each negative label stated as the negative template says ("no pleural effusion"), in ontology order."""
    ontology = load_ontology()
    template = _conventions()["negative_template"]
    return [template.format(name=ontology[i].display_name.lower()) for i in _ordered(negative_labels, modality)]


def disease_text(modality: str, labels: list[str], uncertain_labels: list[str], negative_labels: list[str] = ()) -> str:
    """Granularity 1: the label names in ontology order, the normal text when `normal` is stated, the negated
    findings of a negative-only record, else "" (nothing stated)."""
    ontology = load_ontology()
    conventions = _conventions()
    quality = _quality(labels, modality)
    positive = [i for i in _ordered(labels, modality) if i != "normal" and i not in quality]
    uncertain = [i for i in _ordered(uncertain_labels, modality) if i != "normal" and i not in positive]
    names = [ontology[i].display_name for i in positive]
    names += [conventions["uncertain_template"].format(name=ontology[i].display_name.lower()) for i in uncertain]
    if names:
        prefix = conventions["abnormal_prefix"].get(modality)
        return ", ".join([prefix, *names] if prefix else names)
    if "normal" in labels:
        return conventions["normal_text"][modality]
    denied = ", ".join(_denied(list(negative_labels), modality))
    if not denied:
        return ", ".join(ontology[i].display_name for i in quality)
    return denied[:1].upper() + denied[1:]


def _keep(candidates: list[str], limit: int, dropped: Counter, over: str) -> list[str]:
    """Drop repeats and stop at `limit`, counting each removal."""
    kept: list[str] = []
    seen: set[str] = set()
    for text in candidates:
        text = text.strip()
        if not text:
            continue
        if text.lower() in seen:
            dropped["duplicate"] += 1
        elif len(kept) >= limit:
            dropped[over] += 1
        else:
            kept.append(text)
            seen.add(text.lower())
    return kept


def _other_view(text: str, view: str | None) -> bool:
    """True when `text` names a view the row does not have (any view, when the row's view is unknown)."""
    vocabulary = specific_words()
    allowed = vocabulary.views.get(view or "", frozenset())
    return any(w.category == "view" and w.group not in allowed for w in vocabulary.find(text))


def _statements(
    text: str, wanted: set[str], abnormal: bool, view: str | None, policy: TextPolicy, dropped: Counter
) -> tuple[list[str], set[str]]:
    """The sentences of one report section that may describe this row, and the labelled findings they state.

    Abnormal row: a sentence stating (present or possible, about this patient now) a finding in `wanted`.
    Normal or negative-only row: a sentence stating no finding outside `wanted` (its normal and negative
    statements). Cleaning, the view check and the length floor apply to every sentence; each removal is counted.
    """
    ontology = load_ontology()
    mentions = labelled(text).mentions
    kept, described = [], set()
    for sentence in split_sentences(text):
        stated = {
            m.finding
            for m in mentions
            if sentence.start <= m.start < sentence.end and m.about_study and m.status in STATED
        }
        relevant = {f for f in stated if f in wanted or set(ontology.ancestors(f)) & wanted} if stated else set()
        cleaned, rule = clean_sentence(sentence.text)
        if cleaned is None:
            dropped[rule or "cleaned"] += 1
        elif (abnormal and not relevant) or (not abnormal and stated - relevant):
            dropped["not_about_labels"] += 1
        elif _other_view(cleaned, view):
            dropped["other_view"] += 1
        elif len(cleaned.split()) < policy.min_sentence_tokens:
            dropped["short_sentence"] += 1
        else:
            kept.append(cleaned)
            described |= relevant
    return kept, described


def compose_texts(
    *,
    modality: str,
    labels: list[str],
    uncertain_labels: list[str],
    negative_labels: list[str],
    keywords: list[str],
    report: dict[str, str] | None,
    policy: TextPolicy,
    attributes: dict | None = None,
    view: str | None = None,
    laterality: str | None = None,
) -> GranularTexts:
    """The three granularities for one record (used by the build engine for every source)."""
    dropped: Counter = Counter()
    ontology = load_ontology()
    facts = {**(attributes or {}), "view": view, "laterality": laterality}
    quality = _quality(labels, modality)
    pathologies = [i for i in _ordered(labels, modality) if i != "normal" and i not in quality]
    uncertain = [i for i in _ordered(uncertain_labels, modality) if i != "normal"]
    present = [i for i in [*pathologies, *uncertain] if ontology[i].kind != "device"]
    is_normal = "normal" in labels and not present
    basis = full_basis = pathologies or uncertain or (["normal"] if is_normal else [])

    evidence = report_text(report) or None
    words = [w for k in keywords if (w := keyword_words(k, evidence))]
    if len(words) < len(keywords):
        dropped["unbacked_keyword"] += len(keywords) - len(words)
    impression: list[str] = []
    findings: list[str] = []
    if evidence:
        wanted = {*labels, *uncertain_labels}
        impression, said = _statements(report.get("impression") or "", wanted, bool(present), view, policy, dropped)
        findings, also = _statements(report.get("findings") or "", wanted, bool(present), view, policy, dropped)
        spoken = bool(impression or findings)
        # Ontology sentences on a report row: only for a label no kept report sentence describes.
        basis = [i for i in basis if i not in said | also and not (i == "normal" and spoken)]
    denied, absent = [], []
    if not present and not (impression or findings):  # a normal or negative-only record's explicit negatives
        denied = _denied(negative_labels, modality)
        if not basis:
            template = _conventions()["absent_explanation_template"]
            absent = [
                template.format(name=ontology[i].display_name.lower()) for i in _ordered(negative_labels, modality)
            ]
    descriptions = _keep(
        [
            *impression,
            *words,
            *denied,
            *_record_sentences(modality, "descriptions", facts),
            *_backed(_ontology_sentences([*basis, *quality], "descriptions", modality, facts), evidence, dropped),
        ],
        policy.max_descriptions,
        dropped,
        "over_max_descriptions",
    )
    explanations = _keep(
        [
            *measurement_sentences(attributes),
            *_record_sentences(modality, "explanations", facts),
            *findings,
            *absent,
            *_backed(_ontology_sentences([*basis, *quality], "explanations", modality, facts), evidence, dropped),
        ],
        policy.max_explanations,
        dropped,
        "over_max_explanations",
    )
    # A report row whose report filled only one level takes the generic sentences for the other.
    if evidence and not descriptions:
        generic = _backed(_ontology_sentences(full_basis, "descriptions", modality, facts), evidence, dropped)
        descriptions = _keep(generic, policy.max_descriptions, dropped, "over_max_descriptions")
    if evidence and not explanations:
        generic = _backed(_ontology_sentences(full_basis, "explanations", modality, facts), evidence, dropped)
        explanations = _keep(generic, policy.max_explanations, dropped, "over_max_explanations")
    text = disease_text(modality, labels, uncertain_labels, negative_labels) or "; ".join(words)
    if not text and impression:
        text = impression[0]
    # A level every filter emptied still gets a sentence: the disease text itself is always true. Only a record
    # with no statement at all (an unlabelled row kept on purpose) ends with empty texts.
    fallback = [text] if text else []
    return GranularTexts(text, descriptions or fallback, explanations or fallback, dict(sorted(dropped.items())))


def record_texts(record: RawRecord, policy: TextPolicy) -> tuple[RawRecord, GranularTexts]:
    """`record` with its report's labels merged in, and its three texts: what a build worker does per row (the
    report-row check over the real IU / Open-i reports runs exactly this)."""
    record = with_report_labels(record, policy)
    texts = compose_texts(
        modality=record.modality,
        labels=record.labels,
        uncertain_labels=record.uncertain_labels,
        negative_labels=record.negative_labels,
        keywords=record.keywords,
        report=record.report,
        policy=policy,
        attributes=record.attributes,
        view=record.view,
        laterality=record.laterality,
    )
    return record, texts
