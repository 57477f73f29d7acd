"""The in-memory ontology: findings, source-label maps, and the queries every stage uses.

Kept free of file I/O (see `loader.py`) so that lint and tests can build an `Ontology` from any data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from mgll_data.errors import MgllError

# `both` findings (normal) belong to the two clinical modalities; `synthetic` holds the shapes benchmark's findings.
CLINICAL_MODALITIES = ("fundus", "cxr")
MODALITIES = (*CLINICAL_MODALITIES, "both", "synthetic")
KINDS = ("normal", "category", "disease", "grade", "lesion", "sign", "device", "anatomy_variant", "quality")
# `quality` findings state how readable the image is (ungradable, poor quality): they add gradability sentences
# to a record's texts but are not diseases, so they never make a record abnormal.
QUALITY_KIND = "quality"


class OntologyError(MgllError):
    """An ontology data file that cannot be read into findings or maps (names the file and the entry)."""


class UnknownFinding(OntologyError):
    """An id that is not in the ontology."""

    def __init__(self, finding_id: str):
        self.finding_id = finding_id
        super().__init__(f"ontology: unknown finding id {finding_id!r}")


class UnmappedLabel(OntologyError):
    """A source label that is not listed in its vocabulary's map at all (a gap in the map, not a negative)."""

    def __init__(self, vocab: str, label: str, known_vocabs: Iterable[str] = ()):
        self.vocab, self.label = vocab, label
        hint = f" (known vocabularies: {', '.join(sorted(known_vocabs))})" if known_vocabs else ""
        super().__init__(f"ontology: label {label!r} is not in the map of vocabulary {vocab!r}{hint}")


_SPACES = re.compile(r"\s+")


def normalise_label(text: str) -> str:
    """Lookup key for source labels and names: case, surrounding/repeated whitespace, BOM and full-width comma.

    Real files differ only in these (ODIR's U+FF0C separator and double spaces, RFMiD's BOM, trailing
    spaces in ODIR and IDRiD headers); anything else (e.g. `Pleural_Thickening`) is a distinct spelling.
    """
    text = text.replace("\ufeff", "").replace("\uff0c", ",")
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Template:
    """A sentence with slots filled from the row (`{eye}`, `{view_name}`, ...; see `specific_words.yaml`).

    `level` is `descriptions` or `explanations`; `when` maps a slot to the row values it must have (the sentence
    is true only for those: a cardiothoracic ratio is read on a PA view). Kept only when every slot is filled.
    """

    level: str
    text: str
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Finding:
    """One canonical finding with its names and our own level-2/level-3 sentences.

    A `both` finding (e.g. `normal`) may carry texts per modality in `texts_by_modality` as
    (modality, descriptions, explanations); `descriptions`/`explanations` then hold all of them, and
    `for_modality` gives the copy whose texts fit one modality (a normal fundus is not "clear lungs").
    """

    id: str
    modality: str
    kind: str
    display_name: str
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    parent: str | None = None
    descriptions: tuple[str, ...] = ()
    explanations: tuple[str, ...] = ()
    texts_by_modality: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    templates: tuple[Template, ...] = ()

    def for_modality(self, modality: str | None) -> Finding:
        """This finding with only the descriptions and explanations written for `modality`."""
        for texts_modality, descriptions, explanations in self.texts_by_modality:
            if texts_modality == modality:
                return replace(self, descriptions=descriptions, explanations=explanations, texts_by_modality=())
        return self

    def applies_to(self, modality: str | None) -> bool:
        """True when the finding belongs to `modality` (a `both` finding belongs to each clinical one; None: any)."""
        if modality is None or self.modality == modality:
            return True
        return self.modality == "both" and modality in CLINICAL_MODALITIES

    def names(self) -> tuple[str, ...]:
        """Every name a text may use for the finding: display name, synonyms, abbreviations."""
        return (self.display_name, *self.synonyms, *self.abbreviations)


@dataclass(frozen=True)
class MappedLabel:
    """What one source label means in ontology ids.

    `no_finding` is True for a label that deliberately carries no finding (e.g. ODIR "lens dust"); such a
    label has empty `positive`, `uncertain` and `negative`, and `note` says why. `attributes` are record
    attributes the label implies (a grade scale's `dr_grade`, an ungradable class's `gradable=False`).
    """

    positive: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    no_finding: bool = False
    note: str = ""
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)

    def targets(self) -> list[str]:
        """Every id the label refers to, whatever its polarity."""
        return [*self.positive, *self.uncertain, *self.negative]


@dataclass(frozen=True)
class MapEntry:
    """One row of a vocabulary map, with where it came from (for lint messages)."""

    label: str
    mapped: MappedLabel
    origin: str


class Ontology:
    """Findings by id plus ordered source-label maps by vocabulary name."""

    def __init__(self, findings: Iterable[Finding], maps: Mapping[str, list[MapEntry]], origin: str = "ontology"):
        self.origin = origin
        self._findings: dict[str, Finding] = {}
        for finding in findings:
            if finding.id in self._findings:
                raise OntologyError(f"{origin}: finding id {finding.id!r} is defined twice")
            self._findings[finding.id] = finding
        self._maps: dict[str, list[MapEntry]] = {name: list(entries) for name, entries in maps.items()}
        self._lookup: dict[str, dict[str, MappedLabel]] = {}
        for name, entries in self._maps.items():
            table: dict[str, MappedLabel] = {}
            for entry in entries:
                table.setdefault(normalise_label(entry.label), entry.mapped)
            self._lookup[name] = table
        # vocabulary -> source spelling as met -> meaning: a table repeats a few spellings over every row, and
        # normalising each costs more than the rest of the lookup
        self._spellings: dict[str, dict[str, MappedLabel]] = {name: {} for name in self._lookup}
        self._names: dict[str, dict[str, str]] = {}

    def __getitem__(self, finding_id: str) -> Finding:
        try:
            return self._findings[finding_id]
        except KeyError:
            raise UnknownFinding(finding_id) from None

    def __contains__(self, finding_id: object) -> bool:
        return finding_id in self._findings

    def __len__(self) -> int:
        return len(self._findings)

    def findings(self, modality: str | None = None) -> list[Finding]:
        """Findings in file order; `fundus`/`cxr` include the `both` findings, with that modality's texts."""
        if modality is not None and modality not in MODALITIES:
            raise OntologyError(f"ontology: unknown modality {modality!r}, expected one of {', '.join(MODALITIES)}")
        return [f.for_modality(modality) for f in self._findings.values() if f.applies_to(modality)]

    def finding(self, finding_id: str, modality: str | None = None) -> Finding:
        """`onto[finding_id]` with the texts written for `modality` (matters for `both` findings such as normal)."""
        return self[finding_id].for_modality(modality)

    def vocabularies(self) -> list[str]:
        """Names of the source vocabularies that have a map."""
        return list(self._maps)

    def map_entries(self, vocab: str) -> list[MapEntry]:
        """The rows of one map with their file positions (lint and `show` use them)."""
        if vocab not in self._maps:
            raise OntologyError(f"ontology: no map for vocabulary {vocab!r} (known: {', '.join(sorted(self._maps))})")
        return self._maps[vocab]

    def vocab(self, vocab: str) -> list[tuple[str, MappedLabel]]:
        """The ordered (source label, meaning) pairs of one vocabulary, as spelled in its map."""
        return [(entry.label, entry.mapped) for entry in self.map_entries(vocab)]

    def map_label(self, vocab: str, source_label: str | int) -> MappedLabel:
        """Meaning of one source label (an int grade is read as its digits); `UnmappedLabel` when not listed."""
        source_label = str(source_label)
        spellings = self._spellings.get(vocab)
        if spellings is None:
            raise UnmappedLabel(vocab, source_label, self._maps)
        mapped = spellings.get(source_label)
        if mapped is None:
            mapped = self._lookup[vocab].get(normalise_label(source_label))
            if mapped is None:
                raise UnmappedLabel(vocab, source_label)
            spellings[source_label] = mapped
        return mapped

    def ancestors(self, finding_id: str) -> list[str]:
        """Parent, grandparent, ... of a finding, nearest first (stops at a cycle rather than looping)."""
        chain: list[str] = []
        current = self[finding_id].parent
        while current is not None and current not in chain and current != finding_id:
            chain.append(current)
            found = self._findings.get(current)
            current = found.parent if found else None
        return chain

    def children(self, finding_id: str) -> list[str]:
        """Direct children of a finding, in file order."""
        self[finding_id]
        return [f.id for f in self._findings.values() if f.parent == finding_id]

    def find_by_name(self, name: str, modality: str) -> str | None:
        """The id whose display name, synonym or abbreviation equals `name` (normalised) in `modality`."""
        if modality not in self._names:
            index: dict[str, str] = {}
            for finding in self.findings(modality):
                for candidate in finding.names():
                    index.setdefault(normalise_label(candidate), finding.id)
            self._names[modality] = index
        return self._names[modality].get(normalise_label(name))
