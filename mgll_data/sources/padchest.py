"""PadChest (BIMCV, 2019): about 160,000 chest X-rays of 67,000 patients from Hospital San Juan (Alicante),
16-bit PNGs with report-derived labels.

The CSV's `Labels` cell is a Python-list string (`['pleural effusion', ' cardiomegaly']`, entries may carry
spaces or be empty, the cell may be blank); each term maps through `maps/padchest.tsv`, and terms the map lacks
are kept as keywords and counted as unmapped `Labels` values (never dropped). `exclude` rejects the image, `unchanged`
is a keyword, `suboptimal study` a quality note and the `suboptimal_radiograph` quality finding (so a study
labelled with it alone is a row, not `unlabelled`). Labels are per report, repeated on each image row of the
study. Images are `<ImageDir>/<ImageID>` (some names hold spaces); the intensity policy of the image stage
handles their 16 bits. The Spanish report goes to `report` only with `spanish_report: true`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


def spec() -> dict:
    return layout_spec("padchest")


def parse_terms(cell: str) -> list[str] | None:
    """The terms of a `Labels` cell, stripped, empty ones left out; None when the cell is not a list string."""
    if not cell.strip():
        return []
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(value, list):
        return None
    return [term.strip() for term in value if isinstance(term, str) and term.strip()]


def age_at_study(study_date: str, birth: str) -> float | None:
    """Study year (YYYYMMDD) minus birth year (`1930.0`); None when either is missing."""
    try:
        return float(int(study_date[:4]) - int(float(birth)))
    except ValueError:
        return None


class PadchestSource(Source):
    name = "padchest"
    modality = "cxr"
    layout = (
        "ROOT/PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv(.gz) + ROOT/<ImageDir>/<ImageID>.png "
        "(folders 0/ ... 54/ from 0.zip ... 54.zip)"
    )
    version = "01.02.19"

    class Options(SourceOptions):
        spanish_report: bool = Field(
            False, description="keep the Spanish report text as the row's report findings (descriptions stay English)"
        )

    def find_layout(self) -> None:
        self.table_file = next((p for name in spec()["tables"] if (p := self.files.find_name(name))), None)
        if self.table_file is None:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        table = read_table(self.table_file, source=self.name, required=spec()["columns"], sep=",")
        for entry, row in table.rows():
            listed = f"{row['folder']}/{row['image']}"
            terms = parse_terms(row["labels"])
            if terms is None:
                yield self.reject(listed, "source", "malformed_entry", f"{entry}: Labels {row['labels'][:60]!r}")
                continue
            if "exclude" in terms:
                yield self.reject(listed, "label", "unlabelled", f"{entry}: the report was excluded from labelling")
                continue
            path = self.locate_image(listed)
            if isinstance(path, Reject):
                yield self.reject(listed, "source", path.reason, entry)
                continue
            labels, keywords, attributes = self.read_terms(terms)
            attributes |= {
                "age": age_at_study(row["study_date"], row["birth"]),
                "sex": spec()["sexes"].get(row["sex"].upper()),
            }
            spanish = self.options.spanish_report and row["report"]
            yield self.record(
                row["image"].rsplit(".", 1)[0],
                path,
                row["patient"],
                study_id=row["study"] or None,
                view=spec()["views"].get(row["projection"].upper()),
                **labels.as_fields(),
                keywords=keywords,
                report={"findings": row["report"]} if spanish else None,
                attributes={k: v for k, v in attributes.items() if v is not None},
                source_file=self.table_file.name,
                source_entry=entry,
            )

    def read_terms(self, terms: list[str]) -> tuple[LabelSet, list[str], dict]:
        labels, keywords, attributes = LabelSet(), [], {}
        for term in terms:
            role = spec()["study_terms"].get(term.casefold())
            if role == "quality":
                attributes["quality"] = "suboptimal"
                labels.add_ids([spec()["quality_finding"]])
            elif role == "keyword":
                keywords.append(term)
            else:
                try:
                    labels.add("padchest", term)
                except UnmappedLabel:
                    self.note_unmapped("Labels", term)
                    keywords.append(term)
        return labels, keywords, attributes
