"""Row assembly: what the source says wins, what the image says fills the gaps."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from mgll_data.engine.rows import make_row
from mgll_data.images import ProcessedImage
from mgll_data.records import EntryFacts
from mgll_data.schema import FIELD_NAMES
from mgll_data.sources.base import RawRecord

META = EntryFacts(name="folder", root="/data", version="", licence_class="open", adapter="folder")
TEXTS = SimpleNamespace(disease_text="No Finding", descriptions=["normal chest"], explanations=["clear lungs"])


def _record(view: str | None) -> RawRecord:
    return RawRecord(
        source="folder", native_id="a", modality="cxr", patient_id="p", image_path=Path("/data/a.dcm"), view=view
    )


def test_view_falls_back_to_the_dicom_view_position_and_the_source_view_wins():
    image = ProcessedImage(data=b"x", format="png", width=1, height=1, view="AP")
    assert make_row(_record(None), "train", image, TEXTS, META)["view"] == "AP"
    assert make_row(_record("PA"), "train", image, TEXTS, META)["view"] == "PA"
    assert list(make_row(_record(None), "train", image, TEXTS, META)) == list(FIELD_NAMES)
