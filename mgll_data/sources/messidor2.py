"""Messidor-2 (ADCIS images) with the adjudicated ICDR grades of Krause et al. 2018 (Kaggle `messidor_data.csv`).

`messidor_data.csv` (`image_id,adjudicated_dr_grade,adjudicated_dme,adjudicated_gradable`) grades the 1,748
images of `IMAGES/`; the Brest ids end `.jpg` while the files end `.JPG` (the file index ignores case). A blank
DR grade is an ungradable image: `gradable=False`, the ungradable-image finding, no grade label. Patients
(exams) come only from ADCIS's pair file `messidor-2.csv` (`left;right`): both images of a row are one exam,
named by the left image, and the column gives the eye. No official split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.tables import read_table

GRADES = "messidor_data.csv"
PAIRS = "messidor-2.csv"
IMAGES = ("IMAGES", "images", "Messidor-2/IMAGES")
COLUMNS = {
    "image": ["image_id"],
    "dr_grade": ["adjudicated_dr_grade"],
    "dme": ["adjudicated_dme"],
    "gradable": ["adjudicated_gradable"],
}


class Messidor2Source(Source):
    name = "messidor2"
    modality = "fundus"
    layout = (
        "ROOT/messidor_data.csv (image_id,adjudicated_dr_grade,adjudicated_dme,adjudicated_gradable) + "
        "ROOT/IMAGES/{*.png, IM*.JPG}; optional ROOT/messidor-2.csv (left;right exam pairs)"
    )
    version = "2018 adjudicated grades"

    def find_layout(self) -> None:
        self.grades = self.files.find(GRADES)
        self.images = self.files.folder(*IMAGES)
        if self.grades is None or self.images is None:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        yield from self.unread_parts()
        exams = self._exams()
        table = read_table(self.grades, source=self.name, required=COLUMNS)
        for entry, row in table.rows():
            path = self.locate_image(row["image"], under=self.images)
            if isinstance(path, Reject):
                yield path
                continue
            labels = LabelSet()
            gradable = row["gradable"] if row["dr_grade"] else "0"  # a blank grade is an ungradable image
            try:
                for vocab, value in (
                    ("icdr", row["dr_grade"]),
                    ("messidor2_dme", row["dme"]),
                    ("messidor2_gradable", gradable),
                ):
                    if value:
                        labels.add(vocab, value)
            except UnmappedLabel as error:
                yield self.unmapped_label(path, entry, (error.vocab, error.label))
                continue
            exam, laterality = exams.get(Path(row["image"]).stem.casefold(), (Path(row["image"]).stem, None))
            yield self.record(
                Path(row["image"]).stem,
                path,
                exam,
                laterality=laterality,
                **labels.as_fields(),
                attributes=dict(labels.attributes),
                source_file=self.grades.name,
                source_entry=entry,
            )

    def _exams(self) -> dict[str, tuple[str, str]]:
        """Image stem (case-folded: the pair file and the grades spell extensions differently) -> (exam, eye)."""
        path = self.files.find(PAIRS)
        if path is None:
            return {}
        table = read_table(path, source=self.name, required=["left", "right"], sep=";")
        exams: dict[str, tuple[str, str]] = {}
        for _, row in table.rows():
            exam = Path(row["left"] or row["right"]).stem
            exams.update(
                {Path(row[side]).stem.casefold(): (exam, eye) for side, eye in (("left", "L"), ("right", "R"))}
            )
        return exams
