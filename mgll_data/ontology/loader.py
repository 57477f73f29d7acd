"""Reading the ontology's data files (findings YAML, vocabulary-map TSV) into an `Ontology`.

Layout of a data directory (the package's own is `mgll_data/ontology/`):
  findings/*.yaml   a mapping with one key `findings:`, a list of entries with the keys of `Finding`; a
                    `both` finding may give descriptions/explanations as a mapping {fundus: [...], cxr: [...]};
                    `templates:` lists sentences with slots filled from the row (see `specific_words.yaml`)
  maps/<vocab>.tsv  header `label  positive  uncertain  negative  note` and optionally `attributes`; ids
                    joined by `|`; row order is the vocabulary's order; `-` in `positive` marks a label that
                    deliberately carries no finding (its note says why); `attributes` sets record attributes
                    (`dr_grade=2;gradable=true`), so a grade scale carries its grade. `#` starts a comment line.

Only structural faults (unreadable file, missing key, unknown modality/kind, bad header) raise here;
content faults (duplicate synonym, missing description, unknown target) are for `lint.py` to list.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from mgll_data.data_files import load_data_yaml
from mgll_data.ontology.model import (
    KINDS,
    MODALITIES,
    Finding,
    MapEntry,
    MappedLabel,
    Ontology,
    OntologyError,
    Template,
)

PACKAGE_DATA = Path(__file__).resolve().parent
MAP_COLUMNS = ("label", "positive", "uncertain", "negative", "note")
ATTRIBUTES_COLUMN = "attributes"
NO_FINDING_MARK = "-"
ID_SEPARATOR = "|"
_REQUIRED_KEYS = ("id", "modality", "kind", "display_name")
_NAME_KEYS = ("synonyms", "abbreviations")
_TEXT_KEYS = ("descriptions", "explanations")
_TEXT_MODALITIES = ("fundus", "cxr")
_ALLOWED_KEYS = {*_REQUIRED_KEYS, *_NAME_KEYS, *_TEXT_KEYS, "parent", "templates"}


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise OntologyError(f"{where} must be a list of strings, got {value!r}")
    return tuple(item.strip() for item in value if item.strip())


def _templates(value: Any, where: str) -> tuple[Template, ...]:
    """`templates:` entries: `{description: text}` or `{explanation: text}`, optionally `when: {slot: [values]}`."""
    if value is None:
        return ()
    levels = {"description": "descriptions", "explanation": "explanations"}
    templates = []
    for item in value if isinstance(value, list) else [value]:
        level = [key for key in levels if isinstance(item, dict) and key in item]
        when = item.get("when") or {} if isinstance(item, dict) else None
        if (
            len(level) != 1
            or not isinstance(item[level[0]], str)
            or set(item) - {*level, "when"}
            or not isinstance(when, dict)
            or not all(isinstance(v, list) for v in when.values())
        ):
            raise OntologyError(
                f"{where}: templates: each entry is {{description: text}} or {{explanation: text}}, "
                f"optionally with when: {{slot: [values]}}; got {item!r}"
            )
        conditions = tuple((str(slot), tuple(str(v) for v in values)) for slot, values in when.items())
        templates.append(Template(levels[level[0]], item[level[0]].strip(), conditions))
    return tuple(templates)


def _finding(entry: Any, origin: str) -> Finding:
    if not isinstance(entry, dict):
        raise OntologyError(f"{origin}: expected a mapping with keys {', '.join(_REQUIRED_KEYS)}, got {entry!r}")
    where = f"{origin} (finding {entry.get('id', '?')!r})"
    unknown = sorted(set(entry) - _ALLOWED_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_ALLOWED_KEYS))
        raise OntologyError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
    missing = [key for key in _REQUIRED_KEYS if not isinstance(entry.get(key), str) or not entry[key].strip()]
    if missing:
        raise OntologyError(f"{where}: required text key(s) missing or empty: {', '.join(missing)}")
    if entry["modality"] not in MODALITIES:
        raise OntologyError(f"{where}: modality {entry['modality']!r}, expected one of {', '.join(MODALITIES)}")
    if entry["kind"] not in KINDS:
        raise OntologyError(f"{where}: kind {entry['kind']!r}, expected one of {', '.join(KINDS)}")
    lists = {key: _strings(entry.get(key), f"{where}: {key}") for key in _NAME_KEYS}
    per_modality: dict[str, dict[str, tuple[str, ...]]] = {}
    for key in _TEXT_KEYS:
        value = entry.get(key)
        if isinstance(value, dict):
            if entry["modality"] != "both" or not set(value) <= set(_TEXT_MODALITIES):
                raise OntologyError(
                    f"{where}: {key} may be split by modality ({', '.join(_TEXT_MODALITIES)}) only for a `both` finding"
                )
            for modality in _TEXT_MODALITIES:
                per_modality.setdefault(modality, {})[key] = _strings(value.get(modality), f"{where}: {key}.{modality}")
            lists[key] = tuple(text for modality in _TEXT_MODALITIES for text in per_modality[modality][key])
        else:
            lists[key] = _strings(value, f"{where}: {key}")
    if per_modality:
        lists["texts_by_modality"] = tuple(
            (
                modality,
                texts.get("descriptions", lists["descriptions"]),
                texts.get("explanations", lists["explanations"]),
            )
            for modality, texts in per_modality.items()
        )
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise OntologyError(f"{where}: parent must be an id or null, got {parent!r}")
    return Finding(
        id=entry["id"].strip(),
        modality=entry["modality"],
        kind=entry["kind"],
        display_name=entry["display_name"].strip(),
        parent=parent.strip() if parent else None,
        templates=_templates(entry.get("templates"), where),
        **lists,
    )


def read_findings(path: Path) -> list[Finding]:
    """Findings of one YAML file, in file order."""
    try:
        data = load_data_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OntologyError(f"{path}: cannot read findings YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise OntologyError(f"{path}: expected a YAML mapping with a `findings:` list")
    return [_finding(entry, str(path)) for entry in data["findings"]]


def _ids(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(ID_SEPARATOR) if part.strip()]


def _attribute_value(text: str) -> str | int | float | bool:
    lowered = text.casefold()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _attributes(cell: str, where: str) -> dict[str, str | int | float | bool]:
    """`key=value;key=value` -> a dict with ints, floats and booleans parsed."""
    attributes = {}
    for part in (p.strip() for p in cell.split(";") if p.strip()):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise OntologyError(f"{where}: attribute {part!r} is not written key=value")
        attributes[key.strip()] = _attribute_value(value.strip())
    return attributes


def read_map(path: Path) -> list[MapEntry]:
    """Rows of one vocabulary map, in file order."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise OntologyError(f"{path}: cannot read map TSV: {exc}") from None
    rows = [(number, line.split("\t")) for number, line in enumerate(lines, start=1) if not line.startswith("#")]
    header = tuple(cell.strip() for cell in rows[0][1]) if rows else ()
    if header not in (MAP_COLUMNS, (*MAP_COLUMNS, ATTRIBUTES_COLUMN)):
        raise OntologyError(
            f"{path}: expected the tab-separated header {' '.join(MAP_COLUMNS)!r} (optionally + {ATTRIBUTES_COLUMN!r})"
        )
    entries = []
    for number, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise OntologyError(f"{path}: line {number} has {len(row)} tab-separated fields, expected {len(header)}")
        label, positive, uncertain, negative, note, attributes = (*row, *[""] * (len(MAP_COLUMNS) + 1 - len(row)))
        if not label.strip():
            raise OntologyError(f"{path}: line {number} has an empty label")
        no_finding = positive.strip() == NO_FINDING_MARK
        mapped = MappedLabel(
            positive=[] if no_finding else _ids(positive),
            uncertain=_ids(uncertain),
            negative=_ids(negative),
            no_finding=no_finding,
            note=note.strip(),
            attributes=_attributes(attributes, f"{path}: line {number}"),
        )
        entries.append(MapEntry(label=label, mapped=mapped, origin=f"{path}: line {number}"))
    return entries


def read_ontology(data_dir: Path) -> Ontology:
    """Read `findings/*.yaml` and `maps/*.tsv` under `data_dir` (uncached; for tests and lint of other trees)."""
    data_dir = Path(data_dir)
    findings_dir, maps_dir = data_dir / "findings", data_dir / "maps"
    if not findings_dir.is_dir() or not maps_dir.is_dir():
        raise OntologyError(f"{data_dir}: expected an ontology data directory with findings/ and maps/ folders")
    findings = [finding for path in sorted(findings_dir.glob("*.yaml")) for finding in read_findings(path)]
    maps = {path.stem: read_map(path) for path in sorted(maps_dir.glob("*.tsv"))}
    return Ontology(findings, maps, origin=str(data_dir))


@functools.cache
def _cached(data_dir: Path) -> Ontology:
    return read_ontology(data_dir)


def load_ontology(data_dir: Path | str | None = None) -> Ontology:
    """The ontology from `data_dir` (default: the package's data files), read once per directory."""
    return _cached(Path(data_dir).resolve() if data_dir is not None else PACKAGE_DATA)
