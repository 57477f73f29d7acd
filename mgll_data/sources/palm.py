"""PALM (Pathologic Myopia challenge, iChallenge-PM): 1,200 photographs, pathologic myopia labels, fovea positions,
optic disc masks and atrophy / detachment lesion masks.

Training labels come from the file-name prefix (P pathologic myopia; H high myopia and N normal are both
non-pathologic), validation labels from `PM_Label_and_Fovea_Location.xlsx`; test images carry no label. Masks are
black on white: the disc mask gives the disc centre, a lesion mask its area and, when not empty, the lesion's
finding. The three distributions and their spellings are in `palm.yaml`; the reading is shared (`challenge.py`).
"""

from __future__ import annotations

from mgll_data.sources.base import Source
from mgll_data.sources.challenge import ChallengeReader


class PalmSource(ChallengeReader, Source):
    name = "palm"
    modality = "fundus"
    layout = (
        "Baidu: ROOT/PALM-Training400/{P,H,N}NNNN.jpg, PALM-Validation400/VNNNN.jpg + "
        "PALM-Validation-GT/PM_Label_and_Fovea_Location.xlsx; re-release: Train/{fundus_image/,"
        "Fovea_Location_train.xlsx}, PALM-Testing400-Images/; figshare: PALM/{Training,Validation,Testing}/"
        "{Images,Disc Masks,Lesion Masks/{Atrophy,Detachment}}/"
    )
    version = "2019 challenge / 2024 figshare"
    has_official_split = True
