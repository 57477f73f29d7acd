"""CheXpert Plus (Stanford AIMI, 2024): CheXpert images paired with their sectioned radiology reports.

`df_chexpert_plus_240401.csv` has one row per image: `path_to_image` (`train/patientN/studyM/viewK_frontal.jpg`,
relative, without the `CheXpert-v1.0/` prefix, and `.jpg` although PNGs are shipped too), `deid_patient_id`,
`frontal_lateral`, `ap_pa`, the report and its `section_*` columns, `age`, `sex`, `split`. CheXbert labels are
JSON Lines (`chexbert_labels/{impression,findings,report}_fixed.json`), one object per image keyed by
`path_to_image`, 14 CheXpert labels as 1 / 0 / -1 / null. Images are found under `images_root` (default: the
root), with or without a `CheXpert-v1.0/` folder, as .jpg or .png. `patient_report_date_order` is an ordinal,
not a date, and is not read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from mgll_data.config_io import JsonObject
from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.mimic_files import (
    StudyLabels,
    label_cells,
    layout_spec,
    report_sections,
    study_fields,
)
from mgll_data.sources.tables import read_table


def plus_spec() -> JsonObject:
    """The CheXpert Plus part of mimic.yaml."""
    return layout_spec()["chexpert_plus"]


def read_chexbert(path: Path, source: str) -> dict[str, StudyLabels]:
    """path_to_image -> labels from one CheXbert JSON Lines file; a line that is not a JSON object is a layout error."""
    labels: dict[str, StudyLabels] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LayoutError(source, path, f"UTF-8 JSON Lines ({error})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            key = item["path_to_image"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise LayoutError(
                source, path, f"JSON Lines objects with path_to_image and the 14 labels (line {number}: {error})"
            ) from None
        cells, bad = label_cells(item)
        labels[key] = StudyLabels(cells, path.name, f"{path.name}: line {number}", tuple(bad))
    return labels


class ChexpertPlusSource(Source):
    name = "chexpert_plus"
    modality = "cxr"
    layout = (
        "ROOT/df_chexpert_plus_240401.csv (path_to_image, deid_patient_id, frontal_lateral, ap_pa, report, section_*, "
        "age, sex, split) + optional ROOT/chexbert_labels/{impression,findings,report}_fixed.json + images "
        "<images_root>/[CheXpert-v1.0/]{train,valid}/patientN/studyM/viewK_{frontal,lateral}.{jpg,png}. "
        "Options: images_root, labels, chexbert_section."
    )
    version = "240401"
    has_official_split = True

    class Options(SourceOptions):
        images_root: str | None = Field(
            None, description="folder holding train/ and valid/ (or CheXpert-v1.0/), relative to the root; default root"
        )
        labels: Literal["chexbert", "report"] = Field(
            "chexbert", description="chexbert: the CheXbert JSONL where it has the image, else the report; report"
        )
        chexbert_section: Literal["impression", "findings", "report"] = Field(
            "impression", description="which CheXbert file: labels of the impression, the findings or the whole report"
        )

    def find_layout(self) -> None:
        tables = sorted(self.root.glob(plus_spec()["table_glob"]))
        if not tables:
            raise LayoutError(self.name, self.root, self.layout)
        self.table_file = tables[-1]  # the newest release date in the name
        self.version = self.table_file.stem.rsplit("_", 1)[-1]
        self.images_root = self.option_path(self.options.images_root or ".")
        if not self.images_root.is_dir():
            raise LayoutError(self.name, self.images_root, "the CheXpert image folder named by the option images_root")
        spec = plus_spec()
        chexbert = self.root / spec["chexbert_folder"] / spec["chexbert_files"][self.options.chexbert_section]
        self.chexbert = chexbert if self.options.labels == "chexbert" and chexbert.is_file() else None

    def _image(self, listed: str) -> Path | None:
        stem = listed.rsplit(".", 1)[0]
        for prefix in plus_spec()["image_prefixes"]:
            for suffix in plus_spec()["image_suffixes"]:
                path = self.images_root / f"{prefix}{stem}{suffix}"
                if path.is_file():
                    return path
        return None

    def records(self) -> Iterator[RawRecord | Reject]:
        labels = read_chexbert(self.chexbert, self.name) if self.chexbert else {}
        sections = plus_spec()["section_columns"]
        optional = {**plus_spec()["optional_columns"], **{column: [] for column in sections}}
        table = read_table(self.table_file, source=self.name, required=plus_spec()["columns"], optional=optional)
        for entry, row in table.rows():
            listed = row["path"]
            if not listed:
                yield self.reject(self.table_file.name, "source", "no_path", entry)
                continue
            path = self._image(listed)
            path = self.image_at(path, listed, entry)
            if isinstance(path, Reject):
                yield path
                continue
            fields = study_fields(labels.get(listed), self._sections(row, sections), entry)
            if isinstance(fields, tuple):
                stage, reason, detail, unmapped = fields
                for pair in unmapped:
                    self.note_unmapped(*pair)
                yield self.reject(listed, stage, reason, detail)
                continue
            label_entry = fields.pop("label_entry", None)
            parts = Path(listed).with_suffix("").parts  # (split, patientN, studyM, viewK_frontal)
            yield self.record(
                "_".join(parts[1:]),
                path,
                row["patient"] or parts[1],
                study_id="/".join(parts[1:3]),
                split=plus_spec()["splits"].get(row["split"].casefold(), row["split"] or None),
                view=self._view(row),
                source_file=self.table_file.name,
                source_entry=f"{entry}; {label_entry}" if label_entry else entry,
                **{**fields, "attributes": {**fields.get("attributes", {}), **self._demographics(row)}},
            )

    @staticmethod
    def _sections(row: dict[str, str], columns: dict[str, str]) -> dict[str, str]:
        """Report sections from the table's section columns; the raw report through the sectioner where the
        table has no findings or impression column filled."""
        sections: dict[str, str] = {}
        for column, name in columns.items():
            if row[column]:
                sections[name] = f"{sections[name]}\n{row[column]}" if name in sections else row[column]
        if not (sections.get("findings") or sections.get("impression")) and row["report"]:
            sections = {**report_sections(row["report"]), **sections}
        return sections

    @staticmethod
    def _view(row: dict[str, str]) -> str | None:
        if row["frontal_lateral"].casefold() == "lateral":
            return "LATERAL"
        return row["ap_pa"].upper() or None

    @staticmethod
    def _demographics(row: dict[str, str]) -> JsonObject:
        try:
            age: float | None = float(row["age"]) or None  # 0 is CheXpert's missing-age sentinel
        except ValueError:
            age = None
        return {"age": age, "sex": plus_spec()["sexes"].get(row["sex"].casefold())}
