"""The records that cross from one stage to the next, typed: what an adapter yields and what the build writes down.

Every stage builds these, never loose dicts: `RawRecord` (an image as its source describes it), `Reject` (an item
that will not become a row, and why: one constructor for every stage, checked against the reason registry),
`CompletionRecord` (a finished shard task) and `Manifest` (a finished build). JSON goes in and out through
`to_json` / `from_json` at the file edges only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgll_data.config_io import JsonObject
from mgll_data.rejects import check_reason


@dataclass
class RawRecord:
    """One image as a source describes it, before any normalisation.

    `labels`, `uncertain_labels` and `negative_labels` are canonical ontology ids (fill them with
    `LabelSet`); a finding in none of them is not stated. `keywords` are the source's own free-text
    diagnostic phrases (ODIR keywords, folder names); they become descriptions. `report` maps normalised
    section names (findings, impression, indication, ...) to text. `split` is the official split where the
    source has one, else None (the split policy assigns it). `related_files` are other files of this image
    (masks, annotations) recorded in provenance. `attributes` keys are record-schema attributes; points and
    boxes are in the original file's pixels.
    """

    source: str
    native_id: str
    modality: str
    patient_id: str
    image_path: Path
    study_id: str | None = None
    split: str | None = None
    view: str | None = None
    laterality: str | None = None
    labels: list[str] = field(default_factory=list)
    uncertain_labels: list[str] = field(default_factory=list)
    negative_labels: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    report: dict[str, str] | None = None
    attributes: JsonObject = field(default_factory=dict)
    source_file: str | None = None
    source_entry: str | None = None
    related_files: list[Path] = field(default_factory=list)
    # The image's path as it may be published (provenance, rejects) when the real one carries identifiers
    # (a PatientID/Accession folder tree); None publishes the path relative to the root.
    published_path: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source}/{self.native_id}"

    def is_labelled(self) -> bool:
        """True when the source says anything about the image: a label state, a keyword or report text."""
        report = self.report or {}
        return bool(
            self.labels
            or self.uncertain_labels
            or self.negative_labels
            or self.keywords
            or report.get("findings")
            or report.get("impression")
        )


@dataclass(frozen=True)
class Reject:
    """An input item that will not be emitted, and why. Written to `rejects.parquet`.

    `reason` must be registered for `stage` in `mgll_data/data/reject_reasons.yaml` (checked here).
    """

    source: str
    item: str
    stage: str
    reason: str
    detail: str = ""
    record_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", str(check_reason(self.reason, self.stage)))

    def as_row(self) -> dict[str, str | None]:
        """The reject as a row of `rejects.parquet` (and a line of the planner's rejects file)."""
        return {
            "source": self.source,
            "item": self.item,
            "stage": self.stage,
            "reason": self.reason,
            "detail": self.detail,
            "record_id": self.record_id,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Reject:
        """A reject read back from a row or a JSON line (the reason is checked again)."""
        return cls(
            source=str(row["source"]),
            item=str(row["item"]),
            stage=str(row["stage"]),
            reason=str(row["reason"]),
            detail=str(row.get("detail") or ""),
            record_id=row.get("record_id"),
        )


@dataclass(frozen=True)
class EntryFacts:
    """What a shard task needs to know about a recipe entry; the adapter instance itself stays in the planner."""

    name: str
    root: str
    version: str
    licence_class: str
    adapter: str
    synthetic: bool = False  # drawn and written by mgll-data (a demo:// root): its rows say so


@dataclass
class CompletionRecord:
    """What a finished shard task leaves in `OUT/.mgll-build/done/<shard>.json`: a build resumes from these.

    `key` is the task's hash (a changed recipe or code makes the shard stale); `bytes` and `sha256` let a resume
    trust the shard on disk; the counts feed the manifest without reading the shard again.
    """

    key: str
    file: str
    split: str
    rows: int
    bytes: int
    sha256: str
    by_source: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    text_filters: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        return {**dataclasses.asdict(self), "rejects": [reject.as_row() for reject in self.rejects]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CompletionRecord:
        """Raises KeyError, TypeError or ValueError on a damaged record (the caller redoes the task)."""
        return cls(
            key=str(data["key"]),
            file=str(data["file"]),
            split=str(data["split"]),
            rows=int(data["rows"]),
            bytes=int(data["bytes"]),
            sha256=str(data["sha256"]),
            by_source={str(k): int(v) for k, v in data.get("by_source", {}).items()},
            rejects=[Reject.from_row(row) for row in data.get("rejects", [])],
            text_filters={str(k): int(v) for k, v in data.get("text_filters", {}).items()},
            flagged={str(s): {str(k): int(v) for k, v in c.items()} for s, c in data.get("flagged", {}).items()},
        )


@dataclass
class ManifestEntry:
    """What the manifest says about one recipe entry: the adapter's declarations and the entry's counts."""

    adapter: str
    root: str
    licence_class: str
    citation: str
    homepage: str
    version: str
    modality: str
    rows: int
    rejects: int
    # where the entry's split came from: official (the publisher's), policy (the recipe's patient hash), mixed, or
    # none (no record planned); records per origin; whether the source defines a split at all
    split_origin: str = "none"
    split_records: dict[str, int] = field(default_factory=lambda: {"official": 0, "policy": 0})
    official_split_defined: bool = False
    # source values that map to nothing, per field: {field: {value: count}} (validate checks them)
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class ShardEntry:
    """One shard as the manifest lists it; `validate`, `export` and `push` check the file against it."""

    file: str
    split: str
    rows: int
    bytes: int
    sha256: str


@dataclass
class SplitEntry:
    rows: int
    shards: list[str]


@dataclass
class ManifestCounts:
    by_source_split: dict[str, dict[str, int]]
    rejects_by_reason: dict[str, int]
    text_filters: dict[str, int]
    flagged_rows: dict[str, dict[str, int]]


@dataclass
class Manifest:
    """`manifest.json`: how a folder was built (recipe, versions, sources) and what it holds (shards, counts).

    The engine writes it last, so a folder with a manifest is a finished build; `to_json` gives the file's
    content, key order included.
    """

    schema_version: str
    tool_version: str | None
    recipe: JsonObject
    recipe_hash: str
    libraries: dict[str, str]
    sources: dict[str, ManifestEntry]
    splits: dict[str, SplitEntry]
    shards: list[ShardEntry]
    counts: ManifestCounts

    def to_json(self) -> JsonObject:
        return dataclasses.asdict(self)


Metrics = JsonObject
"""One task's scores as the evaluator computes them (per fraction, per granularity or per class)."""


@dataclass
class ModalityResult:
    """The evaluation of one modality's test rows against that modality's own labels; a task not run is None."""

    n_test: int
    labels: list[str]
    skipped: str | None = None
    test_positives: dict[str, int] = field(default_factory=dict)
    excluded_classes: list[str] = field(default_factory=list)
    n_train: int | None = None
    skipped_fits: str | None = None
    linear_probe: Metrics | None = None
    linear_head: Metrics | None = None
    zero_shot: Metrics | None = None
    retrieval: Metrics | None = None
    fine_tune: Metrics | None = None


@dataclass
class EvalResult:
    """`results.json` of `mgll-data eval`: what was evaluated, the leakage check, and one block per modality."""

    checkpoint: str
    checkpoint_folder: str
    dataset: str
    train_split: str
    test_split: str
    seed: int
    config: JsonObject
    tasks: list[str]
    leakage: JsonObject
    n_test: int
    accuracy_rule: str
    modalities: dict[str, ModalityResult] = field(default_factory=dict)
    n_train: int | None = None

    def to_json(self) -> JsonObject:
        """The file's content: result fields that were not computed (None) are left out, as before; the scores
        inside a task's metrics are kept as computed (None included)."""
        data = _set_fields(dataclasses.asdict(self))
        data["modalities"] = {name: _set_fields(block) for name, block in data["modalities"].items()}
        return data


def _set_fields(fields: JsonObject) -> JsonObject:
    return {key: value for key, value in fields.items() if value is not None}
