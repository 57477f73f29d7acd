"""The DR-grading vocabularies cover every value the real DeepDRiD and IDRiD label files use; scales stay apart."""

from __future__ import annotations

import csv

from mgll_data.ontology import load_ontology
from mgll_data.ontology.lint import lint


def _column(path, *names):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    values = set()
    for name in names:
        key = next((k for k in rows[0] if k and k.strip() == name), None)
        values |= {row[key].strip() for row in rows if key and row[key] and row[key].strip()}
    return values


def test_real_label_values_all_map(realdata):
    deepdrid = sorted((realdata / "fundus" / "deepdrid").glob("*/*/*.csv"))
    idrid = sorted((realdata / "fundus" / "idrid").glob("*.csv"))
    seen = {
        "icdr_ungradable": set().union(
            *(_column(p, "left_eye_DR_Level", "right_eye_DR_Level", "DR_level") for p in deepdrid)
        ),
        "deepdrid_quality": set().union(*(_column(p, "Overall quality") for p in deepdrid)),
        "icdr": set().union(*(_column(p, "Retinopathy grade") for p in idrid)),
        "idrid_dme": set().union(*(_column(p, "Risk of macular edema") for p in idrid)),
    }
    assert seen["icdr_ungradable"] == {"0", "1", "2", "3", "4", "5"} and seen["idrid_dme"] == {"0", "1", "2"}
    assert lint(load_ontology(), seen) == []


def test_messidor_scale_is_not_icdr():
    onto = load_ontology()
    messidor = {label: mapped for label, mapped in onto.vocab("messidor_retinopathy")}
    icdr_ids = {i for _, mapped in onto.vocab("icdr") for i in mapped.positive}
    assert not icdr_ids & {i for mapped in messidor.values() for i in mapped.positive}
    assert all("dr_grade" not in mapped.attributes for mapped in messidor.values())
    assert [messidor[g].attributes["messidor_grade"] for g in "0123"] == [0, 1, 2, 3]
    ungradable = onto.map_label("icdr_ungradable", "5")
    assert ungradable.positive == ["ungradable_image"] and ungradable.attributes == {"gradable": False}
    assert onto["ungradable_image"].kind == "quality"
