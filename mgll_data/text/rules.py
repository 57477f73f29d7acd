"""The labeler's rule data, read from `data/mentions.yaml`, `data/context_rules.yaml` and the ontology.

Kept apart from the matching code so that tests and the evaluation script can inspect exactly which phrases
and triggers are in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mgll_data.data_files import read_data_yaml
from mgll_data.errors import MgllError
from mgll_data.ontology import load_ontology

STATUSES = ("positive", "uncertain", "negative")
# ConText's three independent axes: what a trigger may set on each, the first value being the default.
AXES: dict[str, tuple[str, ...]] = {
    "status": STATUSES,
    "temporality": ("current", "historical", "hypothetical"),
    "experiencer": ("patient", "other"),
}
# Endings of words that take no regular plural: plurals already, Greek -sis/-x nouns and adjectives.
_NOT_PLURALISED = ("s", "x", "ed", "ous", "ic", "ive", "al", "ar", "ing")


@dataclass(frozen=True)
class TriggerCategory:
    """A ConText trigger category: the axis and value it sets, which way its scope runs (pre, post, or both for
    the alternatives of a differential) and how far (words). `stops` (phrases) end this category's scope besides
    the shared boundaries; a `predicate` post cue ("could be", "resolved") reaches back only when it closes its
    clause, not when it goes on to name what follows ("could be pneumonia", "resolved hydronephrosis"). A
    differential (`both`) hedges a target only when a finding is named on the other side (`alternatives: named`),
    or any phrase is (`any`: "pneumothorax versus skin fold"), or any phrase is and a status cue before the list
    reaches it (`after_cue`: "consistent with viral pneumonia or reactive airway disease") and the word after it is
    not one of `unless_followed_by` ("the right or left base")."""

    name: str
    axis: str
    value: str
    direction: str
    scope: int
    phrases: tuple[str, ...]
    blocks: bool = True
    stops: tuple[str, ...] = ()
    predicate: bool = False
    alternatives: str = "named"
    unless_followed_by: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AttributeRule:
    """A subject ("heart size") that names a finding only together with an abnormal or normal modifier."""

    finding: str
    window: int
    subjects: tuple[str, ...]
    abnormal: tuple[str, ...]
    normal: tuple[str, ...]


@dataclass(frozen=True)
class ImpliedRule:
    """Phrases whose non-negated mention states another finding with a fixed status."""

    finding: str
    status: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class LabelerRules:
    """Everything the labeler matches, by finding id and trigger category."""

    mentions: dict[str, tuple[str, ...]]
    also: dict[str, tuple[str, ...]]
    unmentions: tuple[str, ...]
    attributes: tuple[AttributeRule, ...]
    implied: tuple[ImpliedRule, ...]
    categories: tuple[TriggerCategory, ...]
    terminators: tuple[str, ...]
    boundaries: dict[str, tuple[str, ...]]  # axis -> phrases that end every scope on that axis
    continuations: frozenset[str]  # words after a predicate post cue that still close its clause
    continuation_suffixes: tuple[str, ...]
    closers: frozenset[str]  # predicate words after which a comma ends a statement
    restatements: dict[str, tuple[str, ...]]  # "singular" / "plural" -> predicates that start a new clause
    restatement_starts: dict[str, frozenset[str]]  # the same keys -> words that start that clause
    alternatives: frozenset[str]  # words that keep a list whole ("or"): before a restatement, after a graded stop
    graded_stops: frozenset[str]  # stops before a graded finding ("..., mild"), void inside a list of alternatives
    pseudo: tuple[str, ...]
    pathologies: frozenset[str]  # the ids that make a report abnormal (devices do not: CheXpert's No Finding)
    broader: dict[str, frozenset[str]]  # finding id -> its ontology ancestors, so the narrower mention wins


def _phrases(values: list, where: str) -> tuple[str, ...]:
    """Phrases as strings; YAML reads a bare `no`, `on` or `yes` as a boolean, which would never match. A nested
    list (a YAML alias such as `*graded` that shares one list of stops between categories) is flattened."""
    values = [v for value in values for v in (_phrases(value, where) if isinstance(value, list) else [value])]
    bad = [v for v in values if not isinstance(v, str | int | float) or isinstance(v, bool)]
    if bad:
        raise MgllError(f"mgll_data/text/data/context_rules.yaml: {where}: {bad} are not phrases (quote them)")
    return tuple(str(v) for v in values)


def _data(name: str) -> dict:
    return read_data_yaml("mgll_data.text", f"data/{name}")


def plural_variants(phrase: str) -> tuple[str, ...]:
    """The phrase and the regular plural of its last word ("opacity" -> "opacities")."""
    head, _, last = phrase.rpartition(" ")
    if not last.isalpha() or last.endswith(_NOT_PLURALISED):
        return (phrase,)
    plural = last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in "aeiou" else last + "s"
    return (phrase, f"{head} {plural}".strip())


@lru_cache(maxsize=1)
def labeler_rules() -> LabelerRules:
    """Load and check the rule files against the ontology once per process."""
    mention_data = _data("mentions.yaml")
    context_data = _data("context_rules.yaml")
    ontology = load_ontology()
    cxr_ids = [f.id for f in ontology.findings("cxr") if f.id != "normal" and f.modality in ("cxr", "both")]
    referenced = {
        *mention_data["findings"],
        *(i for v in mention_data["findings"].values() for i in v.get("also", [])),
        *(a["finding"] for a in mention_data["attributes"]),
        *(i["finding"] for i in mention_data["implied"]),
    }
    unknown = sorted(referenced - set(cxr_ids))
    if unknown:
        raise MgllError(f"mgll_data/text/data/mentions.yaml: ids {unknown} are not chest X-ray ontology findings")

    ignored = {k: {p.lower() for p in v} for k, v in mention_data.get("ignore_ontology_names", {}).items()}
    mentions: dict[str, tuple[str, ...]] = {}
    for finding_id in cxr_ids:
        own = mention_data["findings"].get(finding_id, {}).get("phrases", [])
        names = [n for n in ontology[finding_id].names() if n.lower() not in ignored.get(finding_id, set())]
        phrases = {v.lower() for p in [*own, *names] for v in plural_variants(str(p).lower().replace("_", " "))}
        mentions[finding_id] = tuple(sorted(phrases))
    also = {k: tuple(v.get("also", [])) for k, v in mention_data["findings"].items()}
    attributes = tuple(
        AttributeRule(a["finding"], int(a["window"]), tuple(a["subjects"]), tuple(a["abnormal"]), tuple(a["normal"]))
        for a in mention_data["attributes"]
    )
    implied = tuple(ImpliedRule(i["finding"], i["status"], tuple(i["phrases"])) for i in mention_data["implied"])
    categories = []
    for name, c in context_data["categories"].items():
        axes = [a for a in AXES if a in c]
        if c.get("alternatives", "named") not in ("named", "any", "after_cue"):
            raise MgllError(
                f"mgll_data/text/data/context_rules.yaml: category {name!r}: alternatives must be "
                "named, any or after_cue"
            )
        if len(axes) != 1 or c[axes[0]] not in AXES[axes[0]] or c.get("direction") not in ("pre", "post", "both"):
            allowed = "; ".join(f"{axis}: {' / '.join(values)}" for axis, values in AXES.items())
            raise MgllError(
                f"mgll_data/text/data/context_rules.yaml: category {name!r} must set exactly one of ({allowed}) "
                "and have direction pre, post or both"
            )
        phrases = _phrases(c["phrases"], name)
        categories.append(
            TriggerCategory(
                name,
                axes[0],
                c[axes[0]],
                c["direction"],
                int(c["scope"]),
                phrases,
                c.get("blocks", True),
                _phrases(c.get("stops", []), f"{name} stops"),
                c.get("predicate", False),
                c.get("alternatives", "named"),
                frozenset(w.lower() for w in _phrases(c.get("unless_followed_by", []), f"{name} unless_followed_by")),
            )
        )
    boundaries = {axis: _phrases(context_data["boundaries"].get(axis, []), f"{axis} boundaries") for axis in AXES}
    restatements = context_data["restatements"]
    numbers = ("singular", "plural")
    if set(restatements["starts"]) != set(numbers):
        raise MgllError("mgll_data/text/data/context_rules.yaml: restatements: starts must name singular and plural")
    unknown_axes = sorted(set(context_data["boundaries"]) - set(AXES))
    if unknown_axes:
        raise MgllError(f"mgll_data/text/data/context_rules.yaml: boundaries for unknown axes {unknown_axes}")
    return LabelerRules(
        mentions=mentions,
        also=also,
        unmentions=tuple(mention_data["unmentions"]),
        attributes=attributes,
        implied=implied,
        categories=tuple(categories),
        terminators=_phrases(context_data["terminators"], "terminators"),
        boundaries=boundaries,
        continuations=frozenset(w.lower() for w in _phrases(context_data["continuations"]["words"], "continuations")),
        continuation_suffixes=_phrases(context_data["continuations"]["suffixes"], "continuation suffixes"),
        closers=frozenset(w.lower() for w in _phrases(context_data["closers"], "closers")),
        restatements={n: _phrases(restatements[n], f"restatements {n}") for n in numbers},
        restatement_starts={
            n: frozenset(_phrases(restatements["starts"][n], f"restatements starts {n}")) for n in numbers
        },
        alternatives=frozenset(_phrases(restatements["alternatives"], "restatements alternatives")),
        graded_stops=frozenset(_phrases(context_data["graded_stops"], "graded_stops")),
        pseudo=_phrases(context_data["pseudo"], "pseudo"),
        pathologies=frozenset(i for i in cxr_ids if ontology[i].kind != "device"),
        broader={i: frozenset(ontology.ancestors(i)) for i in cxr_ids},
    )
