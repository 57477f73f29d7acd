"""VinDr-CXR (PhysioNet 1.0.0) and its Kaggle release VinBigData: 18,000 DICOMs, each training image read by 3
of 17 radiologists.

Per-reader rows are fused into one label set per image by a documented rule, `fusion` (recipe option):
`majority` (default) makes a finding positive when more than half of the image's readers marked it and
uncertain when fewer did; `any` makes every marked finding positive. Boxes of positive findings (every reader's,
original DICOM pixels) become `boxes`; `reader_count` records how many readers the image had. Labels without a
finding of their own (`Other lesion`, `Other diseases`) are kept as keywords. Kaggle test images have no labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel, load_ontology
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


def spec() -> dict:
    return layout_spec("vindr_cxr")


@dataclass
class Reads:
    """What the readers of one image said: marked labels per reader, and boxes per label."""

    entry: str
    readers: set[str] = field(default_factory=set)
    marks: dict[str, set[str]] = field(default_factory=dict)
    boxes: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    problem: str = ""  # a row of this image that could not be read (the image becomes a bad_annotation_value reject)

    def mark(self, reader: str, label: str) -> None:
        self.readers.add(reader)
        self.marks.setdefault(label, set()).add(reader)


def fuse(reads: Reads, rule: str) -> tuple[LabelSet, list[str], list[dict]]:
    """Labels, keywords and boxes of one image under the fusion rule (UnmappedLabel on an unknown label)."""
    labels, keywords, boxes = LabelSet(), [], []
    for label, readers in reads.marks.items():
        majority = 2 * len(readers) > len(reads.readers)
        state = "positive" if rule == "any" or majority else "uncertain"
        mapped = load_ontology().map_label("vindr_cxr", label)
        if not mapped.positive and state == "positive":
            keywords.append(label.casefold())
        labels.add_ids(mapped.positive, state)
        if state == "positive":
            boxes += [
                {"label": finding, "x0": x0, "y0": y0, "x1": x1, "y1": y1}
                for finding in mapped.positive
                for x0, y0, x1, y1 in reads.boxes.get(label, [])
            ]
    if "normal" in labels.uncertain:  # "not normal" by some readers states nothing
        labels.uncertain.pop("normal")
    return labels, keywords, boxes


class VindrCxrSource(Source):
    name = "vindr_cxr"
    modality = "cxr"
    layout = (
        "PhysioNet: ROOT/annotations/image_labels_{train,test}.csv (+ annotations_{train,test}.csv boxes) + "
        "ROOT/train/<image_id>.dicom, test/; or Kaggle VinBigData: ROOT/train.csv "
        "(image_id,class_name,class_id,rad_id,x_min,y_min,x_max,y_max) + ROOT/train/<image_id>.dicom, test/"
    )
    version = "1.0.0"
    has_official_split = True

    class Options(SourceOptions):
        fusion: Literal["majority", "any"] = Field(
            "majority",
            description="per-reader labels -> one label set: majority of the image's readers (minority: uncertain) "
            "or positive if any reader marked it",
        )

    def find_layout(self) -> None:
        for layout in ("physionet", "kaggle"):
            tables = {s: self.files.find(p) for s, p in spec()[layout]["labels"].items()}
            if tables.get("train") is not None:
                self.layout_name = layout
                self.tables = {s: p for s, p in tables.items() if p is not None}
                return
        raise LayoutError(self.name, self.root, self.layout)

    def read_reads(self, split: str, table_file: Path) -> dict[str, Reads]:
        """image id -> Reads, in file order, from a label table (and the PhysioNet box table)."""
        reads: dict[str, Reads] = {}
        if self.layout_name == "kaggle":
            self.add_box_rows(reads, table_file)
            return reads
        names = spec()["columns"]
        table = read_table(
            table_file,
            source=self.name,
            required={"id": names["id"]},
            optional={"reader": names["reader"]},
            keep_other_columns=True,
        )
        columns = [c for c in table.columns if c not in ("id", "reader")]
        try:
            for column in columns:
                load_ontology().map_label("vindr_cxr", column)
        except UnmappedLabel as error:
            raise LayoutError(self.name, table_file, f"VinDr-CXR label columns ({error})") from None
        for entry, row in table.rows():
            image = reads.setdefault(row["id"], Reads(entry))
            reader = row["reader"] or f"consensus-{entry}"
            image.readers.add(reader)
            for column in columns:
                if row[column] in spec()["marked"]:
                    image.mark(reader, column)
        boxes = self.files.find(spec()["physionet"]["boxes"][split])
        if boxes is not None:
            self.add_box_rows(reads, boxes, marks=False)
        return reads

    def add_box_rows(self, reads: dict[str, Reads], table_file: Path, marks: bool = True) -> None:
        """Rows `image_id, rad_id, class_name, x_min..y_max` (Kaggle labels, PhysioNet boxes)."""
        columns = spec()["columns"]
        table = read_table(table_file, source=self.name, required=columns)
        for entry, row in table.rows():
            image = reads.setdefault(row["id"], Reads(entry))
            if marks:
                image.mark(row["reader"], row["class"])
            if row["x0"]:
                try:
                    corners = tuple(float(row[k]) for k in ("x0", "y0", "x1", "y1"))
                except ValueError as error:
                    image.problem = f"{entry}: box {error}"
                    continue
                image.boxes.setdefault(row["class"], []).append(corners)

    def records(self) -> Iterator[RawRecord | Reject]:
        for split, table_file in self.tables.items():
            for image_id, reads in self.read_reads(split, table_file).items():
                path = self.locate_image(f"{image_id}{spec()['image_suffix']}", under=spec()["images"][split])
                if isinstance(path, Reject):
                    yield dataclasses.replace(path, detail=reads.entry)
                    continue
                if reads.problem:
                    yield self.reject(path, "label", "bad_annotation_value", reads.problem)
                    continue
                try:
                    labels, keywords, boxes = fuse(reads, self.options.fusion)
                except UnmappedLabel as error:
                    yield self.unmapped_label(path, reads.entry, (error.vocab, error.label))
                    continue
                attributes = {"reader_count": len(reads.readers), "label_origin": f"{self.options.fusion} of readers"}
                yield self.record(
                    image_id,
                    path,
                    image_id,
                    split=split,
                    **labels.as_fields(),
                    keywords=keywords,
                    attributes=attributes | ({"boxes": boxes} if boxes else {}),
                    source_file=table_file.name,
                    source_entry=reads.entry,
                )
        if self.layout_name == "kaggle":
            yield from self.unlabelled_test()

    def unlabelled_test(self) -> Iterator[RawRecord]:
        folder = self.files.folder(spec()["images"]["test"])
        for path in self.files.files_under(folder, (spec()["image_suffix"],)) if folder else []:
            yield self.record(path.stem, path, path.stem, split="test", source_file=folder.name)
