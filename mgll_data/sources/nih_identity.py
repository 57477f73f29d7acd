"""ChestX-ray14 identity of images that other sources re-released (RSNA Pneumonia, SIIM-ACR are NIH images).

Where a mapping from a source's image id to the NIH file name is known (RSNA's
`pneumonia-challenge-dataset-mappings_2018.json`: `subset_img_id` -> `img_id`), a row takes the NIH patient as its
patient key and, given NIH's `train_val_list.txt` / `test_list.txt`, NIH's official split, so the same patient
never lands in train through one source and test through another. Images without a known mapping are caught at
the end of a build by the pixel-hash leakage check (`build/splits.py`).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.sources.base import Source, SourceOptions
from mgll_data.sources.tables import read_table

NIH_SPLIT_LISTS = {"train_val_list.txt": "train", "test_list.txt": "test"}
NIH_NAME = ["img_id", "Image Index"]


def nih_patient(image_name: str) -> str:
    """The NIH patient of `00000003_001.png`: the unpadded number before the follow-up index."""
    head = posixpath.basename(image_name).split("_", 1)[0]
    return str(int(head)) if head.isdigit() else head


def read_split_lists(paths: Sequence[Path]) -> dict[str, str]:
    """NIH image name -> official split, from train_val_list.txt / test_list.txt (one name per line)."""
    splits: dict[str, str] = {}
    for path in paths:
        split = NIH_SPLIT_LISTS.get(path.name.casefold())
        if split is None:
            raise LayoutError("nih_cxr14", path, f"an NIH split list named {' or '.join(NIH_SPLIT_LISTS)}")
        try:
            names = path.read_text(encoding="utf-8-sig").split()
        except (OSError, UnicodeDecodeError) as error:
            raise LayoutError("nih_cxr14", path, f"a UTF-8 list of image names, one per line ({error})") from None
        splits.update((name, split) for name in names)
    return splits


def read_nih_mapping(path: Path, source: str, id_names: Sequence[str]) -> dict[str, str]:
    """Source image id -> NIH image name, from a JSON list of objects or a CSV; `id_names` are the id's spellings."""
    if path.suffix.casefold() == ".json":
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            key = next(n for n in id_names if entries and n in entries[0])
            value = next(n for n in NIH_NAME if n in entries[0])
            return {str(e[key]): Path(str(e[value])).name for e in entries if e.get(key) and e.get(value)}
        except (OSError, ValueError, StopIteration, TypeError, KeyError, AttributeError) as error:
            raise LayoutError(source, path, f"a JSON list of {{{id_names[0]}, img_id}} objects ({error})") from None
    table = read_table(path, source=source, required={"id": list(id_names), "nih": NIH_NAME})
    return {row["id"]: Path(row["nih"]).name for _, row in table.rows() if row["id"] and row["nih"]}


class NihLinkOptions(SourceOptions):
    """Options of an adapter whose images are ChestX-ray14 images (RSNA Pneumonia, SIIM-ACR)."""

    nih_mapping: str | None = Field(
        None,
        description="file mapping this source's image ids to NIH file names (RSNA: "
        "pneumonia-challenge-dataset-mappings_2018.json); mapped rows take the NIH patient",
    )
    nih_split_lists: list[str] = Field(
        default_factory=list,
        description="NIH train_val_list.txt / test_list.txt (absolute, or relative to the root): mapped rows take "
        "NIH's official split",
    )


@dataclass
class NihLink:
    """What a source knows about the NIH identity of its images."""

    mapping: dict[str, str] = field(default_factory=dict)
    splits: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, source: Source, options: NihLinkOptions, id_names: Sequence[str]) -> NihLink:
        def resolve(listed: str) -> Path:
            path = Path(listed) if Path(listed).is_absolute() else source.files.find(listed)
            if path is None or not path.is_file():
                raise LayoutError(source.name, source.root / listed, "the file named in the NIH link options")
            return path

        mapping = read_nih_mapping(resolve(options.nih_mapping), source.name, id_names) if options.nih_mapping else {}
        return cls(mapping, read_split_lists([resolve(p) for p in options.nih_split_lists]))

    def apply(self, native_id: str, fields: dict) -> dict:
        """Record fields with the NIH patient, NIH split and origin filled in when `native_id` is mapped."""
        name = self.mapping.get(native_id)
        if name is None:
            return fields
        attributes = {**fields.get("attributes", {}), "dataset_origin": f"nih_cxr14:{name}"}
        return {**fields, "patient_id": nih_patient(name), "split": self.splits.get(name), "attributes": attributes}
