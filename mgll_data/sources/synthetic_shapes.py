"""The synthetic shapes benchmark's tree (written by `mgll_data.demo.shapes_tree`), read like any download.

`labels.csv` lists every image with its split, patient, drawn shapes (ontology ids of modality `synthetic`)
and one description per shape. Every shape not drawn is stated absent, so a blank image is a labelled row
("no circle, ..."), never `unlabelled`. The split is the generator's and is kept as an official split.
"""

from __future__ import annotations

from collections.abc import Iterator

from mgll_data.demo.shapes_tree import COLUMNS, LABELS_FILE, SEPARATOR, shape_rules
from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.tables import read_table


class SyntheticShapesSource(Source):
    name = "synthetic_shapes"
    modality = "synthetic"
    layout = "ROOT/labels.csv (image,split,patient,shapes,descriptions) + ROOT/images/<split>/<split>_<index>.png"
    version = "2"

    def find_layout(self) -> None:
        self.table_file = self.files.find(LABELS_FILE)
        if self.table_file is None:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        known = shape_rules().ids
        table = read_table(self.table_file, source=self.name, required=list(COLUMNS))
        for entry, row in table.rows():
            path = self.locate_image(row["image"])
            if isinstance(path, Reject):
                yield path
                continue
            shapes = [shape for shape in row["shapes"].split(SEPARATOR) if shape]
            unknown = [shape for shape in shapes if shape not in known]
            if unknown:
                yield self.reject(path, "label", "unknown_label", f"{entry}: {', '.join(unknown)}")
                continue
            yield self.record(
                row["image"],
                path,
                row["patient"],
                split=row["split"],
                labels=shapes,
                negative_labels=[shape for shape in known if shape not in shapes],
                keywords=[text for text in row["descriptions"].split(SEPARATOR) if text],
                source_file=self.table_file.name,
                source_entry=entry,
            )
