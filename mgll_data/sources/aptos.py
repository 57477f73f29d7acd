"""APTOS 2019 Blindness Detection (Kaggle): colour fundus photos graded on the ICDR 0-4 scale.

`train.csv` (`id_code,diagnosis`) grades `train_images/<id_code>.png`; `test.csv` (`id_code`) lists
`test_images/<id_code>.png`, whose grades were never released, so those images are `unlabelled` rejects unless
the recipe entry says `unlabelled: keep`. No patient or eye key exists: each image is its own patient.
"""

from __future__ import annotations

from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.tables import read_table

PARTS = (("train.csv", "train_images"), ("test.csv", "test_images"))


class AptosSource(Source):
    name = "aptos"
    modality = "fundus"
    licence_class = "kaggle"
    citation = "APTOS 2019 Blindness Detection, Asia Pacific Tele-Ophthalmology Society, Kaggle competition (2019)."
    homepage = "https://www.kaggle.com/competitions/aptos2019-blindness-detection"
    layout = (
        "ROOT/train.csv (id_code,diagnosis) + ROOT/train_images/<id_code>.png; optional ROOT/test.csv (id_code) + "
        "ROOT/test_images/<id_code>.png (no published grades: unlabelled)"
    )
    version = "2019"

    def find_layout(self) -> None:
        self.parts = [(self.files.find(t), self.files.folder(f)) for t, f in PARTS if self.files.find(t)]
        if not self.parts or self.parts[0][0].name.casefold() != "train.csv" or None in (f for _, f in self.parts):
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        for table_file, images in self.parts:
            table = read_table(table_file, source=self.name, required=["id_code"], optional=["diagnosis"])
            for entry, row in table.rows():
                path = self.files.find_stem(row["id_code"], (".png",), under=images)
                if path is None:
                    yield self.reject(f"{images.name}/{row['id_code']}.png", "source", "missing_file", entry)
                    continue
                labels = LabelSet()
                if row["diagnosis"]:
                    try:
                        labels.add("icdr", row["diagnosis"])
                    except UnmappedLabel:
                        yield self.unmapped_label(path, entry, ("diagnosis", row["diagnosis"]))
                        continue
                yield self.record(
                    row["id_code"],
                    path,
                    row["id_code"],
                    **labels.as_fields(),
                    attributes=dict(labels.attributes),
                    source_file=table_file.name,
                    source_entry=entry,
                )
