"""Writes a small IU X-ray / Open-i tree: `NLMCXR_reports.tgz` holding `ecgen-radiology/<N>.xml` in the real
XML structure, `NLMCXR_png/<parentImage id>.png` (8-bit gray), and `nlmcxr_dicom_metadata.csv.gz` (view).

Reports come from `data/iu_reports.yaml` (texts written for mgll-data, with XXXX redactions). Deliberate
defects: a report with empty findings and impression, a report without images, and one listed PNG that is
not written. Report 1 uses the collection's odd `CXR1_1_IM-...` image naming, as the real report 1 does.
"""

from __future__ import annotations

import csv
import gzip
import io
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml
from mgll_data.demo.cxr import draw_cxr

MISSING_PNG_REPORT = 4  # the second image of this report is listed but not written
VIEW_CAPTIONS = {"PA": "Xray Chest PA and Lateral", "LATERAL": "Xray Chest PA and Lateral", "AP": "Chest AP portable"}


def report_specs() -> list[JsonObject]:
    """The demo reports in order, the two defective ones placed among the others."""
    data = read_data_yaml("mgll_data.demo", "data/iu_reports.yaml")
    reports = list(data["reports"])
    reports.insert(6, data["empty_report"])
    reports.insert(11, data["report_without_images"])
    return reports


def image_ids(number: int, views: list[str]) -> list[str]:
    """Open-i image ids of report `number`: `CXR<n>_IM-<series>-<k>001` (report 1: `CXR1_1_IM-...`)."""
    prefix = "CXR1_1" if number == 1 else f"CXR{number}"
    return [f"{prefix}_IM-{number:04d}-{k + 1}001" for k in range(len(views))]


def report_xml(number: int, spec: JsonObject) -> bytes:
    """One report in the element structure of the real `ecgen-radiology/<N>.xml`."""
    root = ET.Element("eCitation")
    ET.SubElement(root, "meta", type="rr")
    ET.SubElement(root, "uId", id=f"CXR{number}")
    ET.SubElement(root, "pmcId", id=str(number))
    ET.SubElement(root, "docSource").text = "CXR"
    ET.SubElement(root, "IUXRId", id=str(number))
    ET.SubElement(root, "licenseType").text = "open-access"
    ET.SubElement(root, "licenseURL").text = "http://creativecommons.org/licenses/by-nc-nd/4.0/"
    ET.SubElement(root, "publisher").text = "mgll-data demo (synthetic)"
    ET.SubElement(root, "title").text = "Indiana University Chest X-ray Collection (demo replica)"
    citation = ET.SubElement(root, "MedlineCitation", Owner="mgll-data", Status="synthetic")
    article = ET.SubElement(citation, "Article", PubModel="Electronic")
    abstract = ET.SubElement(article, "Abstract")
    for label in ("COMPARISON", "INDICATION", "FINDINGS", "IMPRESSION"):
        node = ET.SubElement(abstract, "AbstractText", Label=label)
        node.text = spec.get(label.lower()) or None
    mesh = ET.SubElement(root, "MeSH")
    for term in spec["mesh"]:
        ET.SubElement(mesh, "major").text = term
    for k, (image_id, view) in enumerate(zip(image_ids(number, spec["views"]), spec["views"], strict=True)):
        parent = ET.SubElement(root, "parentImage", id=image_id)
        ET.SubElement(parent, "figureId").text = f"F{k + 1}"
        ET.SubElement(parent, "caption").text = VIEW_CAPTIONS.get(view, "Xray Chest")
        panel = ET.SubElement(parent, "panel", type="single")
        ET.SubElement(panel, "url").text = f"/hadoop/storage/radiology/extract/{image_id}.jpg"
    ET.indent(root, space="   ")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")).encode("utf-8")


def _deterministic_tgz(path: Path, files: dict[str, bytes]) -> None:
    with (
        path.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as archive,
    ):
        folder = tarfile.TarInfo("ecgen-radiology")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        archive.addfile(folder)
        for name in sorted(files):
            info = tarfile.TarInfo(f"ecgen-radiology/{name}")
            info.size, info.mode = len(files[name]), 0o644
            archive.addfile(info, io.BytesIO(files[name]))


def write_iu_tree(root: Path, seed: int) -> None:
    """Write the demo IU X-ray tree under `root` (which must exist and be empty)."""
    images = root / "NLMCXR_png"
    images.mkdir()
    xml_files: dict[str, bytes] = {}
    metadata: list[list[str]] = []
    for number, spec in enumerate(report_specs(), start=1):
        xml_files[f"{number}.xml"] = report_xml(number, spec)
        ids = image_ids(number, spec["views"])
        for k, (image_id, view) in enumerate(zip(ids, spec["views"], strict=True)):
            dicom_id = image_id.replace("CXR1_1_", "CXR1_")  # the metadata table drops report 1's extra index
            metadata.append([dicom_id, "CR", view, "MONOCHROME1", "12", f"./{dicom_id[3:]}.dcm"])
            if number == MISSING_PNG_REPORT and k == 1:
                continue
            draw_cxr(spec["draw"], view, seed=seed * 10007 + number * 8 + k).save(images / f"{image_id}.png")
    _deterministic_tgz(root / "NLMCXR_reports.tgz", xml_files)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["imageid", "Modality", "View Position", "Photometric Interpretation", "Bits Stored", "filename"])
    writer.writerows(metadata)
    with gzip.GzipFile(root / "nlmcxr_dicom_metadata.csv.gz", mode="wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode())
