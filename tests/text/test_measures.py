"""Explanations stated from measured attributes, and their place in the composed texts."""

from __future__ import annotations

from mgll_data.text import compose_texts
from mgll_data.text.measures import measurement_sentences
from mgll_data.text.policy import TextPolicy


def test_cup_to_disc_bands_and_lesions() -> None:
    assert measurement_sentences({"cup_to_disc_ratio": 0.72}) == [
        "enlarged optic cup with a vertical cup-to-disc ratio of about 0.72"
    ]
    assert measurement_sentences({"cup_to_disc_ratio": 0.65}) == [
        "moderately large optic cup with a vertical cup-to-disc ratio of about 0.65"
    ]
    assert measurement_sentences({"cup_to_disc_ratio": 0.3})[0].startswith("optic cup of ordinary size")
    assert measurement_sentences({"cup_to_disc_ratio": 0.3})[0].endswith("about 0.3")
    lesions = [{"name": "atrophy", "area_fraction": 0.0312}, {"name": "drusen", "area_fraction": 0.0}]
    assert measurement_sentences({"lesions": lesions}) == [
        "patchy chorioretinal atrophy covering about 3.1% of the image"
    ]
    assert measurement_sentences(None) == []


def test_measurements_lead_the_explanations() -> None:
    texts = compose_texts(
        modality="fundus",
        labels=["glaucoma"],
        uncertain_labels=[],
        negative_labels=[],
        keywords=[],
        report=None,
        policy=TextPolicy(),
        attributes={"cup_to_disc_ratio": 0.8},
    )
    assert texts.explanations[0] == "enlarged optic cup with a vertical cup-to-disc ratio of about 0.8"
    assert len(texts.explanations) > 1
