"""RFMiD 1.0 (Retinal Fundus Multi-Disease Image Dataset): 3,200 photographs, 45 conditions, official splits.

Each split has its own label CSV (`ID, Disease_Risk, DR, ARMD, ...`, 0/1 cells, UTF-8 with or without a BOM,
LF or CRLF) and its own image folder holding `<ID>.png`. IDs restart at 1 in every split, so the native id
carries the split. Folder and file spellings of both download layouts are in `rfmid.yaml`. A row with no
condition and `Disease_Risk` 0 is a normal eye (stated, not inferred from silence); `Disease_Risk` 1 with no
listed condition is `other_abnormality`. No patient or eye key exists: each image is its own patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.multilabel import FLAGS, Conditions, condition_columns, find_split_files, flag_labels
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


class RfmidSource(Source):
    name = "rfmid"
    modality = "fundus"
    layout = (
        "IEEE DataPort: ROOT/A. RFMiD_All_Classes_Dataset/1. Original Images/{a. Training Set,b. Validation Set,"
        "c. Testing Set}/<ID>.png + 2. Groundtruths/{a. RFMiD_Training_Labels.csv,b. RFMiD_Validation_Labels.csv,"
        "c. RFMiD_Testing_Labels.csv}; or the challenge copy: ROOT/Training_Set/{Training/<ID>.png,"
        "RFMiD_Training_Labels.csv}, Evaluation_Set/{Validation/,RFMiD_Validation_Labels.csv}, "
        "Test_Set/{Test/,RFMiD_Testing_Labels.csv} (doubled folders accepted)"
    )
    version = "1.0"
    has_official_split = True

    def find_layout(self) -> None:
        self.parts = find_split_files(self, layout_spec("rfmid"))
        if not self.parts or self.parts[0][0] != "train":
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        risk = layout_spec("rfmid")["risk_column"]
        for split, table_file, images in self.parts:
            table = read_table(table_file, source=self.name, required=["ID", risk], keep_other_columns=True)
            conditions = condition_columns(self.name, table, "rfmid", ("ID", risk), strict=True)
            for entry, row in table.rows():
                yield self._record(split, images, table_file.name, entry, row, risk, conditions)

    def _record(
        self, split: str, images: Path, table_name: str, entry: str, row: dict, risk: str, conditions: Conditions
    ) -> RawRecord | Reject:
        image_id = row["ID"]
        path = self.locate_image(image_id, under=images, suffixes=(".png",), entry=entry)
        if isinstance(path, Reject):
            return path
        labels = flag_labels(row, conditions)
        if row[risk] not in FLAGS:
            labels = [(risk, row[risk])]
        if isinstance(labels, list):
            return self.unmapped_label(path, entry, *labels)
        if not labels:
            labels.add_ids(["other_abnormality" if FLAGS[row[risk]] else "normal"])
        native_id = f"{split}_{image_id}"
        return self.record(
            native_id,
            path,
            native_id,
            split=split,
            **labels.as_fields(),
            attributes=dict(labels.attributes),
            source_file=table_name,
            source_entry=entry,
        )
