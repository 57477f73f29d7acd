"""TBX11K (Liu et al., CVPR 2020): 11,200 chest X-rays in healthy / sick-but-not-TB / TB folders, with TB boxes.

The COCO JSONs in `annotations/json/` list the images per split (file names relative to `imgs/`); the image's
folder gives its class and its boxes (COCO x, y, w, h) give the TB kind: active (`tuberculosis`) or latent
(`latent_tuberculosis`). A TB image without boxes (tb1199) keeps the folder's `tuberculosis`. Test images have
hidden labels: they are listed without any.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec


def spec() -> dict:
    return layout_spec("tbx11k")


def read_coco(path: Path, source: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["images"], data.setdefault("annotations", []), data["categories"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LayoutError(source, path, f"a COCO JSON with images and categories ({error})") from None
    return data


class Tbx11kSource(Source):
    name = "tbx11k"
    modality = "cxr"
    layout = (
        "ROOT/imgs/{health,sick,tb,test}/*.png + ROOT/annotations/json/TBX11K_train.json, TBX11K_val.json "
        "(or TBX11K_trainval.json / all_trainval.json), optional all_test.json"
    )
    version = "CVPR 2020"
    has_official_split = True

    def find_layout(self) -> None:
        folder = spec()["annotation_folder"]
        for group in spec()["splits"]:
            found = {name: self.files.find(name, under=folder) for name in group}
            if any(path for name, path in found.items() if group[name] != "test"):
                self.annotations = [(path, group[name]) for name, path in found.items() if path is not None]
                return
        raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        for path, split in self.annotations:
            coco = read_coco(path, self.name)
            try:
                categories = {c["id"]: c["name"] for c in coco["categories"]}
                boxes: dict[int, list[tuple[str, list[float]]]] = {}
                for annotation in coco["annotations"]:
                    category = categories.get(annotation["category_id"], str(annotation["category_id"]))
                    x, y, w, h = (float(v) for v in annotation["bbox"])
                    boxes.setdefault(annotation["image_id"], []).append((category, [x, y, w, h]))
            except (KeyError, TypeError, ValueError) as error:
                raise LayoutError(
                    self.name, path, f"COCO categories and annotations with bbox [x, y, w, h] ({error})"
                ) from None
            for image in coco["images"]:
                yield self.image_record(image, boxes.get(image["id"], []), split, path.name)

    def image_record(self, image: dict, boxes: list, split: str | None, file: str) -> RawRecord | Reject:
        listed = PurePosixPath(image["file_name"])
        entry = f"{file}: image id {image['id']}"
        path = self.locate_image(str(listed), under=spec()["image_folder"])
        if isinstance(path, Reject):
            return dataclasses.replace(path, detail=entry)
        folder_class = spec()["folder_classes"].get(listed.parent.name)
        labels, keywords = LabelSet(), []
        try:
            if folder_class:
                labels.add("tbx11k", folder_class)
                keywords += [k for k in [spec()["folder_keywords"].get(listed.parent.name)] if k]
            if boxes:  # the box kinds say which tuberculosis; drop the folder's unspecified one
                labels.positive.pop("tuberculosis", None)
            for category, _ in boxes:
                labels.add("tbx11k", category)
        except UnmappedLabel as error:
            return self.unmapped_label(path, entry, (error.vocab, error.label))
        corners = [
            {"label": label, "x0": x, "y0": y, "x1": x + w, "y1": y + h}
            for category, (x, y, w, h) in boxes
            for label in self.ids_of(category)
        ]
        return self.record(
            listed.with_suffix("").as_posix(),
            path,
            listed.stem,
            split=split or None,
            **labels.as_fields(),
            keywords=keywords,
            attributes={"boxes": corners} if corners else {},
            source_file=file,
            source_entry=entry,
        )

    @staticmethod
    def ids_of(category: str) -> list[str]:
        found = LabelSet()
        found.add("tbx11k", category)
        return list(found.positive)
