"""Object-CXR (JF Healthcare, MIDL 2020): 9,000 chest X-rays from township hospitals, half with foreign objects.

`annotation` is empty for images without objects; otherwise objects separated by `;`, each `TYPE x1 y1 x2 y2`
(0 rectangle, 1 ellipse: bounding corners) or `2 x1 y1 ... xn yn` (polygon), in original pixels. Each object
becomes a `foreign_object` box (a polygon by its bounding box). Support devices are not annotated, so an image
without objects is negative for foreign objects only. The 1,000 test images were never released with labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


def spec() -> dict:
    return layout_spec("object_cxr")


def object_boxes(annotation: str) -> list[dict]:
    """The annotation's objects as `foreign_object` boxes; ValueError on an unknown shape or odd coordinates."""
    boxes = []
    for item in filter(None, (part.strip() for part in annotation.split(spec()["object_separator"]))):
        shape, *numbers = item.split()
        kind = spec()["shapes"].get(shape)
        values = [float(n) for n in numbers]
        if kind is None or len(values) < 4 or len(values) % 2 or (kind == "corners" and len(values) != 4):
            raise ValueError(f"object {item[:40]!r}: expected 'TYPE x1 y1 x2 y2' or '2 x1 y1 ... xn yn'")
        xs, ys = values[::2], values[1::2]
        boxes.append({"label": "foreign_object", "x0": min(xs), "y0": min(ys), "x1": max(xs), "y1": max(ys)})
    return boxes


class ObjectCxrSource(Source):
    name = "object_cxr"
    modality = "cxr"
    layout = "ROOT/train.csv, dev.csv (image_name,annotation) + ROOT/train/#####.jpg, dev/#####.jpg"
    version = "MIDL 2020"
    has_official_split = True

    def find_layout(self) -> None:
        self.tables = [(p, split) for name, split in spec()["tables"].items() if (p := self.files.find_name(name))]
        if not self.tables:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        for table_file, split in self.tables:
            folder = table_file.stem
            table = read_table(table_file, source=self.name, required=spec()["columns"])
            for entry, row in table.rows():
                path = self.locate_image(row["image"], under=folder)
                if isinstance(path, Reject):
                    yield dataclasses.replace(path, detail=entry)
                    continue
                try:
                    boxes = object_boxes(row["annotation"])
                except ValueError as error:
                    yield self.reject(path, "label", "bad_annotation_value", f"{entry}: {error}")
                    continue
                labels = LabelSet()
                labels.add("object_cxr", "object" if boxes else "no object")
                yield self.record(
                    f"{folder}/{path.stem}",
                    path,
                    f"{folder}/{path.stem}",
                    split=split,
                    **labels.as_fields(),
                    attributes={"boxes": boxes} if boxes else {},
                    source_file=table_file.name,
                    source_entry=entry,
                )
