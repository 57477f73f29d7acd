"""APTOS 2019 Blindness Detection (Kaggle): colour fundus photos graded on the ICDR 0-4 scale.

`train.csv` (`id_code,diagnosis`) grades `train_images/<id_code>.png`; `test.csv` (`id_code`) lists
`test_images/<id_code>.png`, whose grades were never released, so those images are `unlabelled` rejects unless
the recipe entry says `unlabelled: keep`. A table whose image folder is absent (the test images were not
downloaded) is one `missing_part` reject. No patient or eye key exists: each image is its own patient.
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
    layout = (
        "ROOT/train.csv (id_code,diagnosis) + ROOT/train_images/<id_code>.png; optional ROOT/test.csv (id_code) + "
        "ROOT/test_images/<id_code>.png (no published grades: unlabelled)"
    )
    version = "2019"

    def find_layout(self) -> None:
        self.parts = [(table, folder) for name, folder in PARTS if (table := self.files.find(name))]
        if not self.parts or self.parts[0][0].name.casefold() != "train.csv":
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        for table_file, folder in self.parts:
            table = read_table(table_file, source=self.name, required=["id_code"], optional=["diagnosis"])
            images = self.files.folder(folder)
            if images is None:  # a partial download (the test images were not fetched): one reject says so
                yield self.missing_part(table_file, f"{folder}/", len(table))
                continue
            for entry, row in table.rows():
                path = self.locate_image(row["id_code"], under=images, suffixes=(".png",), entry=entry)
                if isinstance(path, Reject):
                    yield path
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
