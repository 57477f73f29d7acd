"""What the MIMIC-CXR, MIMIC-CXR-JPG and CheXpert Plus adapters share.

The layout facts (`mimic.yaml`), study reports read from a MIMIC-CXR reports tree or zip, the CheXpert-convention
label cells of the MIMIC-CXR-JPG CSVs and of CheXbert, and the rule that picks a row's label origin: the dataset's
own labels when the recipe chose them and the study has some, else the report (labelled by the build's workers).

Large tables are held as compact tuples of shared strings (a state per labelled column), because MIMIC lists
227,835 studies and 377,110 images and the planner keeps these maps for a whole pass.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

from mgll_data.config_io import JsonObject
from mgll_data.errors import LayoutError
from mgll_data.sources import spec
from mgll_data.sources.base import inside_roots, leaves_root
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.pool import PlanningMap
from mgll_data.sources.tables import read_table

# (canonical CheXpert column, state) for each stated column of one study
LabelCells = tuple[tuple[str, str], ...]
P = TypeVar("P")
Sections = dict[str, str]


def layout_spec() -> JsonObject:
    """The MIMIC / CheXpert Plus layout data file (mgll_data/sources/mimic.yaml)."""
    return spec.layout_spec("mimic")


def first_file(folder: Path, names: Iterable[str]) -> Path | None:
    """The first of `names` that is a file in `folder`."""
    return next((folder / name for name in names if (folder / name).is_file()), None)


def study_folder(subject_id: str, study_id: str) -> str:
    """`files/pXX/pSUBJECT/sSTUDY`: the folder of a study's images (its report is that path + `.txt`)."""
    return f"{layout_spec()['files_folder']}/p{subject_id[:2]}/p{subject_id}/s{study_id}"


def detect_version(root: Path, markers: Iterable[str]) -> str:
    """`2.1.0` or `2.0.0`: the root's own folder name when it is a version, else whether 2.1.0-only files exist."""
    name = root.name
    if name.count(".") == 2 and name.replace(".", "").isdigit():
        return name
    return "2.1.0" if first_file(root, markers) else "2.0.0"


class ReportTree:
    """MIMIC-CXR reports, one `files/pXX/pSUBJECT/sSTUDY.txt` per study: extracted beside the study folders, or
    inside `mimic-cxr-reports.zip` (read in place through the zip's member index, never extracted)."""

    def __init__(self, root: Path, source: str):
        spec = layout_spec()
        self.root, self.source = root, source
        self._real_folders: dict[str, str] = {}  # resolved report folders, shared by a subject's studies
        self.folder = root / spec["files_folder"]
        zip_path = root / spec["reports_zip"]
        self.zip: zipfile.ZipFile | None = None
        self.members: dict[str, str] = {}
        if zip_path.is_file():
            try:
                self.zip = zipfile.ZipFile(zip_path)
            except (zipfile.BadZipFile, OSError) as error:
                raise LayoutError(
                    source, zip_path, f"a readable zip of files/pXX/pSUBJECT/sSTUDY.txt ({error})"
                ) from None
            # members may sit under an outer folder (mimic-cxr-reports/files/...): key them by the files/ part
            for name in self.zip.namelist():
                marker = name.find(f"{spec['files_folder']}/p")
                if name.endswith(".txt") and marker >= 0:
                    self.members[name[marker:]] = name
        tar = first_file(root, spec["reports_tar"])
        if tar is not None and not self.available():  # a tar.gz has no index to read one report from: extract it
            raise LayoutError(
                source, tar, f"the reports extracted (tar -xzf {tar.name} inside {root}) or as {spec['reports_zip']}"
            )

    @cached_property
    def _real_root(self) -> str:
        return os.path.realpath(self.root)

    def __reduce__(self) -> tuple[Any, tuple[Path, str]]:
        """A planning worker gets the root and opens the tree itself, once per process (a zip handle and its
        227,835-name index are neither picklable nor worth sending with every chunk)."""
        return _opened_tree, (self.root, self.source)

    def available(self) -> bool:
        """True when any report can be found here (an extracted .txt or the zip)."""
        return bool(self.members) or any(self.folder.glob("p*/p*/s*.txt"))

    def read(self, relative: str) -> str | tuple[str, str] | None:
        """The report at `files/...sSTUDY.txt`; None when neither the folder nor the zip holds it; (reason, detail)
        of a reject when the listed path leaves the root, the report is over `max_report_bytes` (by its declared
        and its counted size, so a zip bomb is never inflated) or a zip member fails its CRC."""
        limit = int(layout_spec()["max_report_bytes"])
        outside = "outside_root", f"{relative}: the report path leaves the source root"
        if leaves_root(relative):
            return outside
        path = self.root / relative
        if path.is_file():  # resolved only when on disk: a zip member is no link
            if not inside_roots(path, [self._real_root], self._real_folders):
                return outside
            if path.stat().st_size > limit:
                return "too_large", f"{relative}: {path.stat().st_size:,} bytes, over max_report_bytes {limit:,}"
            return path.read_text(encoding="utf-8", errors="replace")
        if self.zip is not None and relative in self.members:
            member = self.zip.getinfo(self.members[relative])
            if member.file_size > limit:
                return "too_large", f"{relative}: declares {member.file_size:,} bytes, over max_report_bytes {limit:,}"
            try:
                with self.zip.open(member) as handle:
                    data = handle.read(limit + 1)
                    if len(data) > limit:
                        return "too_large", f"{relative}: inflates past max_report_bytes {limit:,}"
                    handle.read(1)  # reaching the end checks the CRC
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
                return "unreadable_report", f"{relative} in {self.zip.filename}: {error}"
            return data.decode("utf-8", errors="replace")
        return None

    def describe(self) -> str:
        return f"{self.root}/{layout_spec()['reports_zip']}" if self.zip is not None else f"{self.folder}/"


@lru_cache(maxsize=4)
def _opened_tree(root: Path, source: str) -> ReportTree:
    return ReportTree(root, source)


def report_sections(text: str) -> dict[str, str]:
    """The kept sections of a free-text report, split by the shared sectioner."""
    from mgll_data.text import section_report, sections_as_dict

    sections = sections_as_dict(section_report(text))
    return {name: sections[name] for name in layout_spec()["report_sections"] if sections.get(name)}


def label_cells(row: Mapping[str, Any]) -> tuple[LabelCells, list[tuple[str, str]]]:
    """Stated CheXpert-convention cells of a row keyed by canonical column (blank / None = not mentioned), and
    the cells holding a value outside 1 / 0 / -1 (as (column, value)), which the caller rejects."""
    states = layout_spec()["label_states"]
    cells, bad = [], []
    for column in layout_spec()["label_columns"]:
        value = row.get(column)
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        if text in states:
            cells.append((column, states[text]))
        else:
            bad.append((column, text))
    return tuple(cells), bad


def label_set(cells: LabelCells) -> LabelSet:
    labels = LabelSet()
    for column, state in cells:
        labels.add("chexpert", column, state)
    return labels


def label_table_columns() -> dict[str, list[str]]:
    """`read_table` spellings of the 14 label columns."""
    return {column: list(spellings) for column, spellings in layout_spec()["label_columns"].items()}


@dataclass(frozen=True)
class StudyLabels:
    """One study's dataset labels: stated cells, the file and line they came from, unexpected values."""

    cells: LabelCells
    file: str
    entry: str
    bad: tuple[tuple[str, str], ...] = ()


class JpgTables:
    """MIMIC-CXR-JPG's official split (per dicom_id) and study labels (chexpert or negbio CSV, the 2.1.0 test-set
    radiologist labels over them), read once; both MIMIC adapters use them."""

    def __init__(self, root: Path, source: str, labels: str | None, test_set_labels: bool):
        spec = layout_spec()
        self.root, self.source = root, source
        split_file = first_file(root, spec["split"])
        if split_file is None:
            raise LayoutError(source, root, f"MIMIC-CXR-JPG's {spec['split'][0]} in this folder")
        self.split_file = split_file
        self.labels: dict[str, StudyLabels] = {}
        if labels is not None:
            label_file = first_file(root, spec["label_files"][labels])
            if label_file is None:
                raise LayoutError(source, root, f"MIMIC-CXR-JPG's {spec['label_files'][labels][0]} (labels: {labels})")
            self._read_labels(label_file, {"subject_id": [], "study_id": []})
        test_file = first_file(root, spec["test_set_labels"]) if test_set_labels else None
        if test_file is not None:  # a radiologist's labels win over the labeler CSVs for the studies it covers
            self._read_labels(test_file, {"study_id": []})

    def splits(self) -> dict[str, str]:
        """dicom_id -> record split (official values mapped; an unknown value is kept for the planner to reject)."""
        table = read_table(
            self.split_file, source=self.source, required=["dicom_id", "study_id", "subject_id", "split"]
        )
        names = layout_spec()["splits"]
        return {d: names.get(s, s) for d, s in zip(table.frame["dicom_id"], table.frame["split"], strict=True)}

    def _read_labels(self, path: Path, keys: dict[str, list[str]]) -> None:
        table = read_table(path, source=self.source, required={**keys, **label_table_columns()})
        for entry, row in table.rows():
            cells, bad = label_cells(row)
            self.labels[row["study_id"]] = StudyLabels(cells, path.name, entry, tuple(bad))


def study_fields(
    labels: StudyLabels | None, sections: dict[str, str] | None, report_file: str | None
) -> JsonObject | tuple:
    """RawRecord fields of an image from its study's dataset labels and report sections (None: no report found),
    or (stage, reason, detail, unmapped (field, value) pairs) of a reject.

    Dataset labels win when the study has any stated cell (`label_origin` "dataset"); otherwise the report is
    the label source (`label_origin` "report", labelled by the build's workers). A `label_entry` key names the
    label file line used; the caller folds it into the record's `source_entry`. `report_file` names the report
    expected when a reports tree is configured (None: no reports), so a study left with neither labels nor a
    usable report becomes a `missing_report` / `empty_report` reject instead of an image without text.
    """
    if labels is not None and labels.bad:
        named = ", ".join(f"{column}={value!r}" for column, value in labels.bad)
        return "label", "unmapped_label", f"{labels.entry}: {named}", labels.bad
    if labels is not None and labels.cells:
        fields = label_set(labels.cells).as_fields()
        entry = f"labels {labels.entry}"
        return {**fields, "report": sections or None, "attributes": {"label_origin": "dataset"}, "label_entry": entry}
    if report_file is None:
        return {}
    if sections is None:
        return "source", "missing_report", report_file, ()
    if not (sections.get("findings") or sections.get("impression")):
        return "source", "empty_report", report_file, ()
    return {"report": sections, "attributes": {"label_origin": "report"}}


def study_report(reports: ReportTree | None, report_file: str | None) -> Sections | tuple[str, str] | None:
    """The kept sections of the report at `report_file` (None: no reports tree, no such report, or no study), or
    the (reason, detail) of a reject: the planning work per study, run on the build's workers."""
    if reports is None or report_file is None:
        return None
    report = reports.read(report_file)
    return report if report is None or isinstance(report, tuple) else report_sections(report)


class StudyRows:
    """`study_fields` of each listed image: the study's report read and sectioned through the adapter's planning
    map (on the build's workers), its dataset labels applied here; fields are handed out as fresh copies so rows
    never share mutable attributes."""

    def __init__(self, labels: Mapping[str, StudyLabels], reports: ReportTree | None, planning_map: PlanningMap):
        self.labels, self.reports, self.planning_map = labels, reports, planning_map

    def annotate(self, items: Iterable[tuple[tuple[str, str] | None, P]]) -> Iterator[tuple[P, JsonObject | tuple]]:
        """(payload, fields or a reject tuple) per (key, payload) in order; key (study_id, report_file), or None
        for an item already rejected (its fields are an empty dict, never used)."""
        work = partial(study_report, self.reports)
        shipped = ((key and key[1], (key, payload)) for key, payload in items)
        last: tuple[Any, Any, JsonObject | tuple] | None = None
        for (key, payload), report in self.planning_map(work, shipped):
            if key is None:
                yield payload, {}
                continue
            if last is None or last[0] != key or last[1] is not report:
                last = key, report, self._compute(*key, report)
            found = last[2]
            if isinstance(found, tuple):
                yield payload, found
                continue
            # one level deep is enough: the lists and dicts hold strings and scalars (a deepcopy costs 10x more)
            yield payload, {name: v.copy() if isinstance(v, list | dict) else v for name, v in found.items()}

    def _compute(self, study: str, report_file: str, report: Sections | tuple[str, str] | None) -> JsonObject | tuple:
        if isinstance(report, tuple):
            return ("source", *report, ())  # no unmapped values: the report could not be read
        return study_fields(self.labels.get(study), report, report_file if self.reports is not None else None)
