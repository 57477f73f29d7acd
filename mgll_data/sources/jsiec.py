"""JSIEC 1000 fundus images (Joint Shantou International Eye Centre): 39 classes, one class folder per label.

The Kaggle copy unpacks to `1000images/<class folder>/<uuid>..JPG` (a double dot and an upper-case extension).
The folder name is the label, mapped through the `jsiec` vocabulary; a folder the map does not know makes each
of its images an `unmapped_label` reject. A file that is not a picture is a `not_an_image_file` reject. There is
no split and no patient key: each image is its own patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def image_stem(path: Path) -> str:
    """`<uuid>..JPG` -> `<uuid>`: the stem without the stray trailing dots."""
    return path.stem.rstrip(".")


class JsiecSource(Source):
    name = "jsiec"
    modality = "fundus"
    layout = "ROOT/1000images/<class folder, e.g. 0.0.Normal>/<uuid>..JPG (ROOT may also be 1000images itself)"
    version = "Kaggle v4"

    def find_layout(self) -> None:
        base = self.files.folder("1000images") or self.root
        self.class_folders = sorted(
            (p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=_order
        )
        if not any(_order(p)[0] != (float("inf"),) for p in self.class_folders):
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        seen: dict[str, str] = {}
        for folder in self.class_folders:
            labels = LabelSet()
            try:
                labels.add("jsiec", folder.name)
            except UnmappedLabel:
                labels = None
            for path in self.files.files_under(folder):
                yield self._record(path, folder.name, labels, seen)
            yield from self.walk_rejects(under=folder)

    def _record(self, path: Path, label: str, labels: LabelSet | None, seen: dict[str, str]) -> RawRecord | Reject:
        if path.suffix.casefold() not in IMAGE_SUFFIXES:
            return self.reject(path, "source", "not_an_image_file")
        if labels is None:
            return self.unmapped_label(path, "", ("class folder", label))
        stem = image_stem(path)
        if stem in seen:
            return self.reject(path, "source", "conflicting_annotation", f"also in {seen[stem]!r}")
        seen[stem] = label
        return self.check_image_file(path) or self.record(
            stem, path, stem, **labels.as_fields(), source_file=label, source_entry=path.name
        )


def _order(folder: Path) -> tuple[tuple[float, ...], str]:
    """Numeric order of the class prefix (`2.0.BRVO` before `10.0.Possible glaucoma`); unnumbered folders last."""
    parts = []
    for part in folder.name.split("."):
        if not part.isdigit():
            break
        parts.append(float(part))
    return (tuple(parts) or (float("inf"),), folder.name)
