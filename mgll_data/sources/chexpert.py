"""CheXpert v1.0 (Stanford AIMI): 224,316 chest radiographs with 14 labeller-mined observations.

Reads `train.csv` / `valid.csv` in all three download shapes (chexpert.yaml) and the 500-study test labels
(`groundtruth.csv`, one row per study, broadcast to every image of the study). A cell of 1 / -1 / 0 / blank is
positive / uncertain / negative / not stated; `No Finding` is only ever positive. The view comes from the
`Frontal/Lateral` column and, for frontals, `AP/PA`; test images have no columns, so the file name's
`_frontal` / `_lateral` suffix decides, never the `viewN` index (view2 can be frontal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import Table, read_table


def spec() -> dict:
    return layout_spec("chexpert")


def tail(path: str | PurePosixPath, parts: int) -> tuple[str, ...]:
    """The last `parts` components of a path, case-folded: the key shared by every download shape."""
    return tuple(p.casefold() for p in PurePosixPath(str(path).replace("\\", "/")).parts[-parts:])


def label_fields(row: dict[str, str]) -> LabelSet:
    """Label states of a row; ValueError(column, value) when a cell is not 1 / 0 / -1 / blank."""
    labels = LabelSet()
    for column in spec()["labels"]:
        state = spec()["values"].get(row[column])
        if state is not None:
            labels.add("chexpert", column, state)
        elif row[column]:
            raise ValueError(column, row[column])
    return labels


class ChexpertSource(Source):
    name = "chexpert"
    modality = "cxr"
    layout = (
        "ROOT/CheXpert-v1.0-small/ or ROOT/CheXpert-v1.0/ (train.csv, valid.csv, train/, valid/), or the AIMI "
        "download (train.csv, valid.csv, valid/, 'CheXpert-v1.0 batch N (train M)/patientNNNNN/...'); optional "
        "test labels groundtruth.csv (Study column) with test/patientNNNNN/study1/*.jpg"
    )
    version = "1.0"
    has_official_split = True

    def table_names(self) -> dict[str, list[str]]:
        """Official split -> label-table file names (first found wins)."""
        return spec()["tables"]

    def find_layout(self) -> None:
        self.tables: list[tuple[str, Path]] = []
        for split, names in self.table_names().items():
            found = next((p for name in names if (p := self.files.find_name(name))), None)
            if found is not None:
                self.tables.append((split, found))
        if not self.tables:
            raise LayoutError(self.name, self.root, self.layout)

    def image_index(self) -> tuple[dict[tuple[str, ...], Path], dict[tuple[str, ...], list[Path]]]:
        """(patient, study, file) -> image and (patient, study) -> its images, over every image under the root."""
        images, studies = {}, defaultdict(list)
        for path in self.files.files_under(self.root, tuple(spec()["image_suffixes"])):
            key = tail(path.relative_to(self.root).as_posix(), 3)
            images.setdefault(key, path)
            studies[key[:2]].append(path)
        return images, studies

    def read(self, path: Path) -> Table:
        return read_table(path, source=self.name, required=spec()["labels"], optional=spec()["columns"])

    def records(self) -> Iterator[RawRecord | Reject]:
        images, studies = self.image_index()
        for split, table_file in self.tables:
            table = self.read(table_file)
            for entry, row in table.rows():
                if row["path"]:
                    path = images.get(tail(row["path"], 3))
                    found = [path] if path is not None else []
                elif row["study"]:
                    found = studies.get(tail(row["study"], 2), [])
                else:
                    yield self.reject(entry, "source", "no_path", "neither Path nor Study is filled")
                    continue
                if not found:
                    yield self.image_at(None, row["path"] or row["study"], entry)
                    continue
                try:
                    labels = label_fields(row)
                except ValueError as error:
                    yield self.unmapped_label(row["path"] or row["study"], entry, error.args)
                    continue
                for image in found:
                    checked = self.image_at(image, image, entry)
                    yield checked if isinstance(checked, Reject) else self.image_record(
                        image, row, labels, split, table_file, entry
                    )

    def image_record(
        self, image: Path, row: dict[str, str], labels: LabelSet, split: str, table: Path, entry: str
    ) -> RawRecord:
        patient, study, view_file = tail(image.relative_to(self.root).as_posix(), 3)
        if row["frontal_lateral"]:
            lateral = row["frontal_lateral"] == spec()["lateral"]
            view = "LATERAL" if lateral else spec()["views"].get(row["ap_pa"].upper())
        else:
            view = "LATERAL" if Path(view_file).stem.endswith("_lateral") else None
        age = float(row["age"]) if row["age"].replace(".", "", 1).isdigit() and float(row["age"]) > 0 else None
        attributes = {"age": age, "sex": spec()["sexes"].get(row["sex"])}
        return self.record(
            f"{patient}/{study}/{Path(view_file).stem}",
            image,
            patient,
            study_id=f"{patient}/{study}",
            split=split,
            view=view,
            **labels.as_fields(),
            attributes={k: v for k, v in attributes.items() if v is not None},
            source_file=table.name,
            source_entry=entry,
        )
