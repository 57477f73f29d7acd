"""ORIGA(-light): 650 photographs with glaucoma labels, expert cup-to-disc ratios and disc/cup masks, as the Kaggle
glaucoma bundles ship it.

`OrigaList.csv` (`Eye, Filename, ExpCDR, Set, Glaucoma`) lists `Images/<Filename>`; `Eye` OD/OS gives the
laterality, `ExpCDR` the expert's cup-to-disc ratio, `Set` the official split (A train, B test; origa.yaml).
`Masks/<stem>.png` (0 background, 1 disc, 2 cup) gives the disc centre, and the ratio when the list has none.
The bundle's derived folders (`Images_Cropped/`, `_Square/`) are not read. No patient key exists (the eye
pairing is unknown): each image is its own patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mgll_data.errors import LayoutError
from mgll_data.images.masks import MaskError, disc_cup_attributes, read_mask
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

LATERALITY = {"OD": "R", "OS": "L"}
GLAUCOMA = {"0": "non-glaucoma", "1": "glaucoma"}


def mask_attributes(source: Source, masks: Any, stem: str) -> tuple[dict[str, Any], list] | Reject:
    """Disc/cup attributes from `<masks>/<stem>.png` (label values 0/1/2) and the mask as a related file; shared by
    the Kaggle glaucoma bundles (ORIGA, G1020). No mask folder or file: nothing."""
    mask = source.files.find_stem(stem, (".png",), under=masks) if masks is not None else None
    if mask is None:
        return {}, []
    try:
        return disc_cup_attributes(read_mask(mask), "label_values"), [mask]
    except MaskError as error:
        return source.reject(mask, "source", "unreadable_mask", str(error))


def glaucoma_labels(value: str) -> LabelSet:
    """0/1 glaucoma cell -> label states; raises UnmappedLabel for any other value."""
    labels = LabelSet()
    labels.add("glaucoma_status", GLAUCOMA.get(value.removesuffix(".0"), value))
    return labels


class OrigaSource(Source):
    name = "origa"
    modality = "fundus"
    layout = "ROOT (ORIGA/ or its parent)/{OrigaList.csv, Images/<nnn>.jpg, optional Masks/<nnn>.png (0/1 disc/2 cup)}"
    version = "ORIGA-light (Kaggle bundle)"
    has_official_split = True

    def find_layout(self) -> None:
        self.table = self.files.find_name("OrigaList.csv")
        if self.table is None:
            raise LayoutError(self.name, self.root, self.layout)
        base = self.table.parent.relative_to(self.root).as_posix()
        self.images = self.files.folder(f"{base}/Images")
        self.masks = self.files.folder(f"{base}/Masks")
        if self.images is None:
            raise LayoutError(self.name, self.root, f"Images/ beside {self.table.name}")

    def records(self) -> Iterator[RawRecord | Reject]:
        table = read_table(
            self.table, source=self.name, required=["Eye", "Filename", "Glaucoma"], optional=["ExpCDR", "Set"]
        )
        for entry, row in table.rows():
            yield self._record(entry, row)

    def _record(self, entry: str, row: dict[str, str]) -> RawRecord | Reject:
        image = self.locate_image(row["Filename"], under=self.images)
        if isinstance(image, Reject):
            return image
        try:
            labels = glaucoma_labels(row["Glaucoma"])
        except UnmappedLabel:
            return self.unmapped_label(image, "Glaucoma", row["Glaucoma"], entry)
        split = None
        if row["Set"]:
            split = layout_spec("origa")["sets"].get(row["Set"].strip().upper())
            if split is None:
                return self.reject(image, "source", "unknown_split", f"{entry}: Set {row['Set']!r}; expected A or B")
        measured = mask_attributes(self, self.masks, image.stem)
        if isinstance(measured, Reject):
            return measured
        attributes, related = measured
        if row["ExpCDR"]:
            try:
                attributes["cup_to_disc_ratio"] = round(float(row["ExpCDR"]), 2)
            except ValueError:
                return self.reject(image, "label", "bad_annotation_value", f"{entry}: ExpCDR {row['ExpCDR']!r}")
        return self.record(
            image.stem,
            image,
            image.stem,
            split=split,
            laterality=LATERALITY.get(row["Eye"].upper()),
            **labels.as_fields(),
            attributes=attributes,
            source_file=self.table.name,
            source_entry=entry,
            related_files=related,
        )
