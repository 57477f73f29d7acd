"""The three text granularities from labels, keywords and reports; every filtered sentence is counted."""

from __future__ import annotations

from mgll_data.ontology import load_ontology
from mgll_data.text import TextPolicy, compose_texts, label_report, section_report, sections_as_dict


def _compose(modality: str, labels=(), uncertain=(), keywords=(), report=None, negative=(), **policy):
    return compose_texts(
        modality=modality,
        labels=list(labels),
        uncertain_labels=list(uncertain),
        negative_labels=list(negative),
        keywords=list(keywords),
        report=report,
        policy=TextPolicy(**policy),
    )


def test_fundus_grade_names_the_specific_grade_and_uses_keywords() -> None:
    keywords = ["moderate non proliferative retinopathy"]
    texts = _compose("fundus", ["diabetic_retinopathy", "moderate_npdr"], keywords=keywords)
    onto = load_ontology()
    assert texts.disease_text == f"Abnormal, {onto['moderate_npdr'].display_name}"
    assert texts.descriptions[0] == "moderate non proliferative retinopathy"
    assert set(onto["moderate_npdr"].descriptions) <= set(texts.descriptions)
    assert texts.explanations == list(onto["moderate_npdr"].explanations)


def test_fundus_normal_uses_only_fundus_sentences() -> None:
    texts = _compose("fundus", ["normal"])
    assert texts.disease_text == "Normal, Healthy"
    assert texts.explanations and not any("lung" in e.lower() or "heart" in e.lower() for e in texts.explanations)
    assert not any("lung" in e.lower() for e in texts.descriptions)


def test_cxr_labels_in_ontology_order_with_uncertain_phrased() -> None:
    texts = _compose("cxr", ["pleural_effusion", "cardiomegaly"], uncertain=["pneumonia"])
    assert texts.disease_text == "Cardiomegaly, Pleural Effusion, possible pneumonia"


def test_nothing_stated_is_not_normal() -> None:
    """No label state at all: nothing may be claimed, least of all "No Finding" (kept unlabelled rows)."""
    texts = _compose("cxr")
    assert (texts.disease_text, texts.descriptions, texts.explanations) == ("", [], [])
    keywords_only = _compose("fundus", keywords=["peripheral scar"])
    assert keywords_only.disease_text == "peripheral scar"
    assert "Normal" not in keywords_only.disease_text
    assert not any("healthy" in d for d in keywords_only.descriptions)


def test_negative_only_grade_zero_says_no_retinopathy_not_normal() -> None:
    """ICDR grade 0 maps to a negative diabetic_retinopathy: granularities 1-3 state the absence only."""
    texts = _compose("fundus", negative=["diabetic_retinopathy"])
    assert texts.disease_text == "No diabetic retinopathy"
    assert texts.descriptions[0] == "no diabetic retinopathy"
    assert texts.explanations == ["no signs of diabetic retinopathy are seen on this image"]
    everything = " ".join([texts.disease_text, *texts.descriptions, *texts.explanations]).lower()
    assert "normal" not in everything and "healthy" not in everything


def test_stated_normal_with_negatives_keeps_normal_texts() -> None:
    texts = _compose("fundus", ["normal"], negative=["diabetic_retinopathy"])
    assert texts.disease_text == "Normal, Healthy"
    assert "no diabetic retinopathy" in texts.descriptions


def test_report_sentences_become_descriptions_and_explanations() -> None:
    text = (
        "FINDINGS: Mild cardiomegaly. No pneumothorax. There is a small left pleural effusion.\n"
        "IMPRESSION: 1. Small left effusion. 2. Enlarged heart.\nNO IMPRESSION"
    )
    report = sections_as_dict(section_report(text))
    labels = label_report(f"{report['findings']} {report['impression']}")
    texts = _compose("cxr", labels.labels, labels.uncertain_labels, report=report)
    assert texts.descriptions[:2] == ["Small left effusion.", "Enlarged heart."]
    assert texts.explanations[:2] == ["Mild cardiomegaly.", "There is a small left pleural effusion."]
    assert texts.dropped == {"not_about_labels": 1, "placeholder": 1}


def test_normal_study_keeps_its_negative_statements() -> None:
    report = {"findings": "The heart is normal in size. No pleural effusion or pneumothorax.", "impression": "Normal."}
    texts = _compose("cxr", ["normal"], report=report, min_sentence_tokens=2)
    assert texts.explanations[:2] == ["The heart is normal in size.", "No pleural effusion or pneumothorax."]
    assert texts.dropped == {"short_sentence": 1}


def test_negative_labels_are_stated_for_normal_studies_only() -> None:
    normal = _compose("cxr", ["normal"], negative=["pneumothorax", "pleural_effusion"])
    assert normal.descriptions[:2] == ["no pneumothorax", "no pleural effusion"]  # ontology (CheXpert) order
    abnormal = _compose("cxr", ["cardiomegaly"], negative=["pneumothorax"])
    assert "no pneumothorax" not in abnormal.descriptions


def test_caps_are_counted_and_output_is_deterministic() -> None:
    report = {"impression": "Mild cardiomegaly. Cardiomegaly is stable. The heart is enlarged.", "findings": ""}
    first = _compose("cxr", ["cardiomegaly"], report=report, max_descriptions=1)
    assert first.descriptions == ["Mild cardiomegaly."]
    assert first.dropped["over_max_descriptions"] >= 2
    assert first == _compose("cxr", ["cardiomegaly"], report=report, max_descriptions=1)


def test_one_word_keywords_stay_descriptions_while_one_word_report_sentences_are_filtered() -> None:
    """The minimum-token filter is for report sentences; an ODIR keyword such as "drusen" is curated text."""
    fundus = _compose("fundus", ["drusen"], keywords=["drusen"], min_sentence_tokens=2)
    assert fundus.descriptions[0] == "drusen"
    assert "short_sentence" not in fundus.dropped
    cxr = _compose("cxr", ["cardiomegaly"], report={"impression": "Cardiomegaly."}, min_sentence_tokens=2)
    assert "Cardiomegaly." not in cxr.descriptions
    assert cxr.dropped["short_sentence"] == 1


def test_image_quality_findings_add_gradability_sentences_but_never_a_disease() -> None:
    onto = load_ontology()
    ungradable = _compose("fundus", ["ungradable_image"])
    assert ungradable.disease_text == "Ungradable Image"
    assert ungradable.explanations == list(onto["ungradable_image"].explanations)

    graded = _compose("fundus", ["moderate_npdr", "poor_image_quality"])
    assert graded.disease_text == f"Abnormal, {onto['moderate_npdr'].display_name}"
    quality = list(onto["poor_image_quality"].explanations)
    assert graded.explanations == [*onto["moderate_npdr"].explanations, *quality]

    grade0 = _compose("fundus", ["poor_image_quality"], negative=["diabetic_retinopathy"])
    assert grade0.disease_text == "No diabetic retinopathy"
    assert grade0.descriptions[0] == "no diabetic retinopathy"
    assert grade0.explanations[-len(quality) :] == quality


def _report_row(findings: str, impression: str, view: str | None = "PA", keywords=()):
    """Texts of a report row labelled by the labeler, as the build worker does it."""
    report = {"findings": findings, "impression": impression}
    found = label_report(f"{findings} {impression}")
    return compose_texts(
        modality="cxr",
        labels=found.labels,
        uncertain_labels=found.uncertain_labels,
        negative_labels=found.negative_labels,
        keywords=list(keywords),
        report=report,
        policy=TextPolicy(),
        view=view,
    )


def test_report_row_speaks_with_its_report_not_the_ontology() -> None:
    """A described finding takes no ontology sentence: "Left basilar atelectasis" never becomes "bibasilar"."""
    texts = _report_row("Left basilar atelectasis. No pleural effusion.", "Left basilar atelectasis.")
    onto = load_ontology()
    assert texts.descriptions == ["Left basilar atelectasis."]
    assert texts.explanations == ["Left basilar atelectasis."]
    assert not set(onto["atelectasis"].descriptions) & {*texts.descriptions, *texts.explanations}


def test_negated_hypothetical_and_other_persons_sentences_never_describe() -> None:
    findings = (
        "There is a right pleural effusion. No pneumothorax. Evaluate for pneumonia. Her mother had tuberculosis."
    )
    texts = _report_row(findings, "Right pleural effusion.")
    everything = [*texts.descriptions, *texts.explanations]
    assert "There is a right pleural effusion." in texts.explanations
    assert not any(s.startswith(("No pneumothorax", "Evaluate", "Her mother")) for s in everything)


def test_label_the_report_does_not_describe_gets_only_generic_ontology_sentences() -> None:
    """A dataset / MeSH label with no report sentence: its generic ontology sentences, and no side words."""
    report = {"findings": "Lungs are clear.", "impression": "Stable chest."}
    texts = _compose("cxr", ["fracture"], report=report)
    onto = load_ontology()
    assert texts.descriptions == list(onto["fracture"].descriptions)
    assert not any(word in " ".join(texts.descriptions).lower() for word in ("acute", "healed", "old", "left"))


def test_report_cleaning_and_view_check_apply_to_report_sentences() -> None:
    findings = (
        "PA and lateral views of the chest were obtained. Normal chest x-XXXX. "
        "There is a small left pleural effusion. Small effusion is seen on the lateral view only."
    )
    impression = "Small left pleural effusion. Findings discussed with the referring team."
    pa = _report_row(findings, impression, view="PA")
    assert pa.descriptions[0] == "Small left pleural effusion."
    assert pa.explanations == ["There is a small left pleural effusion."]
    assert pa.dropped["other_view"] == 1 and pa.dropped["communication"] == 1
    lateral = _report_row(findings, impression, view="LATERAL")
    assert "Small effusion is seen on the lateral view only." in lateral.explanations


def test_mesh_keywords_become_words_backed_by_the_report() -> None:
    keywords = ["Pleural Effusion/left/small", "Calcified Granuloma/lung/bilateral"]
    texts = _report_row("Small left pleural effusion.", "Small left pleural effusion.", keywords=keywords)
    assert "small left pleural effusion" in texts.descriptions
    assert "calcified granuloma in the lung" in texts.descriptions  # "bilateral" is not in the report


def test_view_template_only_on_its_view() -> None:
    on_pa = _compose("cxr", ["cardiomegaly"])
    assert not any("cardiothoracic" in e for e in on_pa.explanations)  # view unknown: no view sentence
    pa = compose_texts(
        modality="cxr", labels=["cardiomegaly"], uncertain_labels=[], negative_labels=[], keywords=[],
        report=None, policy=TextPolicy(), view="PA",
    )  # fmt: skip
    assert "cardiothoracic ratio above one half on this posteroanterior view" in pa.explanations
    ap = compose_texts(
        modality="cxr", labels=["cardiomegaly"], uncertain_labels=[], negative_labels=[], keywords=[],
        report=None, policy=TextPolicy(), view="AP",
    )  # fmt: skip
    assert not any("cardiothoracic" in e or "posteroanterior" in e for e in ap.explanations)


def test_fundus_texts_use_the_eye_grade_and_measures_so_two_eyes_differ() -> None:
    def eye(laterality: str, **attributes):
        return compose_texts(
            modality="fundus", labels=["moderate_npdr"], uncertain_labels=[], negative_labels=[], keywords=[],
            report=None, policy=TextPolicy(), attributes=attributes, laterality=laterality,
        )  # fmt: skip

    left = eye("L", dr_grade=2, dme_grade=1, cup_to_disc_ratio=0.42)
    right = eye("R", dr_grade=2, dme_grade=0, cup_to_disc_ratio=0.71)
    assert "fundus photograph of the left eye" in left.descriptions
    assert "fundus photograph of the right eye" in right.descriptions
    assert "diabetic retinopathy grade 2 of 4 on the international clinical scale" in left.descriptions
    assert any(d.startswith("diabetic macular edema grade 1 of 2") for d in left.descriptions)
    assert any("0.42" in e for e in left.explanations) and any("0.71" in e for e in right.explanations)
    assert (left.descriptions, left.explanations) != (right.descriptions, right.explanations)
    assert not any("right" in t for t in [*left.descriptions, *left.explanations])
    unknown = eye(None)
    assert not any("eye" in d for d in unknown.descriptions)  # no laterality: no eye sentence
