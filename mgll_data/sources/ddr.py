"""DDR (OIA-DDR, Nankai): DR grading lists and lesion segmentation masks.

`DR_grading/{train,valid,test}.txt` list `<file.jpg> <grade>` (space-separated, no header) for the images of
`DR_grading/<split>/`; grade 5 is ungradable (`gradable=False`, no grade label). `lesion_segmentation/<split>/`
holds `image/*.jpg` and one mask per lesion under `label/{EX,HE,MA,SE}/<stem>.tif`, except validation, whose
masks sit under `segmentation label/`. DDR ships all four masks for every image, some empty, so a mask says
nothing about presence without decoding: masks go to provenance only. A segmentation image whose stem a
grading list names joins that row; the others become rows of their own. No patient key: image == subject.
A list whose image folder is absent, or a grading folder without its list, is one `missing_part` reject.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.tables import read_table

SPLITS = {"train": "train", "valid": "validation", "test": "test"}
GRADING = "DR_grading"
SEGMENTATION = "lesion_segmentation"
MASK_FOLDERS = ("label", "segmentation label")
LESION_CODES = ("EX", "HE", "MA", "SE")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
LIST_COLUMNS = ["image", "grade"]  # grading txt: no header


class DdrSource(Source):
    name = "ddr"
    modality = "fundus"
    layout = (
        "ROOT/DR_grading/{train,valid,test}.txt ('<file.jpg> <grade>', 5 = ungradable) + "
        "ROOT/DR_grading/{train,valid,test}/*.jpg; optional ROOT/lesion_segmentation/{train,valid,test}/"
        "{image/*.jpg, label/{EX,HE,MA,SE}/<stem>.tif} (valid: 'segmentation label/')"
    )
    version = "2019"
    has_official_split = True

    def find_layout(self) -> None:
        self.lists = {
            split: (table, self.files.folder(f"{GRADING}/{split}"))
            for split in SPLITS
            if (table := self.files.find(f"{GRADING}/{split}.txt"))
        }
        self.segmentation = {
            split: folder for split in SPLITS if (folder := self.files.folder(f"{SEGMENTATION}/{split}/image"))
        }
        if not (self.lists or self.segmentation):
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        masks = self._segmentation()
        for split in SPLITS:  # a grading folder without its list: its images are named, never skipped in silence
            folder = self.files.folder(f"{GRADING}/{split}")
            if split not in self.lists and folder is not None:
                count = len(self.files.files_under(folder, IMAGE_SUFFIXES))
                yield self.missing_part(folder, f"{GRADING}/{split}.txt", count)
        for split, (table_file, images) in self.lists.items():
            table = read_table(
                table_file, source=self.name, sep=r"\s+", header=False, names=LIST_COLUMNS, required=LIST_COLUMNS
            )
            if images is None:  # the list without its image folder (a part not downloaded)
                yield self.missing_part(table_file, f"{GRADING}/{split}/", len(table))
                continue
            for entry, row in table.rows():
                stem = Path(row["image"]).stem
                path = self.locate_image(row["image"], under=images, entry=entry)
                if isinstance(path, Reject):
                    yield path
                    continue
                labels = LabelSet()
                try:
                    labels.add("icdr_ungradable", row["grade"])
                except UnmappedLabel:
                    yield self.unmapped_label(path, entry, ("grade", row["grade"]))
                    continue
                _, _, related = masks.pop(stem, (None, None, []))
                yield self.record(
                    f"grading/{SPLITS[split]}/{stem}",
                    path,
                    stem,
                    split=SPLITS[split],
                    **labels.as_fields(),
                    attributes=dict(labels.attributes),
                    source_file=table_file.relative_to(self.root).as_posix(),
                    source_entry=entry,
                    related_files=related,
                )
        for stem, (split, path, related) in masks.items():
            rejected = self.check_image_file(path)
            native_id = f"segmentation/{split}/{stem}"
            yield rejected or self.record(native_id, path, stem, split=split, related_files=related)

    def _segmentation(self) -> dict[str, tuple[str, Path, list[Path]]]:
        """Image stem -> (split, image, mask files), in split then file order."""
        found: dict[str, tuple[str, Path, list[Path]]] = {}
        for split, images in self.segmentation.items():
            for path in self.files.files_under(images, IMAGE_SUFFIXES):
                masks = [
                    mask
                    for code in LESION_CODES
                    for folder in MASK_FOLDERS
                    if (mask := self.files.find(f"{SEGMENTATION}/{split}/{folder}/{code}/{path.stem}.tif"))
                ]
                found.setdefault(path.stem, (SPLITS[split], path, masks))
        return found
