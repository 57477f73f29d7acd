"""Bring-your-own images: PNG / JPEG / DICOM files under a root, with an optional CSV of labels and text.

Without a CSV every image under the root is a row (sorted by relative path); the name of the folder an
image sits in becomes a keyword, and a label too when it names an ontology finding (`cataract/`,
`Pleural Effusion/`), as in ImageFolder trees. With a CSV (option `csv`) exactly the listed images are
rows: `path` (relative to the root), optional `labels` (ontology ids or finding names joined by `|`),
`text` (free text, kept as the report's findings), and optional `patient_id`, `study_id`, `split`,
`view`, `laterality`. Without a patient column each image is its own patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.tables import read_table

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm")
SPLITS = ("train", "validation", "test")
LABEL_SEPARATOR = "|"
OPTIONAL_COLUMNS = ("labels", "text", "patient_id", "study_id", "split", "view", "laterality")
LATERALITY = {"l": "L", "left": "L", "os": "L", "r": "R", "right": "R", "od": "R"}


def resolve_label(label: str, modality: str, ontology: Any) -> str | None:
    """The ontology id a user label stands for in `modality`: an id as written, else a finding's name or synonym."""
    label = label.strip()
    if label in ontology and ontology[label].applies_to(modality):
        return label
    return ontology.find_by_name(label, modality)


class FolderSource(Source):
    name = "folder"
    modality = "any"
    licence_class = "open"
    citation = "Your own images: cite their origin in the recipe description."
    layout = (
        "ROOT/**/*.{png,jpg,jpeg,dcm}; option modality (fundus or cxr) is required; optional option csv "
        "(a CSV with a 'path' column relative to ROOT and optional labels (ids or names joined by '|'), text, "
        "patient_id, study_id, split, view, laterality)."
    )
    version = ""
    has_official_split = False

    class Options(SourceOptions):
        modality: Literal["fundus", "cxr"] = Field(description="what the images are: fundus or cxr")
        csv: str | None = Field(None, description="CSV listing the images (path relative to the root, labels, text)")

    def find_layout(self) -> None:
        self.modality = self.options.modality  # the instance's modality replaces the class's "any"
        self.csv = None
        if self.options.csv:
            path = Path(self.options.csv).expanduser()
            self.csv = path if path.is_absolute() else self.root / path
            if not self.csv.is_file():
                raise LayoutError(self.name, self.root, f"the CSV {self.csv} named by option csv")
        elif not self.files.files_under(self.root, IMAGE_SUFFIXES):
            raise LayoutError(self.name, self.root, f"image files ({', '.join(IMAGE_SUFFIXES)}) under the root")

    def records(self) -> Iterator[RawRecord | Reject]:
        from mgll_data.ontology import load_ontology

        ontology = load_ontology()
        if self.csv is None:
            yield from self._walk(ontology)
        else:
            yield from self._listed(ontology)

    def _walk(self, ontology: Any) -> Iterator[RawRecord | Reject]:
        for path in self.files.files_under(self.root, IMAGE_SUFFIXES):
            relative = path.relative_to(self.root).as_posix()
            problem = self.check_image_file(path)
            if problem:
                yield problem
                continue
            folder = path.parent.name if path.parent != self.root else None
            label = resolve_label(folder, self.modality, ontology) if folder else None
            yield self.record(
                relative,
                path,
                str(Path(relative).with_suffix("")),
                labels=[label] if label else [],
                keywords=[folder] if folder else [],
                source_entry=relative,
            )

    def _read_csv(self) -> pd.DataFrame:
        table = read_table(self.csv, source=self.name, required=["path"], optional=OPTIONAL_COLUMNS).frame
        for column, allowed in (("split", SPLITS), ("laterality", tuple(LATERALITY))):
            bad = [f"row {i + 2}: {v!r}" for i, v in enumerate(table[column]) if v and v.casefold() not in allowed]
            if bad:
                raise LayoutError(
                    self.name, self.csv, f"{column} values in {allowed} or empty; got {'; '.join(bad[:5])}"
                )
        return table

    def _listed(self, ontology: Any) -> Iterator[RawRecord | Reject]:
        table = self._read_csv()
        for position, row in enumerate(table.itertuples(index=False)):
            entry = f"row {position + 2}"
            relative = row.path.strip()
            if not relative:
                yield self.reject(f"{self.csv.name}:{entry}", "source", "no_path")
                continue
            path = self.locate_image(relative)
            if isinstance(path, Reject):
                yield path
                continue
            raw_labels = [x.strip() for x in row.labels.split(LABEL_SEPARATOR) if x.strip()]
            labels = [resolve_label(x, self.modality, ontology) for x in raw_labels]
            unknown = [raw for raw, found in zip(raw_labels, labels, strict=True) if found is None]
            if unknown:
                yield self.reject(path, "label", "unknown_label", f"{entry}: {', '.join(unknown)}")
                continue
            text = row.text.strip()
            yield self.record(
                Path(relative).as_posix(),
                path,
                row.patient_id.strip() or str(Path(relative).with_suffix("")),
                study_id=row.study_id.strip() or None,
                split=row.split.strip().casefold() or None,
                view=row.view.strip().upper() or None,
                laterality=LATERALITY.get(row.laterality.strip().casefold()),
                labels=list(dict.fromkeys(labels)),
                report={"findings": text} if text else None,
                source_file=self.csv.name,
                source_entry=entry,
            )
