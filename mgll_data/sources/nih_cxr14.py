"""NIH ChestX-ray14 (NIH Clinical Center): 112,120 frontal PNGs of 30,805 patients, 14 NLP-mined findings.

Read as downloaded from Box (`images_001.tar.gz` ... extracted into one `images/` folder) or from the Kaggle
mirror (`images_001/images/*.png` ... `images_012/images/`): images are found by file name anywhere under the
root. `Data_Entry_2017_v2020.csv` (or the older `Data_Entry_2017.csv` with its trailing comma) is read by
position (nih_cxr14.yaml says why). `train_val_list.txt` / `test_list.txt` give the official split; the box
table's boxes (1024-px frame, `Infiltrate` spelling) become `boxes` attributes; the Google 2019 relabels, when
the recipe names them, replace their four findings on the images they cover.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.nih_identity import NIH_SPLIT_LISTS, nih_patient, read_split_lists
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

_DIGITS = re.compile(r"\d+")


def spec() -> dict:
    return layout_spec("nih_cxr14")


def parse_age(text: str) -> float | None:
    """Age in years from `58`, `058Y` or blank; impossible ages (over `max_age`) are unknown."""
    found = _DIGITS.search(text)
    age = float(found.group()) if found else None
    return age if age is not None and age <= spec()["max_age"] else None


def read_positional(path: Path, source: str, positions: list[str], header_first: str):
    """A table read by field position, its header line checked and skipped."""
    table = read_table(path, source=source, header=False, names=positions, required=positions, sep=",")
    if not len(table) or table.frame.iloc[0, 0] != header_first:
        raise LayoutError(source, path, f"a table whose header starts with {header_first!r}")
    return table, islice(table.rows(), 1, None)


class NihCxr14Source(Source):
    name = "nih_cxr14"
    modality = "cxr"
    layout = (
        "ROOT/Data_Entry_2017_v2020.csv (or Data_Entry_2017.csv) + ROOT/images/*.png (Box) or "
        "ROOT/images_001/images/*.png ... images_012/images/ (Kaggle); optional BBox_List_2017.csv, "
        "train_val_list.txt, test_list.txt"
    )
    version = "2017 (Data_Entry v2020)"
    has_official_split = True

    class Options(SourceOptions):
        relabels: list[str] = Field(
            default_factory=list,
            description=(
                "Google 2019 relabel CSVs (relative to the root: google2019_nih-chest-xray-labels.csv[.gz] or "
                "validation_labels.csv / test_labels.csv); they replace Fracture, Pneumothorax, Airspace opacity "
                "and Nodule or mass on the images they cover"
            ),
        )

    def find_layout(self) -> None:
        self.label_table = next((p for t in spec()["label_tables"] if (p := self.files.find_name(t))), None)
        if self.label_table is None:
            raise LayoutError(self.name, self.root, self.layout)
        self.relabel_files = []
        for listed in self.options.relabels:
            found = self.files.find(listed)
            if found is None:
                raise LayoutError(self.name, self.root / listed, "the Google relabel CSV named in options.relabels")
            self.relabel_files.append(found)

    def official_splits(self) -> dict[str, str]:
        return read_split_lists([p for name in NIH_SPLIT_LISTS if (p := self.files.find_name(name))])

    def boxes(self) -> dict[str, list[dict]]:
        """Image name -> boxes (label as ontology id, corners in the original 1024-px frame)."""
        found = self.files.find_name(spec()["boxes_table"])
        if found is None:
            return {}
        _, rows = read_positional(found, self.name, spec()["box_positions"], spec()["label_header_first"])
        boxes: dict[str, list[dict]] = {}
        for entry, row in rows:
            try:
                finding = LabelSet()
                finding.add("chestxray14", spec()["box_label_spellings"].get(row["label"], row["label"]))
                x, y, w, h = (float(row[k]) for k in ("x", "y", "w", "h"))
            except (UnmappedLabel, ValueError) as error:
                raise LayoutError(self.name, found, f"box rows `image,label,x,y,w,h` ({entry}: {error})") from None
            for label in finding.positive:
                boxes.setdefault(row["image"], []).append({"label": label, "x0": x, "y0": y, "x1": x + w, "y1": y + h})
        return boxes

    def relabels(self) -> dict[str, dict[str, str]]:
        """Image name -> {relabel column: YES/NO}, later files winning."""
        columns = {"image": spec()["relabel_columns"]["image"]} | {c: [c] for c in spec()["relabels"]}
        found: dict[str, dict[str, str]] = {}
        for path in self.relabel_files:
            for _, row in read_table(path, source=self.name, required=columns).rows():
                found[row.pop("image")] = row
        return found

    def records(self) -> Iterator[RawRecord | Reject]:
        positions, first = spec()["label_positions"], spec()["label_header_first"]
        table, rows = read_positional(self.label_table, self.name, positions, first)
        splits, boxes, relabels = self.official_splits(), self.boxes(), self.relabels()
        separator, sexes = spec()["label_separator"], spec()["sexes"]
        for entry, row in rows:
            path = self.image_at(self.files.find_name(row["image"]), f"images/{row['image']}", entry)
            if isinstance(path, Reject):
                yield path
                continue
            labels = LabelSet()
            try:
                for token in filter(None, (t.strip() for t in row["labels"].split(separator))):
                    labels.add("chestxray14", token)
            except UnmappedLabel as error:
                yield self.unmapped_label(path, entry, (error.vocab, error.label))
                continue
            attributes: dict = {"age": parse_age(row["age"]), "sex": sexes.get(row["sex"].upper())}
            if row["image"] in relabels:
                self.apply_relabel(labels, relabels[row["image"]])
                attributes["label_origin"] = "google2019_relabel"
            if row["image"] in boxes:
                attributes["boxes"] = boxes[row["image"]]
            yield self.record(
                posixpath.splitext(posixpath.basename(row["image"]))[0],
                path,
                nih_patient(row["patient"]),
                split=splits.get(row["image"]),
                view=row["view"].upper() or None,
                **labels.as_fields(),
                attributes={k: v for k, v in attributes.items() if v is not None},
                source_file=table.file.name,
                source_entry=entry,
            )

    @staticmethod
    def apply_relabel(labels: LabelSet, values: dict[str, str]) -> None:
        """Replace the NIH states of each relabel column's findings with the adjudicated YES / NO."""
        for column, replaced in spec()["relabels"].items():
            state = spec()["relabel_values"].get(values[column].upper())
            if state is None:
                continue
            for finding in replaced:
                for bucket in (labels.positive, labels.uncertain, labels.negative):
                    bucket.pop(finding, None)
            labels.add("nih_google2019", column, state)
            if state == "positive":
                labels.positive.pop("normal", None)
