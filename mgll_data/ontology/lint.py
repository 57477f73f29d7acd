"""Consistency checks over the ontology data: every problem listed at once, so one lint run fixes them all.

`lint` is pure (an `Ontology` and optional real source labels in, problems out); reading a real source file
for its labels happens in the small readers below, at the edge.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mgll_data.ontology.model import MODALITIES, Ontology, OntologyError, normalise_label

ODIR_KEYWORD_COLUMNS = ("Left-Diagnostic Keywords", "Right-Diagnostic Keywords")
ODIR_KEYWORD_SEPARATOR = "\uff0c"


@dataclass(frozen=True)
class Problem:
    """One lint finding: `kind` is a stable code (tests and scripts match on it), `where` names the entry."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.kind}] {self.message}"


def _name_problems(onto: Ontology) -> list[Problem]:
    problems: set[Problem] = set()
    for modality in (m for m in MODALITIES if m != "both"):
        owner: dict[str, tuple[str, str]] = {}
        for finding in onto.findings(modality):
            for name in finding.names():
                key = normalise_label(name)
                first = owner.setdefault(key, (finding.id, name))
                if first[0] != finding.id:
                    problems.add(
                        Problem(
                            "duplicate_name",
                            f"finding {finding.id!r}",
                            f"name {name!r} is also a name of {first[0]!r} ({first[1]!r}) in modality {modality}",
                        )
                    )
    return sorted(problems, key=lambda p: (p.where, p.message))


def _text_and_parent_problems(onto: Ontology) -> list[Problem]:
    problems = []
    for finding in onto.findings():
        where = f"finding {finding.id!r}"
        for modality in [m for m, _, _ in finding.texts_by_modality] or [None]:
            texts = finding.for_modality(modality)
            scope = f" for {modality}" if modality else ""
            if not texts.descriptions:
                problems.append(Problem("missing_description", where, f"needs at least one level-2 description{scope}"))
            if not texts.explanations:
                problems.append(Problem("missing_explanation", where, f"needs at least one level-3 explanation{scope}"))
        if finding.parent is None:
            continue
        if finding.parent not in onto:
            problems.append(Problem("unknown_parent", where, f"parent {finding.parent!r} is not a finding id"))
            continue
        parent = onto[finding.parent]
        if parent.modality not in (finding.modality, "both"):
            problems.append(
                Problem(
                    "parent_modality",
                    where,
                    f"modality {finding.modality} but parent {parent.id!r} is {parent.modality}",
                )
            )
        seen = [finding.id]
        current: str | None = finding.parent
        while current is not None and current in onto:
            if current in seen:
                problems.append(Problem("parent_cycle", where, "parent chain loops: " + " -> ".join([*seen, current])))
                break
            seen.append(current)
            current = onto[current].parent
    return problems


def _map_problems(onto: Ontology) -> list[Problem]:
    from mgll_data.schema import ATTRIBUTES_TYPE

    attribute_names = {f.name for f in ATTRIBUTES_TYPE}
    problems = []
    for vocab in onto.vocabularies():
        seen: dict[str, str] = {}
        for entry in onto.map_entries(vocab):
            mapped, where = entry.mapped, entry.origin
            key = normalise_label(entry.label)
            if key in seen:
                problems.append(Problem("duplicate_label", where, f"{vocab} label {entry.label!r} repeats {seen[key]}"))
            seen.setdefault(key, where)
            targets = mapped.targets()
            if mapped.no_finding and targets:
                problems.append(
                    Problem(
                        "contradictory_row", where, f"{entry.label!r} is marked '-' (no finding) but lists {targets}"
                    )
                )
            if mapped.no_finding and not mapped.note:
                problems.append(
                    Problem("no_finding_without_note", where, f"{entry.label!r}: say why it carries no finding")
                )
            if not mapped.no_finding and not targets:
                problems.append(
                    Problem(
                        "empty_map_row",
                        where,
                        f"{entry.label!r} maps to nothing; give ids or write '-' in `positive` with a note",
                    )
                )
            problems.extend(
                Problem("unknown_target", where, f"{entry.label!r} maps to {target!r}, which is not a finding id")
                for target in targets
                if target not in onto
            )
            problems.extend(
                Problem("unknown_attribute", where, f"{entry.label!r} sets {key!r}, which is not a record attribute")
                for key in mapped.attributes
                if key not in attribute_names
            )
    return problems


def _coverage_problems(onto: Ontology, source_labels: Mapping[str, Iterable[str]]) -> list[Problem]:
    problems = []
    known = set(onto.vocabularies())
    for vocab, labels in source_labels.items():
        if vocab not in known:
            problems.append(Problem("missing_vocabulary", f"vocabulary {vocab!r}", "has no maps/<vocab>.tsv"))
            continue
        mapped = {normalise_label(label) for label, _ in onto.vocab(vocab)}
        problems.extend(
            Problem("unmapped_source_label", f"vocabulary {vocab!r}", f"source label {label!r} is not in the map")
            for label in sorted(set(labels))
            if normalise_label(label) not in mapped
        )
    return problems


def lint(onto: Ontology, source_labels: Mapping[str, Iterable[str]] | None = None) -> list[Problem]:
    """Every problem in the ontology; `source_labels` (vocab -> labels seen in real files) adds coverage checks."""
    return [
        *_name_problems(onto),
        *_text_and_parent_problems(onto),
        *_map_problems(onto),
        *_coverage_problems(onto, source_labels or {}),
    ]


def odir_keywords(full_df_csv: Path) -> set[str]:
    """Distinct per-eye keywords of an ODIR-5K annotation CSV (split on U+FF0C, trimmed)."""
    try:
        with open(full_df_csv, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ODIR_KEYWORD_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise OntologyError(f"{full_df_csv}: expected ODIR keyword column(s) {', '.join(missing)}")
            return {
                keyword.strip()
                for row in reader
                for column in ODIR_KEYWORD_COLUMNS
                for keyword in (row[column] or "").split(ODIR_KEYWORD_SEPARATOR)
                if keyword.strip()
            }
    except (OSError, UnicodeDecodeError) as exc:
        raise OntologyError(f"{full_df_csv}: cannot read the ODIR annotation CSV: {exc}") from None
