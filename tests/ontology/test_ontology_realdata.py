"""Every label that occurs in the real public files resolves through the maps, in the sources' own order."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from mgll_data.ontology import load_ontology
from mgll_data.ontology.lint import odir_keywords


@pytest.fixture(scope="module")
def onto():
    return load_ontology()


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _resolves(onto, vocab: str, label: str) -> bool:
    mapped = onto.map_label(vocab, label)
    return mapped.no_finding or bool(mapped.targets())


def test_rfmid_header_columns_resolve_in_order(onto, realdata):
    columns = _header(realdata / "fundus/rfmid/RFMiD_Training_Labels.csv")[1:]
    assert len(columns) == 46  # Disease_Risk + 45 conditions
    assert all(_resolves(onto, "rfmid", column) for column in columns)
    assert [label for label, _ in onto.vocab("rfmid")] == columns


def test_rfmid_conditions_are_all_distinct_findings(onto, realdata):
    columns = _header(realdata / "fundus/rfmid/RFMiD_Training_Labels.csv")[2:]
    targets = [tuple(onto.map_label("rfmid", column).positive) for column in columns]
    assert all(len(t) == 1 for t in targets)
    assert len(set(targets)) == 45


def test_every_odir_keyword_resolves(onto, realdata):
    keywords = odir_keywords(realdata / "fundus/odir/full_df.csv")
    assert len(keywords) > 50
    assert "lens dust" in keywords and "normal fundus" in keywords
    assert all(_resolves(onto, "odir_keyword", keyword) for keyword in keywords)
    assert onto.map_label("odir_keyword", "normal fundus").positive == ["normal"]
    assert onto.map_label("odir_keyword", "moderate non proliferative retinopathy").positive == ["moderate_npdr"]


def test_odir_long_class_headers_resolve(onto, realdata):
    header = _header(realdata / "fundus/odir/full_df.csv")
    classes = header[header.index("Right-Diagnostic Keywords") + 1 :]
    assert len(classes) == 8
    resolved = [onto.map_label("odir_class_header", column).positive for column in classes]
    assert resolved == [m.positive for _, m in onto.vocab("odir_class")]


def test_every_chestxray14_label_in_data_entry_resolves(onto, realdata):
    labels: set[str] = set()
    with gzip.open(realdata / "cxr/Data_Entry_2017_v2020.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels.update(row["Finding Labels"].split("|"))
    assert len(labels) == 15
    assert all(_resolves(onto, "chestxray14", label) for label in labels)
    assert {label for label, _ in onto.vocab("chestxray14")} == labels
    assert onto.map_label("chestxray14", "Effusion").positive == ["pleural_effusion"]


def test_openi_gold_header_resolves_in_order(onto, realdata):
    columns = _header(realdata / "reports/openi_gold14_dev.csv")[1:]
    assert [label for label, _ in onto.vocab("openi_gold14")] == columns
    assert all(_resolves(onto, "openi_gold14", column) for column in columns)
    assert onto.map_label("openi_gold14", "normal").positive == ["normal"]


def test_chexpert_14_in_chexpert_tasks_order(onto, shared_reference):
    with open(shared_reference / "tables" / "chexpert_labels.tsv", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if line.startswith("CHEXPERT_TASKS\t")]
    tasks = [value for _, _, value, *_ in sorted(rows, key=lambda r: int(r[1]))]
    assert len(tasks) == 14
    assert [label for label, _ in onto.vocab("chexpert")] == tasks
    assert all(_resolves(onto, "chexpert", task) for task in tasks)


def test_idrid_grade_values_resolve(onto, realdata):
    for path in sorted((realdata / "fundus/idrid").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            # the training file's header has a trailing space and empty trailing columns; the test file's has not
            rows = [{(k or "").strip(): v for k, v in row.items()} for row in csv.DictReader(handle)]
            rows = [row for row in rows if row["Image name"]]
        grades = {row["Retinopathy grade"] for row in rows}
        risks = {row["Risk of macular edema"] for row in rows}
        assert grades <= {"0", "1", "2", "3", "4"} and len(grades) == 5
        assert all(_resolves(onto, "icdr", grade) for grade in grades)
        assert all(_resolves(onto, "idrid_dme", risk) for risk in risks)
