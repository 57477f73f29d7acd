"""G1020: 1,020 photographs (432 patients, no patient key published) with glaucoma labels and disc/cup masks, as
the Kaggle glaucoma bundle ships it.

`G1020.csv` (`imageID, binaryLabels`) names `Images/<imageID>` (the full file name; ids are not contiguous and
the last row is out of order, so nothing relies on order). `Masks/<stem>.png` (0 background, 1 disc, 2 cup) gives
the cup-to-disc ratio and disc centre. The CSV has no patient id; each image is its own patient here, so a
patient-grouped split cannot keep one patient's images together (the ids give no safe key).
"""

from __future__ import annotations

from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.origa import glaucoma_labels, mask_attributes
from mgll_data.sources.tables import read_table


class G1020Source(Source):
    name = "g1020"
    modality = "fundus"
    layout = "ROOT (G1020/ or its parent)/{G1020.csv, Images/image_<n>.jpg, optional Masks/image_<n>.png}"
    version = "Kaggle bundle"

    def find_layout(self) -> None:
        self.table = self.files.find_name("G1020.csv")
        if self.table is None:
            raise LayoutError(self.name, self.root, self.layout)
        base = self.table.parent.relative_to(self.root).as_posix()
        self.images, self.masks = self.files.folder(f"{base}/Images"), self.files.folder(f"{base}/Masks")
        if self.images is None:
            raise LayoutError(self.name, self.root, f"Images/ beside {self.table.name}")

    def records(self) -> Iterator[RawRecord | Reject]:
        table = read_table(self.table, source=self.name, required=["imageID", "binaryLabels"])
        for entry, row in table.rows():
            image = self.locate_image(row["imageID"], under=self.images)
            if isinstance(image, Reject):
                yield image
                continue
            try:
                labels = glaucoma_labels(row["binaryLabels"])
            except UnmappedLabel:
                yield self.unmapped_label(image, entry, ("binaryLabels", row["binaryLabels"]))
                continue
            measured = mask_attributes(self, self.masks, image.stem)
            if isinstance(measured, Reject):
                yield measured
                continue
            attributes, related = measured
            yield self.record(
                image.stem,
                image,
                image.stem,
                **labels.as_fields(),
                attributes=attributes,
                source_file=self.table.name,
                source_entry=entry,
                related_files=related,
            )
