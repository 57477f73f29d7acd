"""DeepDRiD (ISBI 2020 challenge): regular and ultra-widefield fundus photographs graded on the ICDR scale.

Regular tables give one row per image with the grade in the column of its eye (`left_eye_DR_Level` or
`right_eye_DR_Level`, the other blank) and four image-quality scores; ultra-widefield tables give `DR_level`
and `position`. Grade 5 means ungradable (`gradable=False`, the ungradable-image finding, no grade). An
overall quality of 0 states poor image quality; clarity, field definition and artifact become attributes.
The eye is read from the image id (`56_r3`: right); where the filled column names the other eye (11 training
rows) the row keeps that column's grade and is flagged `eye_mismatch`. Patients come from the tables (test
workbooks: the id's prefix); both eyes of a patient are in one official split. The two families are separate
cohorts as far as published, so patient keys carry the family.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath
from typing import Literal

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

Family = Literal["regular", "ultra_widefield"]
_EYE_IN_ID = re.compile(r"(?:^|_)([lr])\d+$", re.IGNORECASE)
_SCORES = ("quality_clarity", "quality_field", "quality_artifact")  # 1-10 scores kept as attributes


class DeepDridSource(Source):
    name = "deepdrid"
    modality = "fundus"
    layout = (
        "ROOT/regular_fundus_images/{regular-fundus-training,regular-fundus-validation}/{Images/<pid>/<id>.jpg, "
        "<folder>.csv} + Online-Challenge1&2-Evaluation/{Images/..., Challenge1_labels.xlsx}; "
        "ROOT/ultra-widefield_images/{ultra-widefield-training,ultra-widefield-validation}/{Images/..., <folder>.csv} "
        "+ Online-Challenge3-Evaluation/{Images/..., Challenge3_labels.xlsx}"
    )
    version = "ISBI 2020"
    has_official_split = True

    class Options(SourceOptions):
        families: list[Family] = Field(
            ["regular", "ultra_widefield"], description="image families to read: regular, ultra_widefield"
        )

    def find_layout(self) -> None:
        """Every (family, split, part folder, label table) present; a root holding none of them is a layout error."""
        spec = layout_spec("deepdrid")
        self.parts: list[tuple[str, str, Path, Path]] = []
        for family in self.options.families:
            family_spec = spec["parts"][family]
            for part in family_spec["splits"]:
                folder = self.files.folder(f"{family_spec['top']}/{part['folder']}", part["folder"])
                table = folder and self.files.find(part["table"], under=folder)
                if folder is not None and table is not None:
                    self.parts.append((family, part["split"], folder, table))
        if not self.parts:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        yield from self.unread_parts()
        spec = layout_spec("deepdrid")
        for family, split, folder, table_file in self.parts:
            table = read_table(table_file, source=self.name, required={"image_id": []}, optional=spec["columns"])
            for entry, row in table.rows():
                yield self._record(family, split, folder, table_file, entry, row, spec["eyes"])

    def _record(
        self, family: str, split: str, folder: Path, table_file: Path, entry: str, row: dict, eyes: dict
    ) -> RawRecord | Reject:
        image_id = row["image_id"]
        if not image_id:
            return self.reject(table_file.name, "source", "no_image_name", entry)
        patient = row["patient_id"] or image_id.split("_")[0]
        path = self._image(folder, patient, image_id, row["image_path"])
        if isinstance(path, Reject):
            return path
        eye_letter = _EYE_IN_ID.search(image_id)
        laterality = eyes[eye_letter.group(1).lower()] if eye_letter else eyes.get(row["position"])
        if row["grade"]:
            grade, filled_eye = row["grade"], eyes.get(row["position"])
        else:  # regular tables: the eye's own column, else the one filled (kept, and flagged below)
            filled = [(eye, row[column]) for eye, column in (("L", "left_grade"), ("R", "right_grade")) if row[column]]
            own = [item for item in filled if item[0] == laterality]
            filled_eye, grade = (own or filled or [(None, "")])[0]
        labels = LabelSet()
        try:
            for vocab, value in (("icdr_ungradable", grade), ("deepdrid_quality", row["quality_overall"])):
                if value:
                    labels.add(vocab, value)
        except UnmappedLabel as error:
            return self.unmapped_label(path, entry, (error.vocab, error.label))
        attributes = dict(labels.attributes)
        attributes.update({key: int(row[key]) for key in _SCORES if row[key].isdigit()})
        if filled_eye is not None and laterality is not None and filled_eye != laterality:
            attributes["eye_mismatch"] = True
        return self.record(
            f"{family}/{split}/{image_id}",
            path,
            f"{family}/{patient}",
            split=split,
            laterality=laterality,
            **labels.as_fields(),
            attributes=attributes,
            source_file=table_file.relative_to(self.root).as_posix(),
            source_entry=entry,
        )

    def _image(self, folder: Path, patient: str, image_id: str, listed_path: str) -> Path | Reject:
        """The image rebuilt as `<folder>/Images/<patient>/<image_id>.jpg`, else from the table's own path, else
        the file named without its patient prefix (`Images/12/l1.jpg` for `12_l1`: some files are so named)."""
        candidates = [f"Images/{patient}/{image_id}.jpg"]
        if listed_path:
            candidates.append("Images/" + "/".join(PureWindowsPath(listed_path).parts[-2:]))
        candidates.append(f"Images/{patient}/{image_id.removeprefix(f'{patient}_')}.jpg")
        found = next(filter(None, (self.files.find(c, under=folder) for c in candidates)), None)
        return self.image_at(found, folder.relative_to(self.root) / candidates[0])
