"""Fill the three MGLL text granularities for one record, from its labels, keywords and report.

Label states decide what the texts may claim. A record is normal only when its labels say `normal` (a source's
normal class, or the report labeler's "No Finding"); a record whose only statements are negative ("ICDR grade
0": no diabetic retinopathy) says exactly that, never "Normal, Healthy"; a record with no statement at all gets
its keywords and report text, and empty texts only when it has none (an unlabelled row kept on purpose).

Granularity 1 (`disease_text`) names the labels in ontology order ("Cardiomegaly, Pleural Effusion"; fundus
records carry "Abnormal, " / "Normal, Healthy"); uncertain labels read "possible <name>"; negative-only
records read "No diabetic retinopathy". Granularity 2 (`descriptions`) is the report's impression statements,
then the source's keywords, then (normal or negative-only records) the negative labels stated as such ("no
pleural effusion"), then the ontology descriptions of the labels. Granularity 3 (`explanations`) is the
sentences stated from measured attributes (a mask's cup-to-disc ratio, lesion areas; see `measures.py`), then
the report's findings sentences that mention a finding stated present or possible (for a normal study, its
normal and negative statements), then the ontology explanations (negative-only records: what the absence means,
from `data/compose.yaml`). Every sentence left out is counted in `dropped` under the filter's name.
Deterministic: no sampling, ontology order throughout.

Image-quality findings (ontology kind `quality`: ungradable image, poor image quality) are not diseases: they
never make a record abnormal and are not named beside diseases in granularity 1 (a record stating nothing else
reads their names), but their descriptions and explanations follow the others', so a reader learns why a grade
may be missing or uncertain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from mgll_data.ontology import load_ontology
from mgll_data.ontology.model import QUALITY_KIND
from mgll_data.text.measures import measurement_sentences
from mgll_data.text.policy import TextPolicy
from mgll_data.text.sections import is_placeholder
from mgll_data.text.sentences import split_sentences


@dataclass
class GranularTexts:
    """The three granularities of one record plus the count of what each filter removed."""

    disease_text: str
    descriptions: list[str]
    explanations: list[str]
    dropped: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _conventions() -> dict:
    path = resources.files("mgll_data.text") / "data" / "compose.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


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


def _ontology_sentences(ids: list[str], attribute: str, modality: str) -> list[str]:
    """The descriptions or explanations of `ids`; a normal record takes the modality's own normal sentences."""
    if ids == ["normal"]:
        return list(_conventions()["normal_sentences"][modality][attribute])
    ontology = load_ontology()
    return [sentence for finding_id in ids for sentence in getattr(ontology[finding_id], attribute)]


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


def _report_filters(sentences: list[str], policy: TextPolicy, dropped: Counter) -> list[str]:
    """Drop placeholder and too-short report sentences, counting each. Keywords and ontology sentences are
    curated text and skip these filters: a one-word ODIR keyword ("cataract") is still a description."""
    kept = []
    for text in sentences:
        text = text.strip()
        if is_placeholder(text):
            dropped["placeholder"] += 1
        elif len(text.split()) < policy.min_sentence_tokens:
            dropped["short_sentence"] += 1
        else:
            kept.append(text)
    return kept


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


def _report_sentences(
    report: dict[str, str], is_normal: bool, policy: TextPolicy, dropped: Counter
) -> tuple[list[str], list[str]]:
    """Impression statements, and the findings sentences worth explaining (see the module docstring)."""
    impression = _report_filters([s.text for s in split_sentences(report.get("impression") or "")], policy, dropped)
    findings_text = report.get("findings") or ""
    findings: list[str] = []
    if findings_text:
        from mgll_data.text.labeler import label_report  # spaCy: loaded only by a worker that meets a report

        mentions = label_report(findings_text).mentions
        for sentence in split_sentences(findings_text):
            inside = [m for m in mentions if sentence.start <= m.start < sentence.end]
            stated = any(m.about_study and m.status in ("positive", "uncertain") for m in inside)
            if stated or is_normal:
                findings.append(sentence.text)
            else:
                dropped["findings_without_stated_finding"] += 1
    return impression, _report_filters(findings, policy, dropped)


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
) -> GranularTexts:
    """The three granularities for one record (used by the build engine for every source)."""
    dropped: Counter = Counter()
    ontology = load_ontology()
    quality = _quality(labels, modality)
    pathologies = [i for i in _ordered(labels, modality) if i != "normal" and i not in quality]
    uncertain = [i for i in _ordered(uncertain_labels, modality) if i != "normal"]
    present = [i for i in [*pathologies, *uncertain] if ontology[i].kind != "device"]
    is_normal = "normal" in labels and not present
    impression, findings = _report_sentences(report, is_normal, policy, dropped) if report else ([], [])

    basis = pathologies or uncertain or (["normal"] if is_normal else [])
    denied, absent = [], []
    if not present:  # a normal or negative-only record's explicit negatives are statements about it
        denied = _denied(negative_labels, modality)
        if not basis:
            template = _conventions()["absent_explanation_template"]
            absent = [
                template.format(name=ontology[i].display_name.lower()) for i in _ordered(negative_labels, modality)
            ]
    descriptions = _keep(
        [
            *impression,
            *keywords,
            *denied,
            *_ontology_sentences(basis, "descriptions", modality),
            *_ontology_sentences(quality, "descriptions", modality),
        ],
        policy.max_descriptions,
        dropped,
        "over_max_descriptions",
    )
    explanations = _keep(
        [
            *measurement_sentences(attributes),
            *findings,
            *absent,
            *_ontology_sentences(basis, "explanations", modality),
            *_ontology_sentences(quality, "explanations", modality),
        ],
        policy.max_explanations,
        dropped,
        "over_max_explanations",
    )
    text = disease_text(modality, labels, uncertain_labels, negative_labels) or "; ".join(keywords)
    if not text and impression:
        text = impression[0]
    # A level every filter emptied still gets a sentence: the disease text itself is always true. Only a record
    # with no statement at all (an unlabelled row kept on purpose) ends with empty texts.
    fallback = [text] if text else []
    return GranularTexts(text, descriptions or fallback, explanations or fallback, dict(sorted(dropped.items())))
