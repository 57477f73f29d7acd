"""Loader and query API of the shipped ontology: the ids other stages code against, lookups, hierarchy."""

from __future__ import annotations

import dataclasses

import pytest

from mgll_data.errors import MgllError
from mgll_data.ontology import Finding, MappedLabel, UnknownFinding, UnmappedLabel, load_ontology

# The ids the brief fixes (other stages import them); written out here, not read from the data.
FIXED_CXR = [
    "enlarged_cardiomediastinum",
    "cardiomegaly",
    "lung_lesion",
    "lung_opacity",
    "edema",
    "consolidation",
    "pneumonia",
    "atelectasis",
    "pneumothorax",
    "pleural_effusion",
    "pleural_other",
    "fracture",
    "support_devices",
    "infiltration",
    "mass",
    "nodule",
    "emphysema",
    "fibrosis",
    "pleural_thickening",
    "hernia",
]
FIXED_FUNDUS = [
    "diabetic_retinopathy",
    "mild_npdr",
    "moderate_npdr",
    "severe_npdr",
    "proliferative_dr",
    "diabetic_macular_edema",
    "glaucoma",
    "cataract",
    "amd",
    "hypertensive_retinopathy",
    "pathologic_myopia",
    "other_abnormality",
]


@pytest.fixture(scope="module")
def onto():
    return load_ontology()


def test_fixed_ids_exist_with_their_modality(onto):
    assert onto["normal"].modality == "both"
    assert [onto[i].modality for i in FIXED_CXR] == ["cxr"] * len(FIXED_CXR)
    assert [onto[i].modality for i in FIXED_FUNDUS] == ["fundus"] * len(FIXED_FUNDUS)


def test_dr_grades_sit_under_diabetic_retinopathy(onto):
    icdr = ["mild_npdr", "moderate_npdr", "severe_npdr", "proliferative_dr"]
    messidor = [f"messidor_retinopathy_grade_{n}" for n in (1, 2, 3)]  # MESSIDOR's own 0-3 scale, beside ICDR
    assert onto.children("diabetic_retinopathy") == icdr + messidor
    assert onto.ancestors("severe_npdr") == ["diabetic_retinopathy"]
    assert onto.ancestors("mass") == ["lung_lesion", "lung_opacity"]
    assert onto.ancestors("normal") == []


def test_unknown_id_is_a_user_error_not_a_keyerror(onto):
    assert "pleural_effusion" in onto
    assert "pleural-effusion" not in onto
    with pytest.raises(UnknownFinding, match="pleural-effusion") as caught:
        onto["pleural-effusion"]
    assert isinstance(caught.value, MgllError) and not isinstance(caught.value, KeyError)


def test_findings_by_modality_include_both(onto):
    cxr = {f.id for f in onto.findings("cxr")}
    fundus = {f.id for f in onto.findings("fundus")}
    assert "normal" in cxr and "normal" in fundus
    assert "glaucoma" not in cxr and "pneumothorax" not in fundus
    synthetic = {f.id for f in onto.findings("synthetic")}
    assert "normal" not in synthetic and synthetic == {f.id for f in onto.findings() if f.id.startswith("shape_")}
    assert cxr | fundus | synthetic == {f.id for f in onto.findings()}


def test_finding_is_frozen_with_tuple_fields(onto):
    finding = onto["pleural_effusion"]
    assert isinstance(finding, Finding)
    assert isinstance(finding.synonyms, tuple) and isinstance(finding.descriptions, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.display_name = "x"  # type: ignore[misc]


def test_load_is_cached(onto):
    assert load_ontology() is onto


@pytest.mark.parametrize(
    "label",
    ["Pleural Effusion", "pleural effusion", "  PLEURAL   Effusion ", "Pleural\tEffusion"],
)
def test_map_label_normalises_case_and_whitespace(onto, label):
    assert onto.map_label("chexpert", label).positive == ["pleural_effusion"]


def test_map_label_normalises_full_width_comma(onto):
    joined = "hypertensive retinopathy\uff0cdiabetic retinopathy"
    assert onto.map_label("odir_keyword", joined).positive == ["hypertensive_retinopathy", "diabetic_retinopathy"]


def test_unmapped_label_names_vocab_and_label(onto):
    with pytest.raises(UnmappedLabel, match=r"'Lung Cancer'.*'chexpert'") as caught:
        onto.map_label("chexpert", "Lung Cancer")
    assert isinstance(caught.value, MgllError)
    assert (caught.value.vocab, caught.value.label) == ("chexpert", "Lung Cancer")
    with pytest.raises(UnmappedLabel, match="no_such_vocab"):
        onto.map_label("no_such_vocab", "x")


def test_polarity_and_deliberate_no_finding(onto):
    assert onto.map_label("icdr", "0") == MappedLabel(
        negative=["diabetic_retinopathy"], note=onto.map_label("icdr", "0").note, attributes={"dr_grade": 0}
    )
    assert onto.map_label("icdr", "0").positive == []
    assert onto.map_label("idrid_dme", "0").negative == ["diabetic_macular_edema"]
    assert onto.map_label("odir_keyword", "suspected glaucoma").uncertain == ["glaucoma"]
    assert onto.map_label("odir_keyword", "suspected glaucoma").positive == []
    dust = onto.map_label("odir_keyword", "lens dust")
    assert dust.no_finding and dust.targets() == [] and dust.note


def test_icdr_grades_map_in_order_to_the_grade_children(onto):
    entries = onto.vocab("icdr")
    assert [label for label, _ in entries] == ["0", "1", "2", "3", "4"]
    assert [m.positive for _, m in entries[1:]] == [[c] for c in onto.children("diabetic_retinopathy")[:4]]
    messidor = onto.vocab("messidor_retinopathy")
    assert [m.positive for _, m in messidor[1:]] == [[c] for c in onto.children("diabetic_retinopathy")[4:]]
    assert onto.map_label("icdr", 3) == onto.map_label("icdr", "3")


def test_dme_grades_sit_under_diabetic_macular_edema(onto):
    for grade in ("1", "2"):
        (target,) = onto.map_label("idrid_dme", grade).positive
        assert onto.ancestors(target) == ["diabetic_macular_edema"]


def test_odir_class_letters_in_annotation_order(onto):
    assert [label for label, _ in onto.vocab("odir_class")] == list("NDGCAHMO")
    expected = ["normal", "diabetic_retinopathy", "glaucoma", "cataract", "amd", "hypertensive_retinopathy"]
    expected += ["pathologic_myopia", "other_abnormality"]
    assert [m.positive for _, m in onto.vocab("odir_class")] == [[i] for i in expected]


def test_find_by_name_uses_synonyms_and_abbreviations(onto):
    assert onto.find_by_name("PTX", "cxr") == "pneumothorax"
    assert onto.find_by_name("ARMD", "fundus") == "amd"
    assert onto.find_by_name("No Finding", "fundus") == "normal"
    assert onto.find_by_name("ARMD", "cxr") is None


def test_normal_texts_follow_the_modality(onto):
    fundus, cxr = onto.finding("normal", "fundus"), onto.finding("normal", "cxr")
    assert fundus.descriptions and cxr.descriptions and fundus.explanations and cxr.explanations
    assert not set(fundus.explanations) & set(cxr.explanations)
    assert any("lung" in text for text in cxr.explanations)
    assert not any("lung" in text for text in fundus.explanations)
    listed = {f.id: f for f in onto.findings("fundus")}
    assert listed["normal"] == fundus
    assert set(onto["normal"].explanations) == set(fundus.explanations) | set(cxr.explanations)
