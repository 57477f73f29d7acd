"""RFMiD 2.0: multi-label fundus photographs with their own vocabulary (WNL, HTN, IIH, SOFE, ...).

Read like RFMiD 1.0 (one 0/1 column per condition, ids restarting per split) but through the `rfmid2` map,
because several abbreviations changed meaning between releases. The column list of 2.0 is not verified, so a
column missing from the map does not stop the build: an image that sets it becomes an `unmapped_label` reject
naming the column, and images that do not set it are kept. `WNL` (within normal limits) is the normal class.
"""

from __future__ import annotations

from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.multilabel import condition_columns, find_split_files, flag_labels, tidy_columns
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


class Rfmid2Source(Source):
    name = "rfmid2"
    modality = "fundus"
    layout = (
        "ROOT/<Training_set|Training|Train>/{<ID>.jpg, RFMiD_2_Training_labels.csv}, "
        "<Validation_set|Validation>/{<ID>.jpg, RFMiD_2_Validation_labels.csv}, "
        "<Test_set|Test>/{<ID>.jpg, RFMiD_2_Testing_labels.csv}"
    )
    version = "2.0"
    has_official_split = True

    def find_layout(self) -> None:
        self.parts = find_split_files(self, layout_spec("rfmid2"))
        if not self.parts or self.parts[0][0] != "train":
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        spec = layout_spec("rfmid2")
        suffixes = tuple(spec["image_suffixes"])
        for split, table_file, images in self.parts:
            table = read_table(
                table_file, source=self.name, required={"ID": spec["id_column"]}, keep_other_columns=True
            )
            tidy_columns(table, spec["aliases"])
            conditions = condition_columns(self.name, table, "rfmid2", ("ID",), strict=False)
            for entry, row in table.rows():
                path = self.locate_image(row["ID"], under=images, suffixes=suffixes, entry=entry)
                if isinstance(path, Reject):
                    yield path
                    continue
                labels = flag_labels(row, conditions)
                if isinstance(labels, list):
                    yield self.unmapped_label(path, entry, *labels)
                    continue
                native_id = f"{split}_{row['ID']}"
                yield self.record(
                    native_id,
                    path,
                    native_id,
                    split=split,
                    **labels.as_fields(),
                    attributes=dict(labels.attributes),
                    source_file=table_file.name,
                    source_entry=entry,
                )
