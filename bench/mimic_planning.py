"""Planning cost of the MIMIC-CXR-JPG adapter on a generated tree of MIMIC's size, serial and on 2 workers.

For MIMIC (377,110 images, 227,835 reports) the planning pass decides how long a build waits before its first
shard; reading and sectioning each study's report is most of it, and runs on the build's workers. Timed in the same
run over the same tree: the baseline (read the metadata table and stat each listed image, what any adapter must
do), sectioning every report alone, and the whole planning pass (`plan_tasks`: records, checks, the split files)
with 1 and with 2 workers: wall seconds and CPU seconds (planner plus its workers).

    .venv/bin/python bench/mimic_planning.py --images 377110 --studies 227835 [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import io
import resource
import tempfile
import time
import zipfile
from pathlib import Path

from mgll_data.engine.plan import plan_tasks
from mgll_data.engine.workdir import WorkDir
from mgll_data.recipe import parse_recipe
from mgll_data.sources.mimic_cxr_jpg import MimicCxrJpgSource
from mgll_data.sources.mimic_files import ReportTree, layout_spec, report_sections, study_folder
from mgll_data.sources.tables import read_table

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


def make_tree(base: Path, studies: int, images: int) -> tuple[Path, Path]:
    """MIMIC-CXR-JPG CSVs and `images` one-byte images over `studies` studies, and their reports zip."""
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
            for k in range(images * (i + 1) // studies - images * i // studies):
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


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its ended children (the planning pool's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def timed(label: str, call, images: int) -> tuple[float, float]:
    """Wall and CPU seconds of `call()`; printed with the planner's and its workers' shares of the CPU."""
    start, (own, workers) = time.perf_counter(), cpu_seconds()
    call()
    seconds, (own_after, workers_after) = time.perf_counter() - start, cpu_seconds()
    own, workers = own_after - own, workers_after - workers
    print(
        f"{label:<38} {seconds:8.2f} s wall {own + workers:8.2f} s CPU (planner {own:.2f}, workers {workers:.2f}) "
        f"{images / seconds:9.0f} images/s",
        flush=True,
    )
    return seconds, own + workers


def planning(base: Path, jpg: Path, reports: Path, workers: int) -> int:
    """One planning pass over the tree as a build with `workers` runs it; the number of planned rows."""
    recipe = parse_recipe({"name": f"plan{workers}", "output": {"dir": str(base / f"out{workers}")}, "sources": [
        {"name": "mimic_cxr_jpg", "root": str(jpg), "options": {"reports_root": str(reports)}}]}, base)  # fmt: skip
    work = WorkDir(base / f"out{workers}")
    work.tasks.mkdir(parents=True)
    source = MimicCxrJpgSource(jpg, reports_root=str(reports))
    tasks = plan_tasks([(recipe.sources[0], source)], recipe, work, "bench", workers=workers, planning_workers=workers)
    return sum(task.rows for task in tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=377_110)
    parser.add_argument("--studies", type=int, default=227_835)
    parser.add_argument("--workdir", type=Path, help="generate here instead of a temporary folder")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="planning passes to time (default 1 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        started = time.perf_counter()
        jpg, reports = make_tree(Path(folder), args.studies, args.images)
        print(f"{args.images:,} images, {args.studies:,} reports generated in {time.perf_counter() - started:.0f} s")
        base = timed("baseline (table + stat per image)", lambda: baseline(jpg), args.images)
        alone = timed("reading + sectioning the reports alone", lambda: sectioning(reports, args.studies), args.images)
        runs = {}
        for workers in args.workers:
            call = functools.partial(planning, Path(folder), jpg, reports, workers)
            runs[workers] = timed(f"planning, {workers} worker(s)", call, args.images)
    ratios = ", ".join(f"{runs[w][0] / base[0]:.1f}x ({w} worker{'s' * (w > 1)})" for w in runs)
    print(f"planning / baseline = {ratios}")
    if 1 in runs and 2 in runs:
        print(f"wall 1 -> 2 workers {runs[1][0] / runs[2][0]:.2f}x; reports alone are {alone[1] / runs[1][1]:.0%} of "
              "the 1-worker CPU")


if __name__ == "__main__":
    main()
