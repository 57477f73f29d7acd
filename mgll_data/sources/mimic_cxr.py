"""MIMIC-CXR 2.0.0 / 2.1.0 (PhysioNet, credentialed): DICOM images and one free-text report per study.

`cxr-record-list.csv.gz` lists every DICOM (`subject_id,study_id,dicom_id,path`, path `files/pXX/pSUBJECT/sSTUDY/
DICOM.dcm`); `cxr-study-list.csv.gz` names each study's report (`files/pXX/pSUBJECT/sSTUDY.txt`, beside the study
folder), read extracted or from `mimic-cxr-reports.zip`. The release has no labels and no split: with the option
`jpg_root` (a MIMIC-CXR-JPG download) the official split and, with `labels: chexpert|negbio`, the study labels
come from there. Paths are taken from the lists as written (no tree walk: 600,000 files).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions
from mgll_data.sources.mimic_files import (
    JpgTables,
    ReportTree,
    StudyRows,
    detect_version,
    first_file,
    layout_spec,
)
from mgll_data.sources.tables import read_table


class MimicCxrSource(Source):
    name = "mimic_cxr"
    modality = "cxr"
    layout = (
        "ROOT (mimic-cxr/2.x.0/)/cxr-record-list.csv.gz (subject_id,study_id,dicom_id,path) + "
        "cxr-study-list.csv.gz (subject_id,study_id,path) + files/pXX/pSUBJECT/sSTUDY/<dicom_id>.dcm + reports "
        "files/pXX/pSUBJECT/sSTUDY.txt (extracted) or mimic-cxr-reports.zip; 2.1.0 adds cxr-provider-list.csv.gz. "
        "Options: jpg_root (MIMIC-CXR-JPG folder: official split, labels), labels, test_set_labels."
    )
    version = "2.0.0"
    has_official_split = False  # only through jpg_root

    class Options(SourceOptions):
        jpg_root: str | None = Field(
            None, description="MIMIC-CXR-JPG folder (relative to the root or absolute) giving the official split"
        )
        labels: Literal["report", "chexpert", "negbio"] = Field(
            "report", description="report: label the report; chexpert / negbio: MIMIC-CXR-JPG's study CSV (jpg_root)"
        )
        test_set_labels: bool = Field(
            True, description="use MIMIC-CXR-JPG 2.1.0's radiologist test-set labels for the studies it covers"
        )

    def find_layout(self) -> None:
        spec = layout_spec()
        self.record_list = first_file(self.root, spec["record_list"])
        if self.record_list is None or not (self.root / spec["files_folder"]).is_dir():
            raise LayoutError(self.name, self.root, self.layout)
        self.study_list = first_file(self.root, spec["study_list"])
        self.reports = ReportTree(self.root, self.name)
        self.version = detect_version(self.root, spec["provider_list"])
        self.jpg: JpgTables | None = None
        if self.options.jpg_root:
            jpg_root = self.option_path(self.options.jpg_root)
            if not jpg_root.is_dir():
                raise LayoutError(self.name, jpg_root, "the MIMIC-CXR-JPG folder named by the option jpg_root")
            labels = None if self.options.labels == "report" else self.options.labels
            self.jpg = JpgTables(jpg_root, self.name, labels, self.options.test_set_labels)
        elif self.options.labels != "report":
            raise LayoutError(self.name, self.root, f"labels: {self.options.labels} needs the option jpg_root")

    def _report_paths(self) -> dict[str, str]:
        """study_id -> report path as the study list writes it (empty without the list: paths are derived)."""
        if self.study_list is None:
            return {}
        table = read_table(self.study_list, source=self.name, required=["subject_id", "study_id", "path"])
        return dict(zip(table.frame["study_id"], table.frame["path"], strict=True))

    def records(self) -> Iterator[RawRecord | Reject]:
        splits = self.jpg.splits() if self.jpg else {}
        studies = StudyRows(self.jpg.labels if self.jpg else {}, self.reports, self.planning_map)
        for (entry, row, problem), fields in studies.annotate(self._listed()):
            if problem is not None:
                yield problem
                continue
            if isinstance(fields, tuple):
                stage, reason, detail, unmapped = fields
                for pair in unmapped:
                    self.note_unmapped(*pair)
                yield self.reject(row["path"], stage, reason, f"{entry}: {detail}")
                continue
            label_entry = fields.pop("label_entry", None)
            yield self.record(
                row["dicom_id"],
                self.root / row["path"],
                row["subject_id"],
                study_id=row["study_id"],
                split=splits.get(row["dicom_id"]),
                source_file=self.record_list.name,
                source_entry=f"{entry}; {label_entry}" if label_entry else entry,
                **fields,
            )

    def _listed(self) -> Iterator[tuple[tuple[str, str] | None, tuple[str, dict[str, str], Reject | None]]]:
        """Each record-list row with its DICOM checked: ((study, report file) or None when the image is rejected,
        (entry, row, the image's reject))."""
        report_paths = self._report_paths()
        table = read_table(self.record_list, source=self.name, required=["subject_id", "study_id", "dicom_id", "path"])
        fallback = layout_spec()["dicom_fallback_suffix"]
        for entry, row in table.rows():
            path = self.root / row["path"]
            if not path.is_file() and path.with_name(path.name + fallback).is_file():
                found = self.image_at(None, row["path"], f"{entry}: only {path.name}{fallback}; gunzip it")
            else:
                found = self.image_at(path, row["path"], entry)
                if isinstance(found, Reject):
                    found = self.reject(row["path"], "source", found.reason, entry)
            problem = found if isinstance(found, Reject) else None
            study = row["study_id"]
            report = report_paths.get(study) or f"{row['path'].rsplit('/', 1)[0]}.txt"
            yield (None if problem else (study, report)), (entry, row, problem)
