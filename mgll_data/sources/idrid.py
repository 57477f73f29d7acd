"""IDRiD: disease grading (B), optic-disc and fovea localization (C) and lesion segmentation (A).

B grades each image on ICDR 0-4 and IDRiD's macular-edema risk 0-2. C gives disc and fovea centres in the
original pixels of the same images (attached to the B row of the same split and id; C images without a B row
become rows of their own). A lists 81 images with one binary mask per lesion: a mask file states the lesion,
a missing mask states it absent (the masks go to provenance, the lesions to `attributes.lesions`). Ids
restart per split (`IDRiD_001` is two images), so native ids carry part and split. No patient key is
published: each image is its own subject.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mgll_data.config_io import JsonObject
from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

Point = list[float]


class IdridSource(Source):
    name = "idrid"
    modality = "fundus"
    layout = (
        "any of ROOT/B. Disease Grading/{1. Original Images/{a. Training Set,b. Testing Set}/IDRiD_NNN.jpg, "
        "2. Groundtruths/{a. IDRiD_Disease Grading_Training Labels.csv, b. ..._Testing Labels.csv}}; "
        "ROOT/C. Localization/{1. Original Images/..., 2. Groundtruths/{1. Optic Disc Center Location, "
        "2. Fovea Center Location}/*_Markups.csv}; ROOT/A. Segmentation/{1. Original Images/.../IDRiD_NN.jpg, "
        "2. All Segmentation Groundtruths/<split>/<n. Lesion>/IDRiD_NN_<MA|HE|EX|SE|OD>.tif} "
        "(outer folders may be URL-encoded: A.%20Segmentation/A. Segmentation/...)"
    )
    version = "2018"
    has_official_split = True

    def find_layout(self) -> None:
        spec = layout_spec("idrid")
        self.grading = {s: t for s, names in spec["grading"]["tables"].items() if (t := self._table_file(names))}
        self.localization = {
            (point, s): t
            for point, by_split in spec["localization"]["tables"].items()
            for s, names in by_split.items()
            if (t := self._table_file(names))
        }
        self.segmentation = self.files.folder(spec["segmentation"]["images"])
        if not (self.grading or self.localization or self.segmentation):
            raise LayoutError(self.name, self.root, self.layout)

    def _table_file(self, names: list[str]) -> Path | None:
        return next(filter(None, map(self.files.find_name, names)), None)

    def records(self) -> Iterator[RawRecord | Reject]:
        spec = layout_spec("idrid")
        points = self._points(spec)
        graded: set[tuple[str, str]] = set()
        for split, table_file in sorted(self.grading.items(), key=lambda item: item[0] != "train"):
            table = read_table(table_file, source=self.name, required=spec["grading"]["columns"])
            for entry, row in table.rows():
                if not row["image"]:
                    yield self.reject(table_file.name, "source", "no_image_name", entry)
                    continue
                graded.add((split, row["image"]))
                yield self._graded(spec, split, row, entry, table_file, points.get((split, row["image"]), {}))
        for (split, image), found in sorted(points.items()):
            if (split, image) not in graded:
                yield self._located(spec, split, image, found)
        yield from self._segmented(spec)

    def _image(self, spec: dict, part: str, split: str, image: str) -> Path | Reject:
        folder_name = next(name for name, s in spec["splits"].items() if s == split)
        under = f"{spec[part]['images']}/{folder_name}"
        return self.locate_image(image, under=under, suffixes=tuple(spec["image_suffixes"]))

    def _graded(
        self, spec: dict, split: str, row: dict[str, str], entry: str, table_file: Path, points: JsonObject
    ) -> RawRecord | Reject:
        path = self._image(spec, "grading", split, row["image"])
        if isinstance(path, Reject):
            return path
        labels = LabelSet()
        try:
            for vocab, column in (("icdr", "grade"), ("idrid_dme", "dme")):
                if row[column]:
                    labels.add(vocab, row[column])
        except UnmappedLabel as error:
            return self.unmapped_label(path, entry, (error.vocab, error.label))
        native_id = f"grading/{split}/{row['image']}"
        return self.record(
            native_id,
            path,
            native_id,
            split=split,
            **labels.as_fields(),
            attributes={**labels.attributes, **points},
            source_file=table_file.relative_to(self.root).as_posix(),
            source_entry=entry,
        )

    def _located(self, spec: dict, split: str, image: str, points: JsonObject) -> RawRecord | Reject:
        path = self._image(spec, "localization", split, image)
        if isinstance(path, Reject):
            return path
        native_id = f"localization/{split}/{image}"
        return self.record(native_id, path, native_id, split=split, attributes=dict(points))

    def _points(self, spec: dict) -> dict[tuple[str, str], dict[str, Point]]:
        """(split, image) -> {od_center: [x, y], fovea_center: [x, y]} from the localization tables.

        The tables carry dozens of empty padding rows and columns; rows without an image name are that padding.
        """
        found: dict[tuple[str, str], dict[str, Point]] = {}
        for (point, split), table_file in sorted(self.localization.items()):
            table = read_table(table_file, source=self.name, required=spec["localization"]["columns"])
            for entry, row in table.rows():
                if not row["image"]:
                    continue
                try:
                    xy = [float(row["x"]), float(row["y"])]
                except ValueError:
                    raise LayoutError(self.name, table_file, f"numeric coordinates at {entry}") from None
                found.setdefault((split, row["image"]), {})[point] = xy
        return found

    def _segmented(self, spec: dict) -> Iterator[RawRecord | Reject]:
        if self.segmentation is None:
            return
        part = spec["segmentation"]
        for folder_name, split in spec["splits"].items():
            images = self.files.folder(f"{part['images']}/{folder_name}")
            for path in self.files.files_under(images, tuple(spec["image_suffixes"])) if images else []:
                rejected = self.check_image_file(path)
                if rejected:
                    yield rejected
                    continue
                labels, masks, lesions = LabelSet(), [], []
                for mask_folder, code in part["mask_folders"].items():
                    mask = self.files.find(f"{part['masks']}/{folder_name}/{mask_folder}/{path.stem}_{code}.tif")
                    mapped = labels.add("lesion_mask", code, "positive" if mask else "negative")
                    masks += [mask] if mask else []
                    lesions += [{"name": i, "area_fraction": None} for i in mapped.positive if mask]
                native_id = f"segmentation/{split}/{path.stem}"
                yield self.record(
                    native_id,
                    path,
                    native_id,
                    split=split,
                    **labels.as_fields(),
                    attributes={"lesions": lesions},
                    related_files=masks,
                )
