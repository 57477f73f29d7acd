"""Planning cost of the MIMIC-CXR-JPG adapter: `records()` against the bare minimum over the same synthetic tree.

The planner reads every adapter in one process, so for MIMIC (377,110 images, 227,835 reports) the per-image cost
of `records()` decides how long a build waits before its first shard. Baseline, timed in the same run: read the
metadata table and stat each listed image (what any adapter must do). Also timed: sectioning every report alone.
Prints seconds, images per second and the ratios to the baseline.

    .venv/bin/python bench/mimic_planning.py --studies 5000
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import tempfile
import time
import zipfile
from pathlib import Path

from mgll_data.sources.mimic_cxr_jpg import MimicCxrJpgSource
from mgll_data.sources.mimic_files import ReportTree, layout_spec, report_sections, study_folder
from mgll_data.sources.tables import read_table

IMAGES_PER_STUDY = 2
REPORT = (
    "                                 FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n \n INDICATION:  Cough.\n \n"
    " COMPARISON:  None.\n \n FINDINGS:\n \n The lungs are clear.  No pleural effusion or pneumothorax.\n"
    " Heart size is normal.\n \n IMPRESSION:\n \n No acute cardiopulmonary process.\n"
)


def _csv_gz(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return gzip.compress(text.getvalue().encode())


def make_tree(base: Path, studies: int) -> tuple[Path, Path]:
    """MIMIC-CXR-JPG CSVs and one-byte images, and a reports zip, for `studies` studies."""
    jpg, reports = base / "mimic-cxr-jpg" / "2.0.0", base / "mimic-cxr" / "2.0.0"
    reports.mkdir(parents=True)
    labels = list(layout_spec()["label_columns"])
    metadata, split, chexpert = [], [], []
    with zipfile.ZipFile(reports / "mimic-cxr-reports.zip", "w") as archive:
        for i in range(studies):
            subject, study = f"1{i // 3:07d}", f"5{i:07d}"
            folder = jpg / study_folder(subject, study)
            folder.mkdir(parents=True)
            archive.writestr(f"{study_folder(subject, study)}.txt", REPORT)
            chexpert.append([subject, study] + ["1.0" if k == i % len(labels) else "" for k in range(len(labels))])
            for k in range(IMAGES_PER_STUDY):
                dicom = f"{i:08x}-{k:08x}-00000000-00000000-00000000"
                (folder / f"{dicom}.jpg").write_bytes(b"x")
                metadata.append([dicom, subject, study, "PA", "postero-anterior"])
                split.append([dicom, study, subject, "train"])
    header = ["dicom_id", "subject_id", "study_id", "ViewPosition", "ViewCodeSequence_CodeMeaning"]
    (jpg / "mimic-cxr-2.0.0-metadata.csv.gz").write_bytes(_csv_gz(header, metadata))
    (jpg / "mimic-cxr-2.0.0-split.csv.gz").write_bytes(_csv_gz(["dicom_id", "study_id", "subject_id", "split"], split))
    (jpg / "mimic-cxr-2.0.0-chexpert.csv.gz").write_bytes(_csv_gz(["subject_id", "study_id", *labels], chexpert))
    return jpg, reports


def baseline(jpg: Path) -> int:
    required = ["dicom_id", "subject_id", "study_id"]
    table = read_table(jpg / "mimic-cxr-2.0.0-metadata.csv.gz", source="bench", required=required)
    found = 0
    for _, row in table.rows():
        found += (jpg / f"{study_folder(row['subject_id'], row['study_id'])}/{row['dicom_id']}.jpg").is_file()
    return found


def sectioning(reports: Path, studies: int) -> int:
    tree = ReportTree(reports, "bench")
    names = sorted(tree.members)[:studies]
    return sum(len(report_sections(tree.read(name) or "")) > 0 for name in names)


def timed(label: str, call, images: int) -> float:
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:8.2f} s  {images / seconds:9.0f} images/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        jpg, reports = make_tree(Path(folder), args.studies)
        images = args.studies * IMAGES_PER_STUDY
        base = timed("baseline (table + stat per image)", lambda: baseline(jpg), images)
        adapter = timed("records() labels+reports", lambda: sum(1 for _ in MimicCxrJpgSource(
            jpg, reports_root=str(reports)).records()), images)  # fmt: skip
        reports_only = timed("sectioning the reports alone", lambda: sectioning(reports, args.studies), images)
    print(f"records() / baseline = {adapter / base:.1f}x; sectioning is {reports_only / adapter:.0%} of records()")


if __name__ == "__main__":
    main()
