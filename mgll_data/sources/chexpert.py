"""CheXpert v1.0 (Stanford AIMI): 224,316 chest radiographs with 14 labeller-mined observations.

Reads `train.csv` / `valid.csv` in all three download shapes (chexpert.yaml) and the 500-study test labels
(`groundtruth.csv`, one row per study, broadcast to every image of the study). A cell of 1 / -1 / 0 / blank is
positive / uncertain / negative / not stated; `No Finding` is only ever positive. The view comes from the
`Frontal/Lateral` column and, for frontals, `AP/PA`; test images have no columns, so the file name's
`_frontal` / `_lateral` suffix decides, never the `viewN` index (view2 can be frontal).
"""

from __future__ import annotations

from mgll_data.sources.chexpert_tables import ChexpertTables, spec


class ChexpertSource(ChexpertTables):
    name = "chexpert"
    modality = "cxr"
    layout = (
        "ROOT/CheXpert-v1.0-small/ or ROOT/CheXpert-v1.0/ (train.csv, valid.csv, train/, valid/), or the AIMI "
        "download (train.csv, valid.csv, valid/, 'CheXpert-v1.0 batch N (train M)/patientNNNNN/...'); optional "
        "test labels groundtruth.csv (Study column) with test/patientNNNNN/study1/*.jpg"
    )
    version = "1.0"
    has_official_split = True

    def table_names(self) -> dict[str, list[str]]:
        """Official split -> label-table file names (first found wins)."""
        return spec()["tables"]
