"""ADAM (Automatic Detection challenge on Age-related Macular degeneration, iChallenge-AMD): 400 training
photographs with AMD / non-AMD labels, fovea positions, optic disc masks and five kinds of lesion masks.

The label is the file-name prefix (A = AMD, N = non-AMD). A fovea of (0, 0) is not visible and an all-white disc
mask shows no disc, so neither gives a coordinate. Lesion masks (drusen, exudate, hemorrhage, scar, others) give
each lesion's area and, when not empty, its finding. Spellings are in `adam.yaml`; reading is shared
(`challenge.py`).
"""

from __future__ import annotations

from mgll_data.sources.base import Source
from mgll_data.sources.challenge import ChallengeReader


class AdamSource(ChallengeReader, Source):
    name = "adam"
    modality = "fundus"
    layout = (
        "ROOT/AMD-Training400/Training400/{AMD/A*.jpg,Non-AMD/N*.jpg} + DF-Annotation-Training400/Training400/"
        "{Disc_Masks/*.bmp,Fovea_location.xlsx} + Training400-Lesion/Training400-Lesion/Lesion_Masks/"
        "{drusen,exudate,hemorrhage,others,scar}/*.bmp"
    )
    version = "2020 training release"
    has_official_split = True
