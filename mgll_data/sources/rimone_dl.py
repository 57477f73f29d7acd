"""RIM-ONE DL: 485 optic-disc-centred crops (313 normal, 172 glaucoma) from three hospitals, with disc and cup
reference segmentations.

The images zip holds the same 485 images twice, `partitioned_by_hospital/` and `partitioned_randomly/`, each with
`{training_set,test_set}/{glaucoma,normal}/`. Pooling both would double every image, so the `partition` option
picks one (never both). The label is the class folder (`normal` is the explicit healthy class); the file prefix
r1/r2/r3 names the RIM-ONE release the image came from (`dataset_origin`). Where the reference segmentations are
present (`<stem>-1-Disc-T.png`, `<stem>-1-Cup-T.png`, foreground non-zero), they give the cup-to-disc ratio.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.images.masks import MaskError, centroid, read_mask, vertical_cup_to_disc
from mgll_data.schema import Attributes
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet

PARTITIONS = {"by_hospital": "partitioned_by_hospital", "randomly": "partitioned_randomly"}
SPLITS = {"training_set": "train", "test_set": "test"}
CLASSES = {"glaucoma": "glaucoma", "normal": "healthy"}
ORIGINS = {"r1": "RIM-ONE v1", "r2": "RIM-ONE v2", "r3": "RIM-ONE v3"}


class RimOneDlSource(Source):
    name = "rimone_dl"
    modality = "fundus"
    layout = (
        "ROOT/RIM-ONE_DL_images/{partitioned_by_hospital,partitioned_randomly}/{training_set,test_set}/"
        "{glaucoma,normal}/r{1,2,3}_ImNNN.png, optional ROOT/RIM-ONE_DL_reference_segmentations/{glaucoma,normal}/"
        "<stem>-1-{Disc,Cup}-T.png (ROOT may also be RIM-ONE_DL_images itself)"
    )
    version = "DL (2020)"
    has_official_split = True

    class Options(SourceOptions):
        partition: Literal["by_hospital", "randomly"] = Field(
            "by_hospital", description="which partition to read; both hold the same 485 images, so never both"
        )

    def find_layout(self) -> None:
        wanted = PARTITIONS[self.options.partition]
        self.partition = self.files.folder(f"RIM-ONE_DL_images/{wanted}", wanted)
        if self.partition is None:
            raise LayoutError(self.name, self.root, f"the {wanted}/ folder; {self.layout}")
        self.segmentations = self.files.folder("RIM-ONE_DL_reference_segmentations")

    def records(self) -> Iterator[RawRecord | Reject]:
        for path in self.files.files_under(self.partition):
            relative = path.relative_to(self.partition).parts
            if path.suffix.casefold() != ".png":
                yield self.reject(path, "source", "not_an_image_file")
                continue
            if len(relative) != 3 or relative[0] not in SPLITS or relative[1] not in CLASSES:
                folder = "/".join(relative[:-1])
                yield self.unmapped_label(path, "expected <split>/<glaucoma|normal>/", ("folder", folder))
                continue
            yield self._record(path, SPLITS[relative[0]], relative[1])

    def _record(self, path: Path, split: str, label: str) -> RawRecord | Reject:
        problem = self.check_image_file(path)
        if problem:
            return problem
        labels = LabelSet()
        labels.add("glaucoma_status", CLASSES[label])
        attributes: Attributes = {}
        origin = ORIGINS.get(path.stem.split("_")[0].casefold())
        if origin:
            attributes["dataset_origin"] = origin
        related = self._segmentations(path.stem, label)
        if related:
            try:
                disc, cup = (read_mask(p) > 0 for p in related)
            except MaskError as error:
                return self.reject(related[0], "source", "unreadable_mask", str(error))
            ratio = vertical_cup_to_disc(disc, cup)
            if ratio is not None:
                attributes.update(cup_to_disc_ratio=ratio, od_center=centroid(disc))
        return self.record(
            path.stem,
            path,
            path.stem,
            split=split,
            **labels.as_fields(),
            attributes=attributes,
            source_file=f"{self.partition.name}/{path.parent.parent.name}",
            source_entry=f"{label}/{path.name}",
            related_files=related,
        )

    def _segmentations(self, stem: str, label: str) -> list[Path]:
        """[disc mask, cup mask] of an image when both exist, else []."""
        if self.segmentations is None:
            return []
        found = [
            self.files.find(f"{label}/{stem}-1-{part}-T.png", under=self.segmentations) for part in ("Disc", "Cup")
        ]
        return found if None not in found else []
