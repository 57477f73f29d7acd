"""PadChest: list-string labels with stray spaces and empties, study terms, unmapped terms kept and counted,
file names with spaces in ImageDir folders, Projection as the view, the Spanish report only on request."""

from __future__ import annotations

import gzip

import pytest
from trees import padchest as tree

from mgll_data.errors import LayoutError
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.padchest import PadchestSource, parse_terms


def split_items(source) -> tuple[list[RawRecord], list[Reject]]:
    items = list(source.records())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_records(tmp_path):
    root, options = tree.make_tree(tmp_path)
    source = PadchestSource(root, **options)
    records, rejects = split_items(source)
    assert [r.native_id for r in records] == [
        "20536686640136348236148679891455886468_k6ga29",
        "20536686640136348236148679891455886469_k6ga30",
        "216840111366964012373310883942009183085424538_00 - 030 - 080",
        "216840111366964012373310883942009183085424539_00-000-000",
        "216840111366964012373310883942009183085424542_00-000-000",
    ]
    by_patient = {r.patient_id + r.view: r for r in records}
    assert by_patient["pa1PA"].labels == ["pleural_effusion", "cardiomegaly"]
    assert by_patient["pa1LATERAL"].labels == ["pleural_effusion", "cardiomegaly"]
    assert by_patient["pa1PA"].attributes == {"age": 84.0, "sex": "M"} and by_patient["pa1PA"].study_id == "st1"
    assert by_patient["pa2AP"].labels == ["normal"] and by_patient["pa2AP"].attributes == {"sex": "F"}
    assert by_patient["pa2AP"].image_path.name.endswith("_00 - 030 - 080.png")
    assert by_patient["pa3PA"].labels == ["suboptimal_radiograph", "support_devices"]
    assert by_patient["pa3PA"].keywords == ["kyphosis", "unchanged"]
    assert by_patient["pa3PA"].attributes["quality"] == "suboptimal"
    assert by_patient["pa6PA"].labels == [] and by_patient["pa6PA"].report is None
    assert source.unmapped == {"Labels": {"kyphosis": 1}}
    assert [(r.reason, r.item.split("/")[0]) for r in rejects] == [("unlabelled", "12"), ("missing_file", "54")]


def test_spanish_report_on_request_and_gzipped_table(tmp_path):
    root, _ = tree.make_tree(tmp_path)
    table = root / "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv"
    (root / f"{table.name}.gz").write_bytes(gzip.compress(table.read_bytes()))
    table.unlink()
    records, _ = split_items(PadchestSource(root, spanish_report=True))
    assert records[0].report == {"findings": "derrame pleural, cardiomegalia"}


def test_label_cells_and_wrong_root(tmp_path):
    assert parse_terms("['pleural effusion', ' cardiomegaly', '']") == ["pleural effusion", "cardiomegaly"]
    assert parse_terms("") == []
    assert parse_terms("pleural effusion") is None
    with pytest.raises(LayoutError, match="PADCHEST"):
        PadchestSource(tmp_path)


def test_a_study_labelled_only_suboptimal_is_a_quality_row():
    """A quality-only term is the `suboptimal_radiograph` quality finding, never an unlabelled image."""
    source = PadchestSource.__new__(PadchestSource)  # read_terms needs no download
    labels, keywords, attributes = source.read_terms(["suboptimal study"])
    assert labels.as_fields()["labels"] == ["suboptimal_radiograph"]
    assert (keywords, attributes) == ([], {"quality": "suboptimal"})
