"""Sentence splitter: numbers, abbreviations, list items and redaction tokens stay whole; unicode is kept."""

from __future__ import annotations

import pytest

from mgll_data.text.sentences import normalize_text, split_sentences


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_decimals_and_measurements_stay_whole() -> None:
    assert _texts("A 2.5 cm nodule measures 2.5 x 1.3 cm. No effusion.") == [
        "A 2.5 cm nodule measures 2.5 x 1.3 cm.",
        "No effusion.",
    ]


@pytest.mark.parametrize("abbreviation", ["approx.", "Dr.", "p.m.", "e.g.", "vs.", "No."])
def test_abbreviations_do_not_end_a_sentence(abbreviation: str) -> None:
    text = f"Seen {abbreviation} 3 findings today. Next sentence."
    assert _texts(text) == [f"Seen {abbreviation} 3 findings today.", "Next sentence."]


def test_numbered_list_items_are_separate_sentences_with_their_number() -> None:
    sentences = split_sentences("1. Stable mild cardiomegaly. 2. Hyperexpanded but clear lungs.")
    assert [(s.text, s.item) for s in sentences] == [
        ("Stable mild cardiomegaly.", "1"),
        ("Hyperexpanded but clear lungs.", "2"),
    ]


def test_list_items_on_new_lines_and_paragraphs() -> None:
    text = "1. Left pleural effusion with adjacent atelectasis. Right effusion is also present.\n\n2. Cardiomegaly"
    assert [(s.text, s.item) for s in split_sentences(text)] == [
        ("Left pleural effusion with adjacent atelectasis.", "1"),
        ("Right effusion is also present.", None),
        ("Cardiomegaly", "2"),
    ]


def test_a_number_closing_a_sentence_is_not_a_list_item() -> None:
    assert _texts("Effusion increased since study 2. New line placed.") == [
        "Effusion increased since study 2.",
        "New line placed.",
    ]


def test_a_period_glued_to_the_next_sentence_splits() -> None:
    assert _texts("Lesion in the left apex.There are streaky opacities, e.g.Some.") == [
        "Lesion in the left apex.",
        "There are streaky opacities, e.g.Some.",
    ]


def test_deidentification_tokens_are_intact() -> None:
    assert _texts("___ year old with cough. XXXX opacity in the XXXX lobe. Called Dr. ___ at 3 p.m.") == [
        "___ year old with cough.",
        "XXXX opacity in the XXXX lobe.",
        "Called Dr. ___ at 3 p.m.",
    ]


def test_lower_case_reports_split() -> None:
    assert _texts("pa and lat cxr at 7:34 p.m.. heart and mediastinum are\nstable. lungs are unchanged.") == [
        "pa and lat cxr at 7:34 p.m..",
        "heart and mediastinum are stable.",
        "lungs are unchanged.",
    ]


def test_unicode_is_normalised_never_dropped() -> None:
    sentences = split_sentences("Ｈｅａｒｔ size normal\u00a0today. Angle 45° near the café.")
    assert [s.text for s in sentences] == ["Heart size normal today.", "Angle 45° near the café."]
    assert normalize_text("ﬁbrosis\u2009noted") == "fibrosis noted"


def test_offsets_point_into_the_original_text() -> None:
    text = "  Heart normal.\n\n 1. Lungs clear. "
    for sentence in split_sentences(text):
        assert normalize_text(text[sentence.start : sentence.end]) == sentence.text
