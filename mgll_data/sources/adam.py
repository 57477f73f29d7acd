"""ADAM (Automatic Detection challenge on Age-related Macular degeneration, iChallenge-AMD): 400 training
photographs with AMD / non-AMD labels, fovea positions, optic disc masks and five kinds of lesion masks, and the
validation and test photographs where the download holds them.

A training label is the file-name prefix (A = AMD, N = non-AMD); validation and test names (V0001, T0001) carry
none, so their labels come from their parts' workbooks, and an image no workbook lists is still read, unlabelled.
Each part reads the workbook nearest its images (all are named `Fovea_location.xlsx`).

A fovea of (0, 0) is not visible and an all-white disc mask shows no disc, so neither gives a coordinate. Lesion
masks (drusen, exudate, hemorrhage, scar, others) give each lesion's area and, when not empty, its finding.
Spellings are in `adam.yaml` (the validation and test ones unverified); reading is shared (`challenge.py`).
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
        "{drusen,exudate,hemorrhage,others,scar}/*.bmp; optional AMD-Validation400/Validation400/V*.jpg, "
        "AMD-Test400/Test400/T*.jpg with DF-Annotation-<part>400/<part>400/Fovea_location.xlsx (Label column)"
    )
    version = "2020 training release"
    has_official_split = True
