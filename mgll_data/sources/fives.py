"""FIVES (Fundus Image Vessel Segmentation): 800 photographs with vessel masks and a disease category.

The RAR unpacks to `train/` and `test/`, each with `Original/<n>_<X>.png` and `Ground truth/<n>_<X>.png`, where X
is the category (A AMD, D DR, G glaucoma, N normal; the `fives` map). Numbers restart per split (`10_A.png` is in
both), so the native id carries the split. The vessel masks are recorded as related files, not measured: a vessel
share says little a description could use. A stray `Thumbs.db` is a `not_an_image_file` reject. No patient key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet

SPLITS = ("train", "test")
OUTER = "FIVES A Fundus Image Dataset for AI-based Vessel Segmentation"
NAME = re.compile(r"^(\d+)_([A-Za-z])$")


class FivesSource(Source):
    name = "fives"
    modality = "fundus"
    layout = (
        "ROOT/{train,test}/{Original/<n>_<A|D|G|N>.png, Ground truth/<n>_<X>.png} (ROOT may be the folder the RAR "
        f"creates, '{OUTER}/', or its parent)"
    )
    version = "figshare v1"
    has_official_split = True

    def find_layout(self) -> None:
        self.parts = []
        for split in SPLITS:
            images = self.files.folder(f"{split}/Original", f"{OUTER}/{split}/Original")
            if images is not None:
                truth = self.files.folder(f"{images.parent.relative_to(self.root).as_posix()}/Ground truth")
                self.parts.append((split, images, truth))
        if not self.parts:
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        yield from self.unread_parts()
        for split, images, truth in self.parts:
            for path in self.files.files_under(images):
                yield self._record(split, path, truth)

    def _record(self, split: str, path: Path, truth: Path | None) -> RawRecord | Reject:
        if path.suffix.casefold() != ".png":
            return self.reject(path, "source", "not_an_image_file")
        name = NAME.match(path.stem)
        if name is None:
            return self.unmapped_label(path, "", ("file name (not <number>_<category>)", path.stem))
        labels = LabelSet()
        try:
            labels.add("fives", name.group(2).upper())
        except UnmappedLabel:
            return self.unmapped_label(path, "", ("category", name.group(2)))
        mask = self.files.find(path.name, under=truth) if truth is not None else None
        native_id = f"{split}_{path.stem}"
        return self.check_image_file(path) or self.record(
            native_id,
            path,
            native_id,
            split=split,
            **labels.as_fields(),
            source_file=f"{split}/Original",
            source_entry=path.name,
            related_files=[mask] if mask else [],
        )
