"""IU X-ray (Open-i) adapter on fixture trees in both report forms (tgz and extracted) and on the real reports."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from PIL import Image

from mgll_data.errors import LayoutError
from mgll_data.sources import get_source
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.iu_xray import IuXraySource, parse_report, report_files
from mgll_data.text import TextPolicy
from mgll_data.text.report_labels import with_report_labels

# Report XML in the element structure of the real ecgen-radiology/<N>.xml (trimmed to the elements read).
TEMPLATE = """<?xml version="1.0" encoding="utf-8"?>
<eCitation>
   <meta type="rr"/>
   <uId id="CXR{n}"/>
   <pmcId id="{n}"/>
   <MedlineCitation Owner="Indiana University" Status="supplied by publisher">
      <Article PubModel="Electronic">
         <Abstract>
{sections}
         </Abstract>
      </Article>
   </MedlineCitation>
   <MeSH>
{mesh}
   </MeSH>
{images}
</eCitation>
"""


def report(n: int, sections: dict[str, str], images: list[str], mesh: list[str]) -> bytes:
    body = "\n".join(
        f'            <AbstractText Label="{label}">{text}</AbstractText>'
        if text
        else f'            <AbstractText Label="{label}"/>'
        for label, text in sections.items()
    )
    tags = "\n".join(f"      <major>{term}</major>" for term in mesh)
    parents = "\n".join(
        f'   <parentImage id="{i}">\n      <figureId>F1</figureId>\n      <panel type="single">'
        f"<url>/hadoop/storage/radiology/extract/{i}.jpg</url></panel>\n   </parentImage>"
        for i in images
    )
    return TEMPLATE.format(n=n, sections=body, mesh=tags, images=parents).encode()


REPORTS = {
    "1.xml": report(
        1,
        {
            "COMPARISON": "None.",
            "INDICATION": "Positive TB test",
            "FINDINGS": "The lungs are clear. No pneumothorax.",
            "IMPRESSION": "Normal chest x-XXXX.",
        },
        ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001"],
        ["normal"],
    ),
    "2.xml": report(
        2,
        {
            "COMPARISON": "XXXX",
            "INDICATION": "Dyspnea.",
            "FINDINGS": "Moderate right pleural effusion.",
            "IMPRESSION": "The heart is enlarged.",
        },
        ["CXR2_IM-0652-1001", "CXR2_IM-0652-2001"],
        ["Pleural Effusion/right/moderate", "Cardiomegaly", "No Indexing", "Technical Quality of Image Unsatisfactory"],
    ),
    "3.xml": report(
        3,
        {"COMPARISON": "", "INDICATION": "Follow-up", "FINDINGS": "", "IMPRESSION": ""},
        ["CXR3_IM-1384-1001"],
        ["No Indexing"],
    ),
    "10.xml": report(10, {"FINDINGS": "Heart size normal.", "IMPRESSION": "No acute disease."}, [], ["normal"]),
    "12.xml": b"<eCitation><uId id='CXR12'/><Abstract>",  # truncated download
    "20.xml": report(
        20,
        {"INDICATION": "Chest pain", "IMPRESSION": "No acute cardiopulmonary abnormality."},
        ["CXR20_IM-0700-1001"],
        ["normal"],
    ),
}
PNGS = ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001", "CXR2_IM-0652-1001", "CXR3_IM-1384-1001"]
# as in nlmcxr_dicom_metadata.csv.gz: report 1's ids lack the extra "_1", some views are blank
METADATA = "imageid,Modality,View Position\nCXR1_IM-0001-3001,CR,PA\nCXR1_IM-0001-4001,CR,LL\nCXR2_IM-0652-1001,CR,\n"


def write_tree(root: Path, extracted: bool, metadata: bool = True) -> Path:
    root.mkdir(parents=True)
    if extracted:
        (root / "ecgen-radiology").mkdir()
        for name, data in REPORTS.items():
            (root / "ecgen-radiology" / name).write_bytes(data)
    else:
        with tarfile.open(root / "NLMCXR_reports.tgz", "w:gz") as archive:
            folder = tarfile.TarInfo("ecgen-radiology")
            folder.type = tarfile.DIRTYPE
            archive.addfile(folder)
            for name in sorted(REPORTS):  # lexicographic, as in the real archive: 1, 10, 12, 2, 20, 3
                info = tarfile.TarInfo(f"ecgen-radiology/{name}")
                info.size = len(REPORTS[name])
                archive.addfile(info, io.BytesIO(REPORTS[name]))
    (root / "NLMCXR_png").mkdir()
    for image_id in PNGS:
        Image.new("L", (16, 16), 90).save(root / "NLMCXR_png" / f"{image_id}.png")
    if metadata:
        (root / "nlmcxr_dicom_metadata.csv.gz").write_bytes(gzip.compress(METADATA.encode()))
    return root


def _split(items: list[RawRecord | Reject]) -> tuple[list[RawRecord], list[Reject]]:
    return [r for r in items if isinstance(r, RawRecord)], [r for r in items if isinstance(r, Reject)]


@pytest.mark.parametrize("extracted", [False, True], ids=["tgz", "ecgen-radiology"])
def test_fixture_tree(tmp_path: Path, extracted: bool) -> None:
    source = IuXraySource(write_tree(tmp_path / "iu", extracted))
    records, rejects = _split(list(source.records()))
    assert [(r.native_id, r.patient_id, r.study_id, r.view) for r in records] == [
        ("CXR1_1_IM-0001-3001", "CXR1", "CXR1", "PA"),
        ("CXR1_1_IM-0001-4001", "CXR1", "CXR1", "LL"),
        ("CXR2_IM-0652-1001", "CXR2", "CXR2", None),
    ]
    assert [(Path(r.item).name, r.stage, r.reason) for r in rejects] == [
        ("CXR2_IM-0652-2001.png", "source", "missing_file"),
        ("CXR3_IM-1384-1001.png", "source", "empty_report"),
        ("10.xml", "source", "no_images"),
        ("12.xml", "source", "unreadable_report"),
        ("CXR20_IM-0700-1001.png", "source", "missing_file"),
    ]
    first, second, third = records
    assert first.report == {
        "comparison": "None.",
        "indication": "Positive TB test",
        "findings": "The lungs are clear. No pneumothorax.",
        "impression": "Normal chest x-XXXX.",
    }
    assert (first.labels, first.uncertain_labels, first.negative_labels) == ([], [], [])  # the worker labels
    first = with_report_labels(first, TextPolicy())
    assert "normal" in first.labels and "pneumothorax" in first.negative_labels
    assert first.keywords == ["normal"]
    assert third.report == {
        "comparison": "XXXX",
        "indication": "Dyspnea.",
        "findings": "Moderate right pleural effusion.",
        "impression": "The heart is enlarged.",
    }
    assert {"pleural_effusion", "cardiomegaly"} <= set(with_report_labels(third, TextPolicy()).labels)
    assert third.keywords == ["Pleural Effusion/right/moderate", "Cardiomegaly"]
    assert third.attributes == {"quality": "Technical Quality of Image Unsatisfactory"}
    assert (first.modality, first.split, first.id) == ("cxr", None, "iu_xray/CXR1_1_IM-0001-3001")
    assert first.image_path == source.root / "NLMCXR_png" / "CXR1_1_IM-0001-3001.png"


def test_without_metadata_view_is_unknown(tmp_path: Path) -> None:
    records, _ = _split(list(IuXraySource(write_tree(tmp_path / "iu", False, metadata=False)).records()))
    assert [r.view for r in records] == [None, None, None]


def test_options_images_dir_and_metadata_csv(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "iu", False, metadata=False)
    (root / "NLMCXR_png").rename(root / "pngs")
    meta = tmp_path / "meta.csv"
    meta.write_text(METADATA, encoding="utf-8")
    source = IuXraySource(root, images_dir="pngs", metadata_csv=str(meta))
    records, _ = _split(list(source.records()))
    assert [r.view for r in records] == ["PA", "LL", None]


def test_layout_errors(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match=r"NLMCXR_reports\.tgz or ecgen-radiology"):
        IuXraySource(tmp_path)
    (tmp_path / "ecgen-radiology").mkdir()
    with pytest.raises(LayoutError, match="NLMCXR_png"):
        IuXraySource(tmp_path)
    (tmp_path / "NLMCXR_png").mkdir()
    with pytest.raises(LayoutError, match="metadata_csv"):
        IuXraySource(tmp_path, metadata_csv="nope.csv")


def test_registry_finds_iu_xray() -> None:
    assert get_source("iu_xray") is IuXraySource


@pytest.fixture(scope="module")
def real_tree(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real report archive next to a PNG folder holding placeholders for the images of reports 1 and 4."""
    root = tmp_path_factory.mktemp("iu_real")
    (root / "NLMCXR_reports.tgz").symlink_to(realdata / "reports" / "NLMCXR_reports.tgz")
    (root / "NLMCXR_png").mkdir()
    for image_id in ("CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001", "CXR4_IM-2050-1001"):
        Image.new("L", (16, 16), 90).save(root / "NLMCXR_png" / f"{image_id}.png")
    return root


def test_real_reports(real_tree: Path, realdata: Path) -> None:
    """3,955 reports: 104 without images, 25 with neither findings nor impression (40 images), 7,470 images."""
    source = IuXraySource(real_tree, metadata_csv=str(realdata / "cxr" / "nlmcxr_dicom_metadata.csv.gz"))
    records, rejects = _split(list(source.records()))
    reasons: dict[str, int] = {}
    for reject in rejects:
        reasons[reject.reason] = reasons.get(reject.reason, 0) + 1
    assert reasons == {"no_images": 104, "empty_report": 40, "missing_file": 7427}
    reports = [parse_report(data, name) for name, data in report_files(real_tree / "NLMCXR_reports.tgz")]
    assert len(reports) == 3955
    assert sum(len(r.images) for r in reports) == 7470
    assert sum(1 for r in reports if r.images and not ({"findings", "impression"} & set(r.sections))) == 25
    assert len(records) + reasons["empty_report"] + reasons["missing_file"] == 7470
    assert len({r.item for r in rejects if r.reason == "no_images"}) == 104
    by_id = {r.native_id: r for r in records}
    assert sorted(by_id) == ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001", "CXR4_IM-2050-1001"]
    one = by_id["CXR1_1_IM-0001-3001"]
    assert one.report["impression"] == "Normal chest x-XXXX."
    assert one.report["indication"] == "Positive TB test"
    assert one.report["findings"].startswith("The cardiac silhouette and mediastinum size are within normal limits.")
    assert one.view == "PA"  # metadata row CXR1_IM-0001-3001
    assert one.keywords == ["normal"]
    four = by_id["CXR4_IM-2050-1001"]
    assert four.keywords == [  # the report's MeSH major terms, as written
        "Pulmonary Disease, Chronic Obstructive",
        "Bullous Emphysema",
        "Pulmonary Fibrosis/interstitial",
        "Cicatrix/lung/upper lobe/left",
        "Opacity/lung/apex/left/irregular",
        "Opacity/lung/upper lobe/right/streaky",
        "Opacity/pulmonary alveoli",
        "Opacity/lung/bilateral/interstitial/diffuse",
    ]  # (the <automatic> terms are not used)
    assert "emphysema" in with_report_labels(four, TextPolicy()).labels
    assert four.view == "PA"
