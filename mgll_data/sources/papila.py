"""PAPILA: 488 photographs of both eyes of 244 patients with per-eye clinical data, glaucoma / suspect / healthy
diagnosis, and optic disc and cup outlines by two experts.

The figshare folder name changes between releases (`PapilaDB-PAPILA-17f8fa77...`, `...-9c67b809...`), so the
download is found by its `ClinicalData/patient_data_od.xlsx`. Each workbook has a multi-row header: data rows are
those whose first cell is a patient number (`#002`), one row per eye; the header rows before them are skipped,
nothing else. The image is `FundusImages/RET<nnn><OD|OS>.jpg`, the patient `RET<nnn>`. The experts' contours
(`ExpertsSegmentations/Contours/RET002OD_{disc,cup}_{exp1,exp2}.txt`) give the vertical cup-to-disc ratio
(the mean over the experts who drew both). The sex code is not documented in the release, so it is not read.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.images.masks import MaskError, contour_cup_to_disc, read_contour
from mgll_data.ontology import UnmappedLabel
from mgll_data.schema import Attributes
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.tables import read_table

EYES = (("patient_data_od.xlsx", "OD", "R"), ("patient_data_os.xlsx", "OS", "L"))
COLUMNS = {"id": ["0"], "age": ["1"], "diagnosis": ["3"]}  # by position: the header rows name them unevenly
PATIENT = re.compile(r"^#?(\d+)$")


class PapilaSource(Source):
    name = "papila"
    modality = "fundus"
    layout = (
        "ROOT (PapilaDB-PAPILA-<hash>/ or its parent)/{FundusImages/RET<nnn><OD|OS>.jpg, ClinicalData/"
        "patient_data_od.xlsx + patient_data_os.xlsx, ExpertsSegmentations/Contours/RET<nnn><OD|OS>_{disc,cup}_"
        "{exp1,exp2}.txt}"
    )
    version = "figshare v2"

    def find_layout(self) -> None:
        clinical = self.files.find_name("patient_data_od.xlsx")
        if clinical is None:
            raise LayoutError(self.name, self.root, self.layout)
        self.base = clinical.parent.parent
        self.images = self.files.folder(f"{self.base.relative_to(self.root).as_posix()}/FundusImages")
        if self.images is None:
            raise LayoutError(self.name, self.root, f"FundusImages/ beside {clinical.parent}")

    def records(self) -> Iterator[RawRecord | Reject]:
        yield from self.unread_parts(under=self.base)
        for workbook, eye, laterality in EYES:
            path = self.base / "ClinicalData" / workbook
            if not path.is_file():
                raise LayoutError(self.name, self.root, f"ClinicalData/{workbook}")
            table = read_table(path, source=self.name, header=False, required=COLUMNS)
            for entry, row in table.rows():
                number = PATIENT.match(row["id"])
                if number:
                    yield self._record(f"RET{int(number.group(1)):03d}", eye, laterality, entry, workbook, row)

    def _record(
        self, patient: str, eye: str, laterality: str, entry: str, workbook: str, row: dict
    ) -> RawRecord | Reject:
        image = self.locate_image(f"{patient}{eye}.jpg", under=self.images)
        if isinstance(image, Reject):
            return image
        labels = LabelSet()
        try:
            labels.add("papila", row["diagnosis"].removesuffix(".0"))
        except UnmappedLabel:
            return self.unmapped_label(image, entry, ("Diagnosis", row["diagnosis"]))
        attributes: Attributes = {}
        with contextlib.suppress(ValueError):  # age is optional clinical data; a blank cell states nothing
            attributes["age"] = float(row["age"])
        ratios, related = [], []
        for expert in ("exp1", "exp2"):
            disc, cup = (
                self.files.find(f"{patient}{eye}_{part}_{expert}.txt", under=self._contours())
                for part in ("disc", "cup")
            )
            if disc is None or cup is None:
                continue
            try:
                ratio = contour_cup_to_disc(read_contour(disc), read_contour(cup))
            except MaskError as error:
                return self.reject(disc, "source", "unreadable_mask", str(error))
            related += [disc, cup]
            if ratio is not None:
                ratios.append(ratio)
        if ratios:
            attributes["cup_to_disc_ratio"] = round(sum(ratios) / len(ratios), 2)
            attributes["reader_count"] = len(ratios)
        native_id = f"{patient}{eye}"
        return self.record(
            native_id,
            image,
            patient,
            laterality=laterality,
            **labels.as_fields(),
            attributes=attributes,
            source_file=workbook,
            source_entry=entry,
            related_files=related,
        )

    def _contours(self) -> Path:
        return self.base / "ExpertsSegmentations" / "Contours"
