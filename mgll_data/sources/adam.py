"""ADAM (Automatic Detection challenge on Age-related Macular degeneration, iChallenge-AMD): 400 training
photographs with AMD / non-AMD labels, fovea positions, optic disc masks and five kinds of lesion masks, and the
validation and test photographs where the download holds them.

Two layouts are read. The organisers' full release (`ADAM/{Train,Validation,Test}/`) gives validation and test
labels in headerless text tables, `<file name> <0|1>` a line (1 = AMD), beside the images. The Baidu training zips
carry fovea workbooks (`Fovea_location.xlsx`) and masks; their validation and test spellings are unverified. Each
part reads the label table nearest its images. A training label is the file-name prefix (A = AMD, N = non-AMD);
validation and test names carry none, so an image no table lists is still read, unlabelled, a listed image that
is absent is a `missing_file` reject, a label other than 0 / 1 an `unmapped_label` reject, and a label table
without its part's images one `missing_part` reject.

A fovea of (0, 0) is not visible and an all-white disc mask shows no disc, so neither gives a coordinate. Lesion
masks (drusen, exudate, hemorrhage, scar, others) give each lesion's area and, when not empty, its finding.
Spellings, and what evidences each layout, are in `adam.yaml`; reading is shared (`challenge.py`).
"""

from __future__ import annotations

from mgll_data.sources.base import Source
from mgll_data.sources.challenge import ChallengeReader


class AdamSource(ChallengeReader, Source):
    name = "adam"
    modality = "fundus"
    layout = (
        "ROOT = ADAM/ (or its parent): Train/Training-image-400/{AMD/A*.jpg,Non-AMD/N*.jpg}, Validation/image/*.jpg "
        "+ Validation/validation_classification_GT.txt, Test/Test-image-400/*.jpg (or Test/image/) + "
        "Test/test_classification_GT.txt (headerless `<file name> <0|1>` lines); or the Baidu zips: "
        "ROOT/AMD-Training400/Training400/{AMD/A*.jpg,Non-AMD/N*.jpg} + DF-Annotation-Training400/Training400/"
        "{Disc_Masks/*.bmp,Fovea_location.xlsx} + Training400-Lesion/Training400-Lesion/Lesion_Masks/"
        "{drusen,exudate,hemorrhage,others,scar}/*.bmp; optional AMD-Validation400/Validation400/*.jpg, "
        "AMD-Test400/Test400/*.jpg with DF-Annotation-<part>400/<part>400/Fovea_location.xlsx (Label column)"
    )
    version = "2020 full release (train, validation, test) or training release"
    has_official_split = True
