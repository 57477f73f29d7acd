"""Indiana University chest X-ray collection (Open-i): XML reports plus PNG images.

Read as downloaded from Open-i: the reports as `NLMCXR_reports.tgz` (or its extracted `ecgen-radiology/`
folder, one `<N>.xml` per report) and the PNGs in `NLMCXR_png/`, named after each report's `parentImage`
id. One row per parentImage; the report's FINDINGS / IMPRESSION / INDICATION / COMPARISON sections go
to `report`; the build worker labels findings + impression (`text.use_report_labels`). The collection
has no patient key, so the report id (e.g. `CXR12`) serves as both study and patient id. The optional
DICOM metadata table (`nlmcxr_dicom_metadata.csv.gz`) supplies the view per image.
"""

from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import Field

from mgll_data import storage
from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject, Source, SourceOptions, leaves_root
from mgll_data.sources.spec import layout_spec
from mgll_data.text.sections import ReportFormatError

_SPACES = re.compile(r"\s+")
_REPORT_NAME = re.compile(r"(?:^|/)ecgen-radiology/(\d+)\.xml$")
# report 1 names its images CXR1_1_IM-...; the DICOM metadata table names them CXR1_IM-...
_EXTRA_INDEX = re.compile(r"^(CXR\d+)_\d+_")


@dataclass
class IuReport:
    """One parsed report XML."""

    report_id: str
    file: str
    sections: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    mesh_major: list[str] = field(default_factory=list)


def _tidy(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def parse_report(data: bytes, file: str) -> IuReport:
    """Parse one `ecgen-radiology/<N>.xml`; raises `ReportFormatError` on a file that is not a report XML.

    Sections come from the shared sectioner (`mgll_data.text.sections_from_iu_xml`); ids, images and MeSH
    terms are read here.
    """
    from mgll_data.text import sections_as_dict, sections_from_iu_xml

    sections = sections_as_dict(sections_from_iu_xml(data, file))
    root = ET.fromstring(data)
    uid = root.find("uId")
    fallback = f"CXR{Path(file).stem}"
    report = IuReport(report_id=uid.get("id", fallback) if uid is not None else fallback, file=file)
    report.sections = {key: sections[key] for key in layout_spec("iu_xray")["report_sections"] if sections.get(key)}
    report.images = [node.get("id", "").strip() for node in root.iter("parentImage") if node.get("id", "").strip()]
    report.mesh_major = [_tidy(node.text) for node in root.iter("major") if _tidy(node.text)]
    return report


def report_files(reports: Path) -> Iterator[tuple[str, bytes | int]]:
    """(name, bytes) of every report XML in numeric order, from the tgz or the extracted folder.

    A file over `max_report_bytes` (sized from the tar header or the file system, before reading) comes as
    (name, its size) instead: a 1.5 MB tgz can hold a 1.5 GB "report".
    """
    limit = int(layout_spec("iu_xray")["max_report_bytes"])
    if reports.is_dir():
        files = sorted(reports.glob("*.xml"), key=lambda p: (int(p.stem) if p.stem.isdigit() else 1 << 62, p.name))
        for path in files:
            size = path.stat().st_size
            yield f"{reports.name}/{path.name}", size if size > limit else path.read_bytes()
        return
    try:
        with storage.open_input(reports) as raw, tarfile.open(fileobj=raw, mode="r:*") as archive:
            members = [(m, _REPORT_NAME.search(m.name)) for m in archive.getmembers() if m.isfile()]
            for member, _ in sorted(((m, k) for m, k in members if k), key=lambda mk: int(mk[1].group(1))):
                if member.size > limit:
                    yield member.name, member.size
                    continue
                handle = archive.extractfile(member)
                yield member.name, handle.read() if handle else b""
    except (tarfile.TarError, OSError, EOFError) as error:
        raise LayoutError("iu_xray", reports, f"a readable NLMCXR_reports.tgz archive ({error})") from None


def read_views(metadata_csv: Path) -> dict[str, str]:
    """Image id -> normalised view from the Open-i DICOM metadata table (`imageid`, `View Position`)."""
    try:
        gzipped = "gzip" if metadata_csv.name.casefold().endswith(".gz") else None  # a file object has no suffix
        with storage.open_input(metadata_csv) as handle:
            table = pd.read_csv(
                handle, usecols=["imageid", "View Position"], dtype=str, keep_default_na=False, compression=gzipped
            )
    except (OSError, ValueError) as error:
        raise LayoutError(
            "iu_xray", metadata_csv, f"a CSV with the columns 'imageid' and 'View Position' ({error})"
        ) from None
    views = layout_spec("iu_xray")["views"]
    return {
        image_id: views[position.strip().upper()]
        for image_id, position in zip(table["imageid"], table["View Position"], strict=True)
        if position.strip().upper() in views
    }


class IuXraySource(Source):
    name = "iu_xray"
    modality = "cxr"
    layout = (
        "ROOT/NLMCXR_reports.tgz (or its extracted ROOT/ecgen-radiology/<N>.xml) + "
        "ROOT/NLMCXR_png/<parentImage id>.png; "
        "optional ROOT/nlmcxr_dicom_metadata.csv.gz for the view. Options: images_dir, metadata_csv. "
        "No patient key exists: the report id (CXR<N>) is used as patient and study id."
    )
    version = "Open-i NLMCXR"
    has_official_split = False

    class Options(SourceOptions):
        images_dir: str | None = Field(None, description="PNG folder relative to the root (default NLMCXR_png)")
        metadata_csv: str | None = Field(None, description="Open-i DICOM metadata table giving the view per image")

    def find_layout(self) -> None:
        spec = layout_spec("iu_xray")
        folder, archive = self.root / spec["reports_folder"], self.root / spec["reports_archive"]
        if folder.is_dir():
            self.reports = folder
        elif archive.is_file():
            self.reports = archive
        else:
            raise LayoutError(
                self.name, self.root, f"{spec['reports_archive']} or {spec['reports_folder']}/; {self.layout}"
            )
        self.images_dir = self.option_path(self.options.images_dir or spec["images_dir"])
        if not self.images_dir.is_dir():
            raise LayoutError(self.name, self.root, f"the PNG folder {self.images_dir} (option images_dir)")
        self.metadata_csv = self._metadata(self.options.metadata_csv)

    def _metadata(self, metadata_csv: str | None) -> Path | None:
        if metadata_csv:
            path = self.option_path(metadata_csv)
            if not path.is_file():
                raise LayoutError(self.name, self.root, f"the metadata table {path} (option metadata_csv)")
            return path
        names = layout_spec("iu_xray")["metadata_names"]
        return next((self.root / n for n in names if (self.root / n).is_file()), None)

    def records(self) -> Iterator[RawRecord | Reject]:
        views = read_views(self.metadata_csv) if self.metadata_csv else {}
        spec = layout_spec("iu_xray")
        for file, data in report_files(self.reports):
            if isinstance(data, int):
                detail = f"{data:,} bytes, over max_report_bytes {spec['max_report_bytes']:,} (iu_xray.yaml)"
                yield self.reject(file, "source", "too_large", detail)
                continue
            try:
                report = parse_report(data, file)
            except ReportFormatError as error:
                yield self.reject(file, "source", "unreadable_report", str(error))
                continue
            if not report.images:
                yield self.reject(file, "source", "no_images", report.report_id)
                continue
            checked = [(i, self.images_dir / f"{i}{spec['image_suffix']}") for i in report.images]
            if not (report.sections.get("findings") or report.sections.get("impression")):
                yield from (self.reject(path, "source", "empty_report", file) for _, path in checked)
                continue
            problems = {
                i: self.reject(i, "source", "outside_root", file) if leaves_root(i) else self.check_image_file(path)
                for i, path in checked
            }
            keywords = [t for t in report.mesh_major if t not in spec["mesh_placeholders"] + spec["mesh_quality"]]
            quality = [t for t in report.mesh_major if t in spec["mesh_quality"]]
            for image_id, path in checked:
                if problems[image_id]:
                    yield problems[image_id]
                    continue
                yield RawRecord(
                    source=self.name,
                    native_id=image_id,
                    modality=self.modality,
                    patient_id=report.report_id,
                    study_id=report.report_id,
                    image_path=path,
                    view=views.get(image_id) or views.get(_EXTRA_INDEX.sub(r"\1_", image_id)),
                    keywords=list(keywords),
                    report=dict(report.sections),
                    attributes={"quality": "; ".join(quality)} if quality else {},
                    source_file=file,
                    source_entry=f"parentImage {image_id}",
                )
