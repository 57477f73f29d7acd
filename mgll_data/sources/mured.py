"""MuReD (Multi-Label Retinal Diseases): 2,208 photographs re-labelled with 20 labels, drawn from RFMiD, STARE and
ARIA.

`train_data.csv` and `test_data.csv` (or `val_data.csv`) hold `ID` (the file stem) and one 0/1 column per label
(the `mured` map); all images sit in one `images/` folder, as TIF or PNG. Where the file name shows the public set
an image came from, `dataset_origin` records it (patterns in `mured.yaml`). Because MuReD reuses RFMiD images,
a recipe listing both should keep exact-duplicate removal on. No patient key: each image is its own patient.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.multilabel import condition_columns, find_split_files, flag_labels
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


def dataset_origin(stem: str) -> str | None:
    """The public set a MuReD file name points to, or None when the name does not say."""
    for rule in layout_spec("mured")["origins"]:
        if re.search(rule["pattern"], stem, flags=re.IGNORECASE):
            return rule["origin"]
    return None


class MuredSource(Source):
    name = "mured"
    modality = "fundus"
    layout = "ROOT/{train_data.csv, test_data.csv or val_data.csv, images/<ID>.{tif,png}}"
    version = "Mendeley v1"
    has_official_split = True

    def find_layout(self) -> None:
        self.parts = find_split_files(self, layout_spec("mured"))
        if not self.parts or self.parts[0][0] != "train":
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        suffixes = tuple(layout_spec("mured")["image_suffixes"])
        for split, table_file, images in self.parts:
            table = read_table(table_file, source=self.name, required=["ID"], keep_other_columns=True)
            conditions = condition_columns(self.name, table, "mured", ("ID",), strict=True)
            for entry, row in table.rows():
                path = self.locate_image(row["ID"], under=images, suffixes=suffixes, entry=entry)
                if isinstance(path, Reject):
                    yield path
                    continue
                labels = flag_labels(row, conditions)
                if isinstance(labels, list):
                    yield self.unmapped_label(path, entry, *labels)
                    continue
                origin = dataset_origin(path.stem)
                yield self.check_image_file(path) or self.record(
                    row["ID"],
                    path,
                    row["ID"],
                    split=split,
                    **labels.as_fields(),
                    attributes={"dataset_origin": origin} if origin else {},
                    source_file=table_file.name,
                    source_entry=entry,
                )
