"""ODIR-5K (Ocular Disease Intelligent Recognition): colour fundus photos of both eyes with per-eye keywords.

Two downloads are read as they are: the Kaggle copy (`full_df.csv` + `preprocessed_images/`, in either its
short `N..O` header form or the variant with the challenge's long headers) and the original challenge
files (`ODIR-5K_Training_Annotations(Updated)_V2.xlsx` + `ODIR-5K_Training_Dataset/`). One row per image
named in Left-Fundus / Right-Fundus. The N..O columns are patient-level (both eyes OR-ed), so labels come
from each eye's own diagnostic keywords, mapped through the ontology's `odir_keyword` vocabulary; the
keywords themselves become descriptions, and keywords that carry no finding (lens dust, low image
quality, ...) go to `attributes.quality`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel, load_ontology
from mgll_data.schema import Attributes
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

_SPACES = re.compile(r"\s+")
EYES = (("L", "left_image", "left_keywords"), ("R", "right_image", "right_keywords"))


def _key(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip().casefold()


def split_keywords(cell: str) -> list[str]:
    """The keywords of one eye, whitespace tidied, in the order written (separators from odir.yaml)."""
    pattern = "|".join(map(re.escape, layout_spec("odir")["keyword_separators"]))
    return [kw for kw in (_SPACES.sub(" ", part).strip() for part in re.split(pattern, cell or "")) if kw]


def read_annotations(path: Path) -> pd.DataFrame:
    """The annotation table with canonical column names (id, age, ..., and the class letters N..O).

    Raises `LayoutError` naming the file and the headers it lacks.
    """
    spec = layout_spec("odir")
    return read_table(path, source="odir", required={**spec["columns"], **spec["class_columns"]}).frame


@dataclass(frozen=True)
class EyeLabels:
    """What one eye's keywords say, in ontology ids, plus the keywords the ontology does not know."""

    labels: LabelSet
    descriptions: list[str]
    quality: list[str]
    unmapped: list[str]


def label_eye(keywords: list[str]) -> EyeLabels:
    """Map one eye's keywords (pure: keywords in, labels out).

    A keyword that is not in the `odir_keyword` map stays a description and is reported in `unmapped`,
    so it never vanishes. A keyword about the photograph ("lens dust", "low image quality") maps to quality
    findings and becomes a quality note instead of a description, so an eye with only such keywords is a
    labelled row (its texts say what is wrong with the image), never an unlabelled one.
    """
    ontology = load_ontology()
    labels = LabelSet()
    descriptions, quality, unmapped = [], [], []
    for keyword in keywords:
        try:
            meaning = labels.add("odir_keyword", keyword)
        except UnmappedLabel:
            descriptions.append(keyword)
            unmapped.append(keyword)
            continue
        about_image = all(ontology[i].kind == "quality" for i in meaning.targets()) and bool(meaning.targets())
        (quality if meaning.no_finding or about_image else descriptions).append(keyword)
    return EyeLabels(labels, descriptions=descriptions, quality=quality, unmapped=unmapped)


def _sex(value: str) -> str | None:
    return {"female": "F", "male": "M"}.get(value.strip().casefold())


def _age(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


class OdirSource(Source):
    name = "odir"
    modality = "fundus"
    layout = (
        "Kaggle copy: ROOT/full_df.csv + ROOT/preprocessed_images/<ID>_<left|right>.jpg, or the challenge "
        "download: ROOT/ODIR-5K_Training_Annotations(Updated)_V2.xlsx + ROOT/ODIR-5K_Training_Dataset/"
        "<ID>_<left|right>.jpg. Option images_dir overrides the image folder."
    )
    version = "ODIR-5K (2019)"
    has_official_split = False

    class Options(SourceOptions):
        images_dir: str | None = Field(None, description="image folder relative to the root (default: the layout's)")

    def find_layout(self) -> None:
        for layout in layout_spec("odir")["layouts"].values():
            annotations = self.files.find(layout["annotations"])
            if annotations is not None:
                images = self.files.folder(self.options.images_dir or layout["images"])
                if images is None:
                    wanted = self.options.images_dir or layout["images"]
                    raise LayoutError(self.name, self.root, f"the image folder {wanted}/ next to {annotations.name}")
                self.annotations, self.images_dir = annotations, images
                return
        raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        table = read_annotations(self.annotations)
        not_fundus = {_key(k) for k in layout_spec("odir")["not_fundus_keywords"]}
        seen: dict[str, tuple[str, str]] = {}
        for position, row in enumerate(table.itertuples(index=False)):
            entry = f"row {position + 2}"
            for laterality, image_column, keyword_column in EYES:
                image_name = getattr(row, image_column).strip()
                cell = getattr(row, keyword_column)
                if not image_name:
                    yield self.reject(f"{self.annotations.name}:{entry}", "source", "no_image_name", laterality)
                    continue
                where = (row.id.strip(), laterality)
                if image_name in seen:
                    first, first_where, first_cell = seen[image_name]
                    if first_where == where and first_cell == cell:
                        continue  # full_df.csv repeats each patient's row once per eye: the same listing again
                    # e.g. patient 0's left eye listed again as patient 2's right eye, or with other keywords
                    reason = "conflicting_annotation" if first_cell != cell else "duplicate_image"
                    detail = f"{entry} {laterality} lists the image of {first} again ({cell!r}; kept: {first_cell!r})"
                    yield self.reject(image_name, "source", reason, detail)
                    continue
                seen[image_name] = (f"{entry} {laterality}", where, cell)
                yield self._eye_record(row, entry, laterality, image_name, cell, not_fundus)

    def _eye_record(
        self, row: Any, entry: str, laterality: str, image_name: str, cell: str, not_fundus: set[str]
    ) -> RawRecord | Reject:
        path = self.locate_image(image_name, under=self.images_dir)
        if isinstance(path, Reject):
            return path
        keywords = split_keywords(cell)
        if not keywords:
            return self.reject(path, "label", "empty_keywords", entry)
        blocking = [k for k in keywords if _key(k) in not_fundus]
        if blocking:
            return self.reject(path, "source", "not_a_fundus_image", ", ".join(blocking))
        eye = label_eye(keywords)
        for keyword in eye.unmapped:
            self.note_unmapped("keyword", keyword)  # kept as text only; counted in the manifest
        attributes: Attributes = {"age": _age(row.age), "sex": _sex(row.sex)}
        if eye.quality:
            attributes["quality"] = "; ".join(eye.quality)
        return self.record(
            Path(image_name).stem,
            path,
            row.id.strip(),
            study_id=row.id.strip(),
            laterality=laterality,
            **eye.labels.as_fields(),
            keywords=eye.descriptions,
            attributes=attributes,
            source_file=self.annotations.name,
            source_entry=entry,
        )
