"""IU X-ray (Open-i): NLMCXR_reports.tgz with ecgen-radiology/<N>.xml + NLMCXR_png/<parentImage>.png."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from trees.images import write_image

REPORTS = {
    1: ("Heart size normal. Lungs are clear.", "Normal chest.", ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001"]),
    2: ("Mild cardiomegaly. Small left pleural effusion.", "Cardiomegaly and effusion.", ["CXR2_IM-0652-1001"]),
    3: ("", "", ["CXR3_IM-1384-1001"]),  # an empty report: its image is rejected
}
MISSING = {"CXR1_1_IM-0001-4001"}
LISTED = sum(len(images) for *_, images in REPORTS.values())


def _xml(number: int, findings: str, impression: str, images: list[str]) -> bytes:
    parents = "".join(f'<parentImage id="{image}"><caption/></parentImage>' for image in images)
    return (
        f'<eCitation><uId id="CXR{number}"/><MedlineCitation><Article><Abstract>'
        f'<AbstractText Label="FINDINGS">{findings}</AbstractText>'
        f'<AbstractText Label="IMPRESSION">{impression}</AbstractText>'
        f"</Abstract></Article></MedlineCitation>{parents}</eCitation>"
    ).encode()


def make_tree(root: Path) -> tuple[Path, dict]:
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(root / "NLMCXR_reports.tgz", "w:gz") as archive:
        for number, (findings, impression, images) in REPORTS.items():
            data = _xml(number, findings, impression, images)
            info = tarfile.TarInfo(f"ecgen-radiology/{number}.xml")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    for seed, (*_, images) in enumerate(REPORTS.values()):
        for image in images:
            if image not in MISSING:
                write_image(root / "NLMCXR_png" / f"{image}.png", seed, mode="L")
    return root, {}
