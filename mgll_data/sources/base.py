"""What a source adapter is and what it yields.

An adapter reads one public dataset exactly as users download it and yields, per image, either a
`RawRecord` (metadata, labels as ontology ids, report sections, where the image file is) or a `Reject`
(why this item cannot become a row). Adapters never decode pixels and never write: the build engine
plans shards over their records and runs image and text normalisation in workers.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from mgll_data.errors import LayoutError
from mgll_data.rejects import check_reason


@dataclass
class RawRecord:
    """One image as a source describes it, before any normalisation.

    `labels`, `uncertain_labels` and `negative_labels` are canonical ontology ids. `keywords` are the
    source's own free-text diagnostic phrases (ODIR keywords, folder names); they become descriptions.
    `report` maps normalised section names (findings, impression, indication, ...) to text.
    `split` is the official split where the source has one, else None (the split policy assigns it).
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
    attributes: dict[str, Any] = field(default_factory=dict)
    source_file: str | None = None
    source_entry: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source}/{self.native_id}"


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


class Source(ABC):
    """Base class of every adapter. Subclasses set the class attributes and implement `records`.

    `layout` is shown by `mgll-data sources` and in layout errors, so write it as the user sees the
    download. `licence_class` is one of: open, registration, kaggle, credentialed (credentialed sources
    are refused by `push` without an explicit override).
    """

    name: ClassVar[str]
    modality: ClassVar[str]
    licence_class: ClassVar[str]
    citation: ClassVar[str]
    homepage: ClassVar[str] = ""
    layout: ClassVar[str]
    version: ClassVar[str] = ""
    has_official_split: ClassVar[bool] = False

    def __init__(self, root: Path | str, **options: Any):
        self.root = Path(root)
        self.options = options
        if not self.root.exists():
            raise LayoutError(self.name, self.root, f"an existing folder; {self.layout}")

    @abstractmethod
    def records(self) -> Iterator[RawRecord | Reject]:
        """Yield one RawRecord or Reject per image the source lists, in a deterministic order."""

    def reject(self, item: str | Path, stage: str, reason: str, detail: str = "") -> Reject:
        return Reject(source=self.name, item=str(item), stage=stage, reason=reason, detail=detail)

    def check_image_file(self, path: Path) -> Reject | None:
        """A `missing_file`, `empty_file` or `permission_denied` reject for `path`, or None when it can be opened.

        Adapters never decode pixels; this only looks at the file system, so a listed image that is not
        there becomes a reject row instead of a crash in a worker.
        """
        if not path.is_file():
            return self.reject(path, "source", "missing_file")
        if path.stat().st_size == 0:
            return self.reject(path, "source", "empty_file")
        if not os.access(path, os.R_OK):
            return self.reject(path, "source", "permission_denied")
        return None
