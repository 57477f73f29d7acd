"""SIIM-ACR Pneumothorax Segmentation (Kaggle 2019): 12,047 labelled CR DICOMs with RLE pneumothorax masks.

`ImageId` is the file stem (the SOPInstanceUID); the study and series folders above each file are not
derivable from it, so the DICOM tree (`dicom-images-train/`, `dicom-images-test/`, or a stage 2 folder) is
walked once and files are found by name. An image has one row per mask region: rows are OR-ed, `-1` rows mean
no pneumothorax, and the union's share of the 1024 x 1024 frame becomes `mask_area_fraction`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.nih_identity import NihLink, NihLinkOptions
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


def spec() -> dict:
    return layout_spec("siim_pneumothorax")


def mask_area_fraction(encodings: list[str], size: tuple[int, int]) -> float:
    """Share of the frame covered by the union of SIIM RLE masks (relative starts: each start counts from the
    end of the previous run). ValueError on an encoding that is not pairs of non-negative integers in range."""
    covered = np.zeros(size[0] * size[1], dtype=bool)
    for encoding in encodings:
        numbers = [int(n) for n in encoding.split()]
        if len(numbers) % 2 or any(n < 0 for n in numbers):
            raise ValueError(f"RLE {encoding[:40]!r}... is not (start, length) pairs")
        position = 0
        for start, length in zip(numbers[::2], numbers[1::2], strict=True):
            position += start
            if position + length > covered.size:
                raise ValueError(f"RLE run ends at {position + length}, past the {size[0]}x{size[1]} frame")
            covered[position : position + length] = True
            position += length
    return float(covered.mean())


class SiimPneumothoraxSource(Source):
    name = "siim_pneumothorax"
    modality = "cxr"
    layout = (
        "ROOT/train-rle.csv (stage 1, 'ImageId, EncodedPixels') or stage_2_train.csv + "
        "ROOT/dicom-images-train/<study>/<series>/<ImageId>.dcm (and dicom-images-test/)"
    )
    version = "2019"
    Options = NihLinkOptions

    def find_layout(self) -> None:
        self.rle_file = next((p for name in spec()["rle_tables"] if (p := self.files.find_name(name))), None)
        if self.rle_file is None:
            raise LayoutError(self.name, self.root, self.layout)
        self.nih = NihLink.load(self, self.options, spec()["nih_id_names"])

    def records(self) -> Iterator[RawRecord | Reject]:
        table = read_table(self.rle_file, source=self.name, required=spec()["columns"])
        grouped: dict[str, list[tuple[str, str]]] = {}
        for entry, row in table.rows():
            grouped.setdefault(row["id"], []).append((entry, row["rle"]))
        for image_id, rows in grouped.items():
            entry = rows[0][0]
            path = self.locate_image(f"{image_id}{spec()['image_suffix']}", entry=entry, anywhere=True)
            if isinstance(path, Reject):
                yield path
                continue
            encodings = [rle for _, rle in rows if rle and rle != spec()["negative"]]
            try:
                fraction = mask_area_fraction(encodings, tuple(spec()["mask_size"])) if encodings else 0.0
            except ValueError as error:
                yield self.reject(path, "label", "bad_annotation_value", f"{entry}: {error}")
                continue
            labels = LabelSet()
            labels.add_ids(["pneumothorax"], "positive" if encodings else "negative")
            fields = {"patient_id": image_id, "attributes": {"mask_area_fraction": fraction}}
            yield self.record(
                image_id,
                path,
                **self.nih.apply(image_id, fields),
                **labels.as_fields(),
                source_file=self.rle_file.name,
                source_entry=entry,
            )
