"""MESSIDOR (original, 1,200 images): twelve bases of TIFF photographs with one annotation sheet per base.

`Annotation_BaseNN.xls` (sheet `Feuil1`; or a user's `.csv`/`.xlsx` conversion) gives `Image name,
Ophthalmologic department, Retinopathy grade, Risk of macular edema ` per image of `BaseNN/`. The 2016 errata
`Annotation_Base11_update20161024.xls` / `..._Base13_...` replace their base's sheet. Grades are MESSIDOR's own
0-3 retinopathy scale and 0-2 macular-edema risk, mapped through their own vocabularies, not ICDR. No patient
key and no split: each image is its own subject. An image listed twice is kept once (a reject names the repeat).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.tables import read_table

SHEET = re.compile(r"^annotation_base(\d\d)(_update\d+)?\.(xls|xlsx|csv)$", re.IGNORECASE)
COLUMNS = {
    "image": ["Image name"],
    "retinopathy": ["Retinopathy grade"],
    "edema_risk": ["Risk of macular edema"],
}


class MessidorSource(Source):
    name = "messidor"
    modality = "fundus"
    layout = (
        "ROOT/Base11 ... Base34/<name>.tif with ROOT/Annotation_Base11.xls ... Annotation_Base34.xls (or inside each "
        "Base folder; .csv/.xlsx conversions accepted); Annotation_Base11/13_update20161024.xls replace their base"
    )
    version = "2008 (2016 errata for Base11, Base13)"

    def find_layout(self) -> None:
        """The newest sheet of each base: an errata file wins over the original."""
        sheets: dict[str, Path] = {}
        for path in sorted(self.files.files_under(self.root), key=lambda p: p.name.casefold()):
            match = SHEET.match(path.name)
            if match and (match.group(2) or match.group(1) not in sheets):
                sheets[match.group(1)] = path
        self.sheets = [(base, sheets[base]) for base in sorted(sheets)]
        if not self.sheets:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        seen: dict[str, tuple[str, str]] = {}
        for base, sheet in self.sheets:
            folder = self.files.folder(f"Base{base}") or sheet.parent
            table = read_table(sheet, source=self.name, required=COLUMNS)
            for entry, row in table.rows():
                if not row["image"]:
                    yield self.reject(sheet.name, "source", "no_image_name", entry)
                    continue
                grades = (row["retinopathy"], row["edema_risk"])
                if row["image"].casefold() in seen:
                    first_entry, first_grades = seen[row["image"].casefold()]
                    reason = "duplicate_image" if first_grades == grades else "conflicting_annotation"
                    yield self.reject(row["image"], "source", reason, f"{entry}; first listed at {first_entry}")
                    continue
                seen[row["image"].casefold()] = (f"{sheet.name} {entry}", grades)
                yield self._record(row, entry, sheet, folder)

    def _record(self, row: dict[str, str], entry: str, sheet: Path, folder: Path) -> RawRecord | Reject:
        path = self.locate_image(row["image"], under=folder)
        if isinstance(path, Reject):
            return path
        labels = LabelSet()
        try:
            for vocab, column in (("messidor_retinopathy", "retinopathy"), ("messidor_edema_risk", "edema_risk")):
                if row[column]:
                    labels.add(vocab, row[column])
        except UnmappedLabel as error:
            return self.unmapped_label(path, entry, (error.vocab, error.label))
        stem = Path(row["image"]).stem
        return self.record(
            stem,
            path,
            stem,
            **labels.as_fields(),
            attributes=dict(labels.attributes),
            source_file=sheet.relative_to(self.root).as_posix(),
            source_entry=entry,
        )
