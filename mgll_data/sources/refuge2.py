"""REFUGE2 (2020 glaucoma challenge): the 1,200 REFUGE-1 images as training data plus new validation and test sets.

Read like REFUGE (shared `challenge.py`): training labels from class folders or the REFUGE-1 workbooks, the new
validation labels from `glaucoma.csv` (`FileName, Glaucoma Risk`) and the test labels from `task1.xls`, which
has no header line. Disc/cup masks, where the download has them, give the cup-to-disc ratio. Every REFUGE-1 image
is in the training split here, so never list `refuge` and `refuge2` in one recipe without duplicate removal.
"""

from __future__ import annotations

from mgll_data.sources.base import Source
from mgll_data.sources.challenge import ChallengeReader


class Refuge2Source(ChallengeReader, Source):
    name = "refuge2"
    modality = "fundus"
    layout = (
        "ROOT (REFUGE2/ or its parent)/Train/{REFUGE1-train/{Training400/{Glaucoma,Non-Glaucoma}/,Fovea_location.xlsx},"
        " REFUGE1-val/{REFUGE-Validation400/,Fovea_locations.xlsx}, REFUGE1-test/{Test400/,"
        "Glaucoma_label_and_Fovea_location.xlsx}}; Validation/{Images/,glaucoma.csv}; Test/{refuge2-test/,task1.xls}"
    )
    version = "2020"
    has_official_split = True
