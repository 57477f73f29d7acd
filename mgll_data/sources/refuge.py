"""REFUGE (2018 Retinal Fundus Glaucoma Challenge): 1,200 photographs with glaucoma labels, fovea positions and
optic disc / cup masks.

Training labels come from the class folder (`Glaucoma/`, `Non-Glaucoma/`), validation and test labels from their
workbooks (`Glaucoma Label`, `Label(Glaucoma=1)`). Non-glaucoma states only that glaucoma is absent. The disc/cup
BMPs (disc grey 128, cup black, background white) give the vertical cup-to-disc ratio and disc centre; a fovea of
(0, 0) is not visible. Parts, spellings and masks are in `refuge.yaml`; the reading is shared (`challenge.py`).
"""

from __future__ import annotations

from mgll_data.sources.base import Source
from mgll_data.sources.challenge import ChallengeReader


class RefugeSource(ChallengeReader, Source):
    name = "refuge"
    modality = "fundus"
    layout = (
        "ROOT/Training400/{Glaucoma,Non-Glaucoma}/*.jpg + "
        "Annotation-Training400/{Disc_Cup_Masks/,Fovea_location.xlsx}; "
        "REFUGE-Validation400/V*.jpg + REFUGE-Validation400-GT/{Disc_Cup_Masks/,Fovea_locations.xlsx}; "
        "Test400/T*.jpg + REFUGE-Test-GT/{Disc_Cup_Masks/,Glaucoma_label_and_Fovea_location.xlsx} "
        "(Baidu copies add an outer REFUGE-Training400/ level)"
    )
    version = "2018"
    has_official_split = True
