"""RSNA Pneumonia Detection Challenge (Kaggle 2018): 26,684 labelled DICOMs (stage 2), a subset of ChestX-ray14.

`stage_2_train_labels.csv` has one row per box, so rows are grouped by `patientId` (one image each) in file
order: Target 1 rows carry the boxes (x, y, width, height in the 1024-px DICOM frame, kept as `boxes`), the
detailed class (Lung Opacity / No Lung Opacity / Not Normal / Normal) is the finding. The official test images
have no published labels: they are listed unlabelled in the `test` split. Stage 1 layouts read the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.nih_identity import NihLink, NihLinkOptions
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table


def spec() -> dict:
    return layout_spec("rsna_pneumonia")


def box(row: dict[str, str]) -> dict[str, float | str]:
    """A Target-1 row's box as corners (ValueError when a coordinate is not a number)."""
    x, y, w, h = (float(row[k]) for k in ("x", "y", "width", "height"))
    return {"label": "lung_opacity", "x0": x, "y0": y, "x1": x + w, "y1": y + h}


class RsnaPneumoniaSource(Source):
    name = "rsna_pneumonia"
    modality = "cxr"
    layout = (
        "ROOT/stage_2_train_labels.csv (patientId,x,y,width,height,Target) + stage_2_detailed_class_info.csv + "
        "stage_2_train_images/<patientId>.dcm, optional stage_2_test_images/ (stage_1_* names for stage 1)"
    )
    version = "stage 2"
    has_official_split = True
    Options = NihLinkOptions

    def find_layout(self) -> None:
        for stage in spec()["stages"]:
            labels = self.files.find_name(stage["labels"])
            if labels is not None:
                self.stage, self.labels_file = stage, labels
                self.classes_file = self.files.find_name(stage["classes"])
                self.nih = NihLink.load(self, self.options, spec()["nih_id_names"])
                return
        raise LayoutError(self.name, self.root, self.layout)

    def classes(self) -> dict[str, str]:
        if self.classes_file is None:
            return {}
        table = read_table(self.classes_file, source=self.name, required=spec()["class_columns"])
        return {row["id"]: row["class"] for _, row in table.rows()}

    def records(self) -> Iterator[RawRecord | Reject]:
        table = read_table(self.labels_file, source=self.name, required=spec()["label_columns"])
        grouped: dict[str, list[tuple[str, dict[str, str]]]] = {}
        for entry, row in table.rows():
            grouped.setdefault(row["id"], []).append((entry, row))
        classes = self.classes()
        train = self.stage["train_images"]
        for patient, rows in grouped.items():
            entry = rows[0][0]
            path = self.locate_image(f"{patient}{spec()['image_suffix']}", under=train)
            if isinstance(path, Reject):
                yield dataclasses.replace(path, detail=entry)
                continue
            try:
                boxes = [box(row) for _, row in rows if row["target"] == "1"]
            except ValueError as error:
                yield self.reject(path, "label", "bad_annotation_value", f"{entry}: box {error}")
                continue
            label = classes.get(patient) or spec()["target_classes"].get("1" if boxes else rows[0][1]["target"], "")
            labels = LabelSet()
            try:
                labels.add("rsna_pneumonia", label)
            except UnmappedLabel as error:
                yield self.unmapped_label(path, entry, (error.vocab, error.label))
                continue
            fields = {"patient_id": patient, "attributes": {"boxes": boxes} if boxes else {}}
            yield self.record(
                patient,
                path,
                **self.nih.apply(patient, fields),
                **labels.as_fields(),
                source_file=self.labels_file.name,
                source_entry=entry,
            )
        yield from self.test_records(set(grouped))

    def test_records(self, labelled: set[str]) -> Iterator[RawRecord]:
        """The official test images: no labels were ever published, so they carry none."""
        folder = self.files.folder(self.stage["test_images"])
        if folder is None:
            return
        for path in self.files.files_under(folder, (spec()["image_suffix"],)):
            if path.stem not in labelled:
                yield self.record(path.stem, path, path.stem, split="test", source_file=folder.name)
