"""CheXlocalize (Stanford AIMI): radiologist segmentations of 10 CheXpert observations on the CheXpert validation
(234) and test (668) images.

Labels and images are read as by `chexpert` (val_labels.csv / test_labels.csv in the CheXpert table format); the
ground-truth segmentations (`gt_segmentations_{val,test}.json`, COCO RLE per task) become `lesions` attributes:
one {name: finding id, area_fraction} per task whose mask is not empty. The JSON only lists images with at least
one positive task; the others carry no lesions.
"""

from __future__ import annotations

import json
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import load_ontology
from mgll_data.sources.base import RawRecord
from mgll_data.sources.chexpert import ChexpertSource, tail
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec


def spec() -> dict:
    return layout_spec("chexlocalize")


def coco_rle_area(counts: str) -> int:
    """Foreground pixels of a compressed COCO RLE string: run lengths alternate background / foreground, each
    written in 5-bit groups (6th bit: more groups follow) as offsets from the run two places back."""
    runs: list[int] = []
    position = 0
    while position < len(counts):
        value, shift, more = 0, 0, True
        while more:
            chunk = ord(counts[position]) - 48
            value |= (chunk & 0x1F) << shift
            more = bool(chunk & 0x20)
            position += 1
            shift += 5
            if not more and chunk & 0x10:
                value |= -1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return sum(runs[1::2])


class ChexlocalizeSource(ChexpertSource):
    name = "chexlocalize"
    layout = (
        "ROOT/CheXpert/val/, val_labels.csv, test/, test_labels.csv + "
        "ROOT/CheXlocalize/gt_segmentations_val.json, gt_segmentations_test.json"
    )
    version = "1.0"

    def table_names(self) -> dict[str, list[str]]:
        return spec()["tables"]

    def find_layout(self) -> None:
        super().find_layout()
        self.segmentation_files = [p for name in spec()["segmentations"] if (p := self.files.find_name(name))]
        if not self.segmentation_files:
            raise LayoutError(self.name, self.root, self.layout)
        self.lesions = self.read_lesions()

    def read_lesions(self) -> dict[str, list[dict]]:
        """cxr_id -> [{name, area_fraction}] over every segmentation file."""
        lesions: dict[str, list[dict]] = {}
        for path in self.segmentation_files:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                for cxr_id, tasks in data.items():
                    found = []
                    for task, mask in tasks.items():
                        area = coco_rle_area(mask["counts"])
                        if area:
                            finding = load_ontology().map_label("chexlocalize", task).positive[0]
                            found.append({"name": finding, "area_fraction": area / (mask["size"][0] * mask["size"][1])})
                    lesions[cxr_id.casefold()] = found
            except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
                raise LayoutError(self.name, path, f"a CheXlocalize segmentation JSON ({error})") from None
        return lesions

    def image_record(
        self, image: Path, row: dict[str, str], labels: LabelSet, split: str, table: Path, entry: str
    ) -> RawRecord:
        record = super().image_record(image, row, labels, split, table, entry)
        cxr_id = "_".join(tail(image.relative_to(self.root).with_suffix("").as_posix(), 3))
        if self.lesions.get(cxr_id):
            record.attributes["lesions"] = self.lesions[cxr_id]
            record.related_files = list(self.segmentation_files)
        return record
