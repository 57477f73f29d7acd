"""MIMIC-CXR-JPG 2.0.0 / 2.1.0 (PhysioNet, credentialed): JPG conversions of MIMIC-CXR with study labels.

`mimic-cxr-2.0.0-metadata.csv.gz` lists every image (dicom_id, subject_id, study_id, ViewPosition, ...) at
`files/pXX/pSUBJECT/sSTUDY/DICOM.jpg`; `-split.csv.gz` gives the official train / validate / test split;
`-chexpert.csv.gz` or `-negbio.csv.gz` label each study (14 columns in alphabetical order, read by name; 1 / 0 /
-1 / blank), and 2.1.0 adds a radiologist's labels for part of the test set (`mimic-cxr-2.1.0-test-set-labeled.csv`,
study_id only). 2.1.0 keeps the 2.0.0 CSV names. The release has no reports: the option `reports_root` names the
MIMIC-CXR folder whose reports (extracted or zipped) give the text and, for studies without dataset labels or with
`labels: report`, the labels.
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
    study_folder,
)
from mgll_data.sources.tables import read_table

METADATA_COLUMNS = {
    "dicom_id": [],
    "subject_id": [],
    "study_id": [],
    "ViewPosition": [],
}
OPTIONAL_METADATA = {"ViewCodeSequence_CodeMeaning": []}


class MimicCxrJpgSource(Source):
    name = "mimic_cxr_jpg"
    modality = "cxr"
    layout = (
        "ROOT (mimic-cxr-jpg/2.x.0/)/mimic-cxr-2.0.0-metadata.csv.gz + mimic-cxr-2.0.0-split.csv.gz + "
        "mimic-cxr-2.0.0-chexpert.csv.gz / -negbio.csv.gz + files/pXX/pSUBJECT/sSTUDY/<dicom_id>.jpg; 2.1.0 adds "
        "IMAGE_FILENAMES and mimic-cxr-2.1.0-test-set-labeled.csv. Options: reports_root (MIMIC-CXR folder with "
        "files/pXX/pSUBJECT/sSTUDY.txt or mimic-cxr-reports.zip), labels, test_set_labels."
    )
    version = "2.0.0"
    has_official_split = True

    class Options(SourceOptions):
        reports_root: str | None = Field(
            None, description="MIMIC-CXR folder holding the reports (files/.../sSTUDY.txt or mimic-cxr-reports.zip)"
        )
        labels: Literal["chexpert", "negbio", "report"] = Field(
            "chexpert", description="study labels: the CheXpert or NegBio CSV, or report (label the report text)"
        )
        test_set_labels: bool = Field(
            True, description="use 2.1.0's radiologist test-set labels for the studies it covers"
        )

    def find_layout(self) -> None:
        spec = layout_spec()
        self.metadata = first_file(self.root, spec["metadata"])
        if self.metadata is None or not (self.root / spec["files_folder"]).is_dir():
            raise LayoutError(self.name, self.root, self.layout)
        labels = None if self.options.labels == "report" else self.options.labels
        self.tables = JpgTables(self.root, self.name, labels, self.options.test_set_labels)
        self.version = detect_version(self.root, spec["v2_1_markers"])
        self.reports: ReportTree | None = None
        if self.options.reports_root:
            reports_root = self.option_path(self.options.reports_root)
            if not reports_root.is_dir():
                raise LayoutError(self.name, reports_root, "the MIMIC-CXR folder named by the option reports_root")
            self.reports = ReportTree(reports_root, self.name)
            if not self.reports.available():
                raise LayoutError(
                    self.name, reports_root, "MIMIC-CXR reports: files/pXX/pSUBJECT/sSTUDY.txt or mimic-cxr-reports.zip"
                )
        elif self.options.labels == "report":
            raise LayoutError(self.name, self.root, "labels: report needs the option reports_root (MIMIC-CXR reports)")

    def records(self) -> Iterator[RawRecord | Reject]:
        spec = layout_spec()
        splits = self.tables.splits()
        studies = StudyRows(self.tables.labels, self.reports, self.planning_map)
        for (entry, row, listed, problem), fields in studies.annotate(self._listed()):
            if problem:
                yield self.reject(listed, "source", problem.reason, entry)
                continue
            if isinstance(fields, tuple):
                stage, reason, detail, unmapped = fields
                for pair in unmapped:
                    self.note_unmapped(*pair)
                yield self.reject(listed, stage, reason, f"{entry}: {detail}")
                continue
            label_entry = fields.pop("label_entry", None)
            view = spec["view_positions"].get(row["ViewPosition"].upper())
            yield self.record(
                row["dicom_id"],
                self.root / listed,
                row["subject_id"],
                study_id=row["study_id"],
                split=splits.get(row["dicom_id"]),
                view=view or spec["view_codes"].get(row["ViewCodeSequence_CodeMeaning"].casefold()),
                source_file=self.metadata.name,
                source_entry=f"{entry}; {label_entry}" if label_entry else entry,
                **fields,
            )

    def _listed(self) -> Iterator[tuple[tuple[str, str] | None, tuple[str, dict[str, str], str, Reject | None]]]:
        """Each metadata row with its image checked: ((study, report file) or None when the image is rejected,
        (entry, row, listed image, the image's reject))."""
        table = read_table(self.metadata, source=self.name, required=METADATA_COLUMNS, optional=OPTIONAL_METADATA)
        for entry, row in table.rows():
            folder = study_folder(row["subject_id"], row["study_id"])
            listed = f"{folder}/{row['dicom_id']}.jpg"
            problem = self.check_image_file(self.root / listed)
            yield (None if problem else (row["study_id"], f"{folder}.txt")), (entry, row, listed, problem)
