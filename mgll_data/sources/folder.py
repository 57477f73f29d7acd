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
from typing import Any

import pandas as pd

from mgll_data.errors import LayoutError, RecipeError
from mgll_data.sources.base import RawRecord, Reject, Source

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm")
MODALITIES = ("fundus", "cxr")
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
    modality = "fundus or cxr (option modality)"
    licence_class = "open"
    citation = "Your own images: cite their origin in the recipe description."
    layout = (
        "ROOT/**/*.{png,jpg,jpeg,dcm}; option modality (fundus or cxr) is required; optional option csv "
        "(a CSV with a 'path' column relative to ROOT and optional labels (ids or names joined by '|'), text, "
        "patient_id, study_id, split, view, laterality)."
    )
    version = ""
    has_official_split = False

    def __init__(self, root: Path | str, modality: str | None = None, csv: str | None = None, **options: Any):
        super().__init__(root, modality=modality, csv=csv, **options)
        if modality not in MODALITIES:
            raise RecipeError(
                f"folder source {self.root}: option modality must be one of {MODALITIES}, got {modality!r}"
            )
        self.modality = modality  # the instance's modality replaces the class's description of the option
        self.csv = None
        if csv:
            path = Path(csv).expanduser()
            self.csv = path if path.is_absolute() else self.root / path
            if not self.csv.is_file():
                raise LayoutError(self.name, self.root, f"the CSV {self.csv} named by option csv")

    def records(self) -> Iterator[RawRecord | Reject]:
        from mgll_data.ontology import load_ontology

        ontology = load_ontology()
        if self.csv is None:
            yield from self._walk(ontology)
        else:
            yield from self._listed(ontology)

    def _walk(self, ontology: Any) -> Iterator[RawRecord | Reject]:
        paths = sorted(
            (p for p in self.root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and not _hidden(p, self.root)),
            key=lambda p: p.relative_to(self.root).as_posix(),
        )
        if not paths:
            raise LayoutError(self.name, self.root, f"image files ({', '.join(IMAGE_SUFFIXES)}) under the root")
        for path in paths:
            relative = path.relative_to(self.root).as_posix()
            problem = self.check_image_file(path)
            if problem:
                yield problem
                continue
            folder = path.parent.name if path.parent != self.root else None
            label = resolve_label(folder, self.modality, ontology) if folder else None
            yield RawRecord(
                source=self.name,
                native_id=relative,
                modality=self.modality,
                patient_id=str(Path(relative).with_suffix("")),
                image_path=path,
                labels=[label] if label else [],
                keywords=[folder] if folder else [],
                source_entry=relative,
            )

    def _read_csv(self) -> pd.DataFrame:
        try:
            table = pd.read_csv(self.csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (OSError, ValueError) as error:
            raise LayoutError(self.name, self.csv, f"a readable CSV ({error})") from None
        table.columns = [str(c).strip() for c in table.columns]
        if "path" not in table.columns:
            raise LayoutError(
                self.name, self.csv, f"a CSV with a 'path' column (optional: {', '.join(OPTIONAL_COLUMNS)})"
            )
        for column in OPTIONAL_COLUMNS:
            if column not in table.columns:
                table[column] = ""
        for column, allowed in (("split", SPLITS), ("laterality", tuple(LATERALITY))):
            values = table[column].str.strip()
            bad = [f"row {i + 2}: {v!r}" for i, v in enumerate(values) if v and v.casefold() not in allowed]
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
            path = self.root / relative
            problem = self.check_image_file(path)
            if problem:
                yield problem
                continue
            raw_labels = [x.strip() for x in row.labels.split(LABEL_SEPARATOR) if x.strip()]
            labels = [resolve_label(x, self.modality, ontology) for x in raw_labels]
            unknown = [raw for raw, found in zip(raw_labels, labels, strict=True) if found is None]
            if unknown:
                yield self.reject(path, "label", "unknown_label", f"{entry}: {', '.join(unknown)}")
                continue
            text = row.text.strip()
            yield RawRecord(
                source=self.name,
                native_id=Path(relative).as_posix(),
                modality=self.modality,
                patient_id=row.patient_id.strip() or str(Path(relative).with_suffix("")),
                study_id=row.study_id.strip() or None,
                image_path=path,
                split=row.split.strip().casefold() or None,
                view=row.view.strip().upper() or None,
                laterality=LATERALITY.get(row.laterality.strip().casefold()),
                labels=list(dict.fromkeys(labels)),
                report={"findings": text} if text else None,
                source_file=self.csv.name,
                source_entry=entry,
            )


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)
