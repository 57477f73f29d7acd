"""BRSET (Brazilian Multilabel Ophthalmological Dataset): 16,266 photographs of 8,524 patients with per-image
disease columns, an ICDR grade and image-quality fields.

The label file is `labels_brset.csv` (PhysioNet 1.0.1) or `labels.csv` (the authors' GitHub / Kaggle copies),
UTF-8 with a BOM and CRLF; images are `fundus_photos/<image_id>.jpg`. The 13 disease columns go through the
`brset` map: 1 is positive and 0 states nothing, as for the other multi-label sets (RFMiD, MuReD): BRSET has no
normal class, and thirteen "no X" statements per image would drown the texts. `DR_ICDR` adds the ICDR grade
(`dr_grade`; grade 0 states no diabetic retinopathy). `quality` (Adequate / Inadequate) sets `gradable`, `camera` the
device, `patient_age` the age (NA is blank). Columns whose codes the dataset card does not define (patient_sex,
exam_eye 1/2) are not read, and neither are the anatomy fields (one `optic_disc` cell holds a stray `bv`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel, load_ontology
from mgll_data.schema import Attributes
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.multilabel import FLAGS
from mgll_data.sources.tables import read_table

LABEL_FILES = ("labels_brset.csv", "labels.csv")
GRADABLE = {"adequate": True, "inadequate": False}


class BrsetSource(Source):
    name = "brset"
    modality = "fundus"
    layout = (
        "ROOT/{labels_brset.csv or labels.csv, fundus_photos/<image_id>.jpg} "
        "(PhysioNet: brazilian-ophthalmological/1.0.1/)"
    )
    version = "1.0.1"

    def find_layout(self) -> None:
        self.table = next((self.files.find_name(n) for n in LABEL_FILES if self.files.find_name(n)), None)
        if self.table is None:
            raise LayoutError(self.name, self.root, self.layout)
        base = self.table.parent.relative_to(self.root).as_posix()
        self.images = self.files.folder(f"{base}/fundus_photos")
        if self.images is None:
            raise LayoutError(self.name, self.root, f"fundus_photos/ beside {self.table.name}")

    def records(self) -> Iterator[RawRecord | Reject]:
        diseases = [label for label, _ in load_ontology().vocab("brset")]
        required = ["image_id", "patient_id", "DR_ICDR", *diseases]
        table = read_table(
            self.table, source=self.name, required=required, optional=["camera", "patient_age", "quality"]
        )
        for entry, row in table.rows():
            yield self._record(entry, row, diseases)

    def _record(self, entry: str, row: dict[str, str], diseases: list[str]) -> RawRecord | Reject:
        image = self.locate_image(f"{row['image_id']}.jpg", under=self.images)
        if isinstance(image, Reject):
            return image
        odd = {c: row[c] for c in diseases if row[c] not in FLAGS}
        if odd:
            return self.unmapped_label(image, entry, *odd.items())
        labels = LabelSet()
        for column in diseases:
            if FLAGS[row[column]]:
                labels.add("brset", column)
        if row["DR_ICDR"]:
            try:
                labels.add("icdr", row["DR_ICDR"])
            except UnmappedLabel:
                return self.unmapped_label(image, entry, ("DR_ICDR", row["DR_ICDR"]))
        attributes: Attributes = dict(labels.attributes)
        with contextlib.suppress(ValueError):  # NA or blank: no age stated
            attributes["age"] = float(row["patient_age"])
        if row["camera"]:
            attributes["device"] = row["camera"]
        if row["quality"]:
            attributes["quality"] = row["quality"]
            if row["quality"].casefold() in GRADABLE:
                attributes["gradable"] = GRADABLE[row["quality"].casefold()]
        return self.record(
            row["image_id"],
            image,
            row["patient_id"],
            **labels.as_fields(),
            attributes=attributes,
            source_file=self.table.name,
            source_entry=entry,
        )
