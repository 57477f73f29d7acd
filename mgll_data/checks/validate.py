"""Check a built output folder against the contract of DESIGN.md and list every violation, not just the first.

The folder is read shard by shard in small batches, so validating a large build needs memory for the ids
and patient keys only, never for all images at once. Repeated faults inside one shard (the same unknown
label on many rows, many empty texts) are reported once per shard with a count and example ids.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from PIL import Image

from mgll_data import storage
from mgll_data.checksums import file_sha256
from mgll_data.config_io import JsonObject
from mgll_data.errors import ValidationError
from mgll_data.output_layout import (
    BATCH_ROWS,
    CARD_FILE,
    DATA_DIR,
    MANIFEST_FILE,
    MANIFEST_KEYS,
    REJECT_COLUMNS,
    REJECTS_FILE,
    SPLITS,
    STATE_FILE,
    WORK_DIR,
    ManifestJson,
    data_files,
    iter_batches,
    parse_shard_name,
    read_manifest,
    require_output_dir,
)
from mgll_data.schema import FIELDS, FLAG_ATTRIBUTES, SCHEMA_VERSION, Row, arrow_schema, features
from mgll_data.sources.base import LICENCE_CLASSES
from mgll_data.text.faithful import TextProblem, text_problems

SOURCE_KEYS: tuple[str, ...] = (
    "adapter",
    "root",
    "licence_class",
    "citation",
    "homepage",
    "version",
    "modality",
    "rows",
    "rejects",
)
LABEL_COLUMNS: tuple[str, ...] = ("labels", "uncertain_labels", "negative_labels")
EXAMPLES = 3
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
# A public PEP 440 version with an optional local part (0.1.0, 1.2rc1, 0.3.dev4+g1234abc).
TOOL_VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[A-Za-z0-9.]+)?$")


@dataclass(frozen=True)
class Violation:
    """One broken rule: the file it is in (relative to the folder), which check, and what is wrong."""

    file: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def _examples(ids: list[str]) -> str:
    shown = ", ".join(ids[:EXAMPLES])
    return f"{len(ids)} row(s), e.g. {shown}" if len(ids) > EXAMPLES else f"row(s) {shown}"


@dataclass
class _Scan:
    """What the shard scan learnt, for the cross-shard and manifest checks."""

    ids: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    patient_splits: dict[tuple[str, str], dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    rows_by_file: dict[str, int] = field(default_factory=dict)
    rows_by_source_split: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    flagged_rows: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    image_paths: dict[str, str] = field(default_factory=dict)
    repeated_paths: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def _relative(out_dir: Path, path: Path) -> str:
    return path.relative_to(out_dir).as_posix()


def _check_required(out_dir: Path) -> list[Violation]:
    found = []
    for name, what in (
        (CARD_FILE, "the dataset card"),
        (MANIFEST_FILE, "the manifest"),
        (REJECTS_FILE, "the rejects list"),
    ):
        if not (out_dir / name).is_file():
            found.append(Violation(name, "missing", f"missing (every built folder has {what})"))
    if not data_files(out_dir):
        found.append(Violation(DATA_DIR, "missing", "no Parquet shards (expected data/{split}-00000-of-0000N.parquet)"))
    return found


def _check_card(out_dir: Path, split_rows: dict[str, int]) -> list[Violation]:
    """The README front matter must point every split at its shards and state its size, as load_dataset checks."""
    path = out_dir / CARD_FILE
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    front = _FRONT_MATTER.match(text)
    try:
        meta = yaml.safe_load(front.group(1)) if front else None
    except yaml.YAMLError as exc:
        return [Violation(CARD_FILE, "card", f"YAML front matter does not parse: {exc}")]
    if not isinstance(meta, dict):
        return [Violation(CARD_FILE, "card", "no YAML front matter between '---' lines (configs, dataset_info)")]
    found = []
    configs = meta.get("configs") or []
    patterns = {
        entry.get("split"): entry.get("path")
        for config in configs
        if isinstance(config, dict)
        for entry in config.get("data_files") or []
        if isinstance(entry, dict)
    }
    stated = {
        entry.get("name"): entry.get("num_examples")
        for entry in (meta.get("dataset_info") or {}).get("splits") or []
        if isinstance(entry, dict)
    }
    for split, rows in split_rows.items():
        if patterns.get(split) != f"{DATA_DIR}/{split}-*":
            found.append(Violation(CARD_FILE, "card", f"configs has no data_files entry {split}: {DATA_DIR}/{split}-*"))
        if stated.get(split) != rows:
            message = f"dataset_info.splits says {split} has {stated.get(split)} rows, shards hold {rows}"
            found.append(Violation(CARD_FILE, "card", message))
    for listed in sorted(set(patterns) - set(split_rows), key=str):
        found.append(Violation(CARD_FILE, "card", f"configs lists split {listed!r}, which has no shards"))
    return found


def _check_shard_names(out_dir: Path, paths: list[Path]) -> list[Violation]:
    found = []
    counts: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    indices: dict[str, set[int]] = defaultdict(set)
    for path in paths:
        name = parse_shard_name(path.name)
        if name is None:
            found.append(
                Violation(
                    _relative(out_dir, path), "shard-name", "name does not match {split}-{i:05d}-of-{n:05d}.parquet"
                )
            )
            continue
        if name.split not in SPLITS:
            found.append(
                Violation(
                    _relative(out_dir, path),
                    "shard-name",
                    f"split {name.split!r} in the name; expected one of {', '.join(SPLITS)}",
                )
            )
        counts[name.split][name.count].append(path.name)
        indices[name.split].add(name.index)
    for split, by_count in counts.items():
        if len(by_count) > 1:
            detail = "; ".join(f"-of-{count:05d}: {', '.join(names)}" for count, names in sorted(by_count.items()))
            message = f"shards disagree on the shard count ({detail})"
            found.append(Violation(f"{DATA_DIR}/{split}-*", "shard-name", message))
            continue
        count = next(iter(by_count))
        missing = sorted(set(range(count)) - indices[split])
        extra = sorted(index for index in indices[split] if index >= count)
        if missing:
            found.append(
                Violation(
                    f"{DATA_DIR}/{split}-*", "shard-name", f"-of-{count:05d} but shard index(es) {missing} are missing"
                )
            )
        if extra:
            found.append(
                Violation(
                    f"{DATA_DIR}/{split}-*", "shard-name", f"shard index(es) {extra} are not below the count {count}"
                )
            )
    return found


def _check_schema(file: str, schema: pa.Schema) -> list[Violation]:
    expected = arrow_schema()
    found = []
    for want in expected:
        if want.name not in schema.names:
            found.append(Violation(file, "schema", f"column {want.name!r} is missing"))
            continue
        have = schema.field(want.name)
        if not have.type.equals(want.type):
            found.append(Violation(file, "schema", f"column {want.name!r} has type {have.type}, expected {want.type}"))
        if have.nullable != want.nullable:
            state = "nullable" if want.nullable else "not nullable"
            found.append(Violation(file, "schema", f"column {want.name!r} must be {state}"))
    for extra in [name for name in schema.names if name not in expected.names]:
        found.append(Violation(file, "schema", f"unexpected column {extra!r} (not in mgll_data.schema.FIELDS)"))
    if [n for n in schema.names if n in expected.names] != [n for n in expected.names if n in schema.names]:
        found.append(Violation(file, "schema", "columns are not in the order of mgll_data.schema.FIELDS"))
    metadata = schema.metadata or {}
    if b"huggingface" not in metadata:
        found.append(Violation(file, "schema", "no 'huggingface' schema metadata (load_dataset would lose Image/List)"))
    else:
        try:
            stated = json.loads(metadata[b"huggingface"])["info"]["features"]
        except (ValueError, KeyError, TypeError):
            stated = None
        if stated != features().to_dict():
            found.append(Violation(file, "schema", "'huggingface' metadata features differ from mgll_data.schema"))
    return found


def _image_problem(image: JsonObject | None, width: Any, height: Any) -> str | None:
    data = (image or {}).get("bytes")
    if not data:
        return "no image bytes"
    try:
        with Image.open(io.BytesIO(data)) as decoded:
            size = decoded.size
            decoded.verify()
    except Exception as exc:  # PIL raises many types (OSError, SyntaxError, ValueError) for broken data
        return f"image bytes do not decode ({type(exc).__name__}: {exc})"
    if size != (width, height):
        return f"image is {size[0]}x{size[1]} but width/height say {width}x{height}"
    return None


def _scan_image_paths(path: Path, scan: _Scan) -> None:
    """Record each row's stored `image.path` (read without the image bytes): exports write files by that name."""
    parquet = pq.ParquetFile(storage.arrow_source(path))
    schema = parquet.schema_arrow
    if "id" not in schema.names or "image" not in schema.names or not pa.types.is_struct(schema.field("image").type):
        return
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=["id", "image.path"]):
        paths = pc.struct_field(batch.column("image"), "path").to_pylist()
        for record_id, stored in zip(batch.column("id").to_pylist(), paths, strict=True):
            if stored is None:
                continue
            if stored in scan.image_paths:
                scan.repeated_paths[stored].append(str(record_id))
            else:
                scan.image_paths[stored] = str(record_id)


def _scan_shard(
    out_dir: Path, path: Path, ontology: Container[str], check_images: bool, scan: _Scan
) -> list[Violation]:
    """Row-level checks of one shard, streamed in batches; records ids and patients for cross-shard checks."""
    file = _relative(out_dir, path)
    shard = parse_shard_name(path.name)
    file_split = shard.split if shard is not None and shard.split in SPLITS else None
    columns = [f.name for f in FIELDS if f.name != "image" or check_images]
    _scan_image_paths(path, scan)
    nulls: Counter[str] = Counter()
    unknown: dict[tuple[str, str], list[str]] = defaultdict(list)
    bad_split: dict[str, list[str]] = defaultdict(list)
    empty_text: list[str] = []
    misfit: dict[str, list[str]] = defaultdict(list)  # text problem kind -> "id: words in 'text'"
    images: list[str] = []
    rows = 0
    for batch in iter_batches(path, columns):
        for f in FIELDS:
            if not f.nullable and f.name in batch.schema.names:
                nulls[f.name] += batch.column(f.name).null_count
        for row in batch.to_pylist():
            rows += 1
            record_id = str(row.get("id"))
            if row.get("id") is not None:
                if row["id"] in scan.ids:
                    scan.duplicates[row["id"]].append(file)
                else:
                    scan.ids[row["id"]] = file
            split = row.get("split")
            if split not in SPLITS or (file_split is not None and split != file_split):
                bad_split[str(split)].append(record_id)
            if row.get("patient_id") is not None and split is not None:
                scan.patient_splits[(str(row.get("source")), row["patient_id"])].setdefault(split, file)
            scan.rows_by_source_split[str(row.get("source"))][str(split)] += 1
            attributes = row.get("attributes") or {}
            for name in FLAG_ATTRIBUTES:
                if attributes.get(name) is True:
                    scan.flagged_rows[str(row.get("source"))][name] += 1
            for column in LABEL_COLUMNS:
                for label in row.get(column) or []:
                    if label not in ontology:
                        unknown[(column, str(label))].append(record_id)
            unlabelled = (row.get("attributes") or {}).get("unlabelled") is True  # kept on purpose: texts may be empty
            if "disease_text" in row and not (row["disease_text"] or "").strip() and not unlabelled:
                empty_text.append(record_id)
            for problem in _row_text_problems(row):
                misfit[problem.kind].append(f"{record_id} ({problem.words or 'text'} in {problem.text!r})")
            if check_images and "image" in row:
                image_problem = _image_problem(row["image"], row.get("width"), row.get("height"))
                if image_problem:
                    images.append(f"{record_id}: {image_problem}")
    scan.rows_by_file[file] = rows
    found = [
        Violation(file, "null", f"{count} null value(s) in non-nullable column {name!r}")
        for name, count in nulls.items()
        if count
    ]
    found += [
        Violation(file, "label", f"{column}: {label!r} is not a canonical ontology id ({_examples(ids)})")
        for (column, label), ids in sorted(unknown.items())
    ]
    expected_split = f"{file_split!r} (from the file name)" if file_split else f"one of {', '.join(SPLITS)}"
    found += [
        Violation(file, "split", f"split value {value!r}, expected {expected_split} ({_examples(ids)})")
        for value, ids in sorted(bad_split.items())
    ]
    if empty_text:
        rows_text = _examples(empty_text)
        found.append(Violation(file, "empty-text", f"empty disease_text on a row not marked unlabelled ({rows_text})"))
    found += [
        Violation(file, "text", f"{_TEXT_PROBLEMS[kind]}: {_examples(rows)}") for kind, rows in sorted(misfit.items())
    ]
    found += [Violation(file, "image", problem) for problem in images]
    return found


_TEXT_PROBLEMS = {
    "other_eye": "a description or explanation names the other eye",
    "other_view": "a description or explanation names a view the row does not have",
    "redaction": "a description or explanation carries a redaction token",
    "communication": "a description or explanation is a communication or sign-off sentence",
    "mesh_string": "a description or explanation is a raw MeSH string",
    "unsupported_word": "a description or explanation uses a side / zone / acuity word its own report does not",
}


def _row_text_problems(row: Row) -> list[TextProblem]:
    """What in a row's granularity 2-3 texts does not fit its eye, view or report (`text/faithful.py`)."""
    report = " ".join(t for t in (row.get("report_findings"), row.get("report_impression")) if t) or None
    return text_problems(
        [*(row.get("descriptions") or []), *(row.get("explanations") or [])],
        view=row.get("view"),
        laterality=row.get("laterality"),
        report=report,
        modality=row.get("modality"),
    )


def _cross_shard(scan: _Scan) -> list[Violation]:
    found = [
        Violation(scan.ids[record_id], "duplicate-id", f"id {record_id!r} also appears in {', '.join(sorted(others))}")
        for record_id, others in sorted(scan.duplicates.items())
    ]
    for stored, others in sorted(scan.repeated_paths.items()):
        message = f"image.path {stored!r} of {scan.image_paths[stored]} is also the path of {_examples(others)}"
        found.append(Violation(DATA_DIR, "image-path", message + " (exports write one file per path)"))
    for (source, patient), splits in sorted(scan.patient_splits.items()):
        if len(splits) > 1:
            where = ", ".join(f"{split} ({file})" for split, file in sorted(splits.items()))
            found.append(
                Violation(
                    next(iter(splits.values())),
                    "patient-leak",
                    f"patient {patient!r} of {source} is in {len(splits)} splits: {where}",
                )
            )
    return found


def _rejects_counts(out_dir: Path) -> tuple[list[Violation], Counter[str], Counter[str]] | None:
    path = out_dir / REJECTS_FILE
    if not path.is_file():
        return None
    try:
        table = pq.read_table(storage.arrow_source(path))
    except (OSError, pa.ArrowException) as exc:
        return [Violation(REJECTS_FILE, "rejects", f"not a readable Parquet file: {exc}")], Counter(), Counter()
    missing = [name for name in REJECT_COLUMNS if name not in table.column_names]
    if missing:
        return (
            [
                Violation(
                    REJECTS_FILE,
                    "rejects",
                    f"missing column(s) {', '.join(missing)}; expected {', '.join(REJECT_COLUMNS)}",
                )
            ],
            Counter(),
            Counter(),
        )
    return [], Counter(table.column("reason").to_pylist()), Counter(table.column("source").to_pylist())


def _unmapped_counts(name: str, info: JsonObject, found: list[Violation]) -> dict[tuple[str, str], int]:
    """(field, value) -> count of one manifest source entry's `unmapped`, with a violation for any odd entry."""
    counts: dict[tuple[str, str], int] = {}
    unmapped = info.get("unmapped", {})
    if not isinstance(unmapped, dict):
        found.append(Violation(MANIFEST_FILE, "unmapped", f"sources.{name}.unmapped is not a field -> values map"))
        return counts
    for what, values in unmapped.items():
        for value, count in (values or {}).items() if isinstance(values, dict) else [(values, None)]:
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                message = f"sources.{name}.unmapped.{what}: {value!r} has count {count!r}, expected a positive integer"
                found.append(Violation(MANIFEST_FILE, "unmapped", message))
                continue
            counts[(str(what), str(value))] = count
    return counts


def _card_unmapped_rows(out_dir: Path) -> set[tuple[str, ...]] | None:
    """The rows of the card's 'Unmapped source values' table, or None when the card has no such section."""
    path = out_dir / CARD_FILE
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    if "## Unmapped source values" not in lines:
        return None
    rows: set[tuple[str, ...]] = set()
    for line in lines[lines.index("## Unmapped source values") + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("| ") and not line.startswith("| source |"):
            rows.add(tuple(cell.strip().replace("\\|", "|") for cell in line.strip().strip("|").split(" | ")))
    return rows


def _check_unmapped(out_dir: Path, manifest: ManifestJson) -> list[Violation]:
    """Unmapped source values: well-formed counts, at least one counted value per `unmapped_label` reject of the
    source, and the card's table listing exactly the manifest's (source, field, value, count) rows."""
    found: list[Violation] = []
    stated = {name: _unmapped_counts(name, info, found) for name, info in (manifest.get("sources") or {}).items()}
    rejected: Counter[str] = Counter()
    try:
        table = pq.read_table(storage.arrow_source(out_dir / REJECTS_FILE), columns=["source", "reason"])
        pairs = zip(table.column("source").to_pylist(), table.column("reason").to_pylist(), strict=True)
        rejected.update(source for source, reason in pairs if reason == "unmapped_label")
    except (OSError, KeyError, pa.ArrowException):
        pass  # a missing or unreadable rejects list is reported by the rejects check
    for name, n in sorted(rejected.items()):
        counted = sum(stated.get(name, {}).values())
        if counted < n:
            message = f"sources.{name}.unmapped counts {counted} value(s); rejects.parquet has {n} unmapped_label rows"
            found.append(Violation(MANIFEST_FILE, "unmapped", message))
    card = _card_unmapped_rows(out_dir)
    if card is not None:
        expected = {
            (name, what, " ".join(value.split()), str(count))
            for name, counts in stated.items()
            for (what, value), count in counts.items()
        }
        for row in sorted(expected - card):
            found.append(Violation(CARD_FILE, "unmapped", f"the card does not list unmapped value {row}"))
        for listed_row in sorted(card - expected):
            message = f"the card lists unmapped value {listed_row}, the manifest not"
            found.append(Violation(CARD_FILE, "unmapped", message))
    return found


def _compare(found: list[Violation], what: str, stated: Any, actual: Any) -> None:
    if stated != actual:
        found.append(Violation(MANIFEST_FILE, "manifest", f"{what} is {stated!r} but the folder holds {actual!r}"))


def _check_manifest(out_dir: Path, manifest: ManifestJson, paths: list[Path], scan: _Scan) -> list[Violation]:
    found = [
        Violation(MANIFEST_FILE, "manifest", f"top-level key {key!r} is missing")
        for key in MANIFEST_KEYS
        if key not in manifest
    ]
    if manifest.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        found.append(
            Violation(
                MANIFEST_FILE,
                "manifest",
                f"schema_version {manifest['schema_version']!r}, this mgll-data writes {SCHEMA_VERSION!r}",
            )
        )
    listed = {entry.get("file"): entry for entry in manifest.get("shards", []) if isinstance(entry, dict)}
    on_disk = {_relative(out_dir, path): path for path in paths}
    for file in sorted(set(listed) - set(on_disk), key=str):
        found.append(Violation(MANIFEST_FILE, "manifest", f"lists shard {file!r}, which is not in the folder"))
    for file, path in on_disk.items():
        entry = listed.get(file)
        if entry is None:
            found.append(Violation(file, "manifest", "shard is not listed in manifest.json"))
            continue
        size = path.stat().st_size
        for key, actual in (("rows", scan.rows_by_file.get(file)), ("bytes", size)):
            if entry.get(key) != actual:
                found.append(Violation(file, "manifest", f"manifest says {key}={entry.get(key)!r}, file has {actual}"))
        if entry.get("sha256") != file_sha256(path):
            found.append(Violation(file, "manifest", "sha256 in manifest.json does not match the file"))
        name = parse_shard_name(path.name)
        if name is not None and entry.get("split") != name.split:
            found.append(Violation(file, "manifest", f"manifest says split={entry.get('split')!r}"))
    actual_splits: dict[str, JsonObject] = {}
    for file in sorted(on_disk):
        name = parse_shard_name(Path(file).name)
        if name is not None:
            split_entry = actual_splits.setdefault(name.split, {"rows": 0, "shards": []})
            split_entry["rows"] += scan.rows_by_file.get(file, 0)
            split_entry["shards"].append(file)
    stated_splits = {
        name: {"rows": info.get("rows"), "shards": sorted(info.get("shards", []))}
        for name, info in (manifest.get("splits") or {}).items()
        if isinstance(info, dict)
    }
    for split in sorted(set(stated_splits) | set(actual_splits)):
        _compare(found, f"splits.{split}", stated_splits.get(split), actual_splits.get(split))
    counts = manifest.get("counts") or {}
    actual_by_source = {source: dict(splits) for source, splits in scan.rows_by_source_split.items()}
    _compare(found, "counts.by_source_split", counts.get("by_source_split"), actual_by_source)
    if "flagged_rows" in counts:  # manifests written before flags were counted lack the key
        actual_flags = {source: dict(sorted(c.items())) for source, c in sorted(scan.flagged_rows.items())}
        _compare(found, "counts.flagged_rows", counts["flagged_rows"], actual_flags)
    sources = manifest.get("sources") or {}
    for name, info in sorted(sources.items()):
        missing = [key for key in SOURCE_KEYS if key not in info]
        if missing:
            found.append(Violation(MANIFEST_FILE, "manifest", f"sources.{name} lacks {', '.join(missing)}"))
        if info.get("licence_class") not in LICENCE_CLASSES:
            found.append(
                Violation(
                    MANIFEST_FILE,
                    "manifest",
                    f"sources.{name}.licence_class "
                    f"{info.get('licence_class')!r}, expected one of {', '.join(LICENCE_CLASSES)}",
                )
            )
        _compare(found, f"sources.{name}.rows", info.get("rows"), sum(actual_by_source.get(name, {}).values()))
    for source_name in sorted(set(actual_by_source) - set(sources)):
        message = f"source {source_name!r} has rows but no entry under sources"
        found.append(Violation(MANIFEST_FILE, "manifest", message))
    rejects = _rejects_counts(out_dir)
    if rejects is not None:
        problems, by_reason, by_source = rejects
        found += problems
        if not problems:
            _compare(found, "counts.rejects_by_reason", counts.get("rejects_by_reason"), dict(by_reason))
            for name, info in sorted(sources.items()):
                _compare(found, f"sources.{name}.rejects", info.get("rejects"), by_source.get(name, 0))
    return found


def _declared_sources() -> dict[str, tuple[str, str]]:
    """Adapter name -> (licence class, citation) as this mgll-data declares them; `push` trusts the manifest's
    copy to refuse credentialed sources, so the copy must match the code."""
    from mgll_data.sources import available_sources

    return {name: (cls.licence_class, cls.citation) for name, cls in available_sources().items()}


def _is_machine_path(value: Any) -> bool:
    return isinstance(value, str) and (Path(value).is_absolute() or value.startswith("~"))


def _check_trusted_fields(out_dir: Path, manifest: ManifestJson) -> list[Violation]:
    """Fields that downstream steps act on: licence class and citation, recipe hash, tool version, build state."""
    from mgll_data.recipe import Recipe

    found = []
    declared = _declared_sources()
    for name, info in sorted((manifest.get("sources") or {}).items()):
        if not isinstance(info, dict):
            continue
        adapter = info.get("adapter", name)
        if adapter not in declared:
            found.append(Violation(MANIFEST_FILE, "provenance", f"sources.{name}: no adapter named {adapter!r}"))
            continue
        licence, citation = declared[adapter]
        for key, expected in (("licence_class", licence), ("citation", citation)):
            if info.get(key) != expected:
                message = f"sources.{name}.{key} is {info.get(key)!r}; the {adapter} adapter declares {expected!r}"
                found.append(Violation(MANIFEST_FILE, "provenance", message))
        if _is_machine_path(info.get("root")):
            message = f"sources.{name}.root {info['root']!r} is a path of the build machine"
            found.append(Violation(MANIFEST_FILE, "provenance", message))
    version = manifest.get("tool_version")
    if not isinstance(version, str) or not TOOL_VERSION.match(version):
        found.append(Violation(MANIFEST_FILE, "provenance", f"tool_version {version!r} is not a version number"))
    try:
        recipe_hash = Recipe.model_validate(manifest.get("recipe")).content_hash()
    except (ValueError, TypeError) as exc:
        found.append(Violation(MANIFEST_FILE, "provenance", f"recipe does not validate: {str(exc).splitlines()[0]}"))
    else:
        if manifest.get("recipe_hash") != recipe_hash:
            stated = manifest.get("recipe_hash")
            message = f"recipe_hash {stated!r} is not the hash of the stored recipe ({recipe_hash})"
            found.append(Violation(MANIFEST_FILE, "provenance", message))
    state = out_dir / WORK_DIR / STATE_FILE
    if state.is_file():
        try:
            finished = json.loads(state.read_text(encoding="utf-8")).get("finished", True)
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            finished = False
        if not finished:
            message = "a build of this folder did not finish (killed or failed); rerun it before using the folder"
            found.append(Violation(f"{WORK_DIR}/{STATE_FILE}", "unfinished", message))
    return found


def validate_output(
    out_dir: Path | str, ontology: Container[str] | None = None, check_images: bool = True
) -> list[Violation]:
    """Every contract violation of a built folder (empty when it is valid).

    `ontology` is anything answering `id in ontology` (default: the package ontology); `check_images=False`
    skips decoding the image bytes, the slowest check.
    """
    out_dir = require_output_dir(out_dir)
    if ontology is None:
        from mgll_data.ontology import load_ontology

        ontology = {finding.id for finding in load_ontology().findings()}
    found = _check_required(out_dir)
    paths = data_files(out_dir)
    found += _check_shard_names(out_dir, paths)
    scan = _Scan()
    for path in paths:
        file = _relative(out_dir, path)
        try:
            schema = pq.ParquetFile(storage.arrow_source(path)).schema_arrow
        except (OSError, pa.ArrowException) as exc:
            found.append(Violation(file, "schema", f"not a readable Parquet file: {exc}"))
            continue
        found += _check_schema(file, schema)
        found += _scan_shard(out_dir, path, ontology, check_images, scan)
    found += _cross_shard(scan)
    split_rows: Counter[str] = Counter()
    for file, rows in scan.rows_by_file.items():
        name = parse_shard_name(Path(file).name)
        if name is not None:
            split_rows[name.split] += rows
    found += _check_card(out_dir, {split: rows for split, rows in split_rows.items() if rows})
    if (out_dir / MANIFEST_FILE).is_file():
        try:
            manifest = read_manifest(out_dir)
        except ValidationError as exc:
            found.append(Violation(MANIFEST_FILE, "manifest", str(exc)))
        else:
            found += _check_manifest(out_dir, manifest, paths, scan)
            found += _check_trusted_fields(out_dir, manifest)
            found += _check_unmapped(out_dir, manifest)
    return found


def summarise(violations: Iterable[Violation]) -> Counter[str]:
    """Violations per check name, for a one-line summary."""
    return Counter(violation.check for violation in violations)
