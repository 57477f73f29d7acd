"""ConText decisions on the error classes issue 13 names, through `span_status` and the report labeler.

Each class is a general rule in data/context_rules.yaml; the sentences below are ours, written to exercise it.
"""

from __future__ import annotations

import pytest
from context_helpers import span_of as _span
from context_helpers import state_of as _state

from mgll_data.errors import MgllError
from mgll_data.text import label_report, span_status


@pytest.mark.parametrize(
    ("text", "target", "status", "temporality", "experiencer", "cue"),
    [
        # every form of "deny", with or without "any"
        ("The patient denied any chest pain.", "chest pain", "negative", "current", "patient", "denied"),
        ("She denies shortness of breath.", "shortness of breath", "negative", "current", "patient", "denies"),
        # a denied history is negated and historical: the historical trigger does not cut the negation
        ("No history of asthma.", "asthma", "negative", "historical", "patient", "No"),
        ("There is no prior history of tuberculosis.", "tuberculosis", "negative", "historical", "patient", "no"),
        # copula + negative, and "ruled out" after the target
        ("The urine culture was negative.", "urine culture", "negative", "current", "patient", "was negative"),
        (
            "Myocardial infarction has been ruled out.",
            "Myocardial infarction",
            "negative",
            "current",
            "patient",
            "been ruled out",
        ),
        # "no further X" is a negation; only "no further change" is not
        ("No further pneumothorax.", "pneumothorax", "negative", "current", "patient", "No"),
        ("No further change in the small effusion.", "effusion", "positive", "current", "patient", None),
        # punctuation glued to a header ends the scope
        ("Negative for fever (HISTORY):large right effusion.", "effusion", "positive", "current", "patient", None),
        ("No pneumonia;large right effusion.", "effusion", "positive", "current", "patient", None),
        # the subject of a normal statement is negated, upper case included
        ("HEART SIZE IS NORMAL.", "HEART SIZE", "negative", "current", "patient", "NORMAL"),
        # a normal statement does not negate what follows it
        ("Heart size is normal; right lower lobe pneumonia.", "pneumonia", "positive", "current", "patient", None),
        # temporality
        ("History of pneumonia.", "pneumonia", "positive", "historical", "patient", None),
        ("Evaluate for pneumonia.", "pneumonia", "positive", "hypothetical", "patient", None),
        ("Portable film to rule out pneumothorax.", "pneumothorax", "positive", "hypothetical", "patient", None),
        ("Cannot rule out pneumonia.", "pneumonia", "uncertain", "current", "patient", "Cannot rule out"),
        ("Return if chest pain recurs.", "chest pain", "positive", "hypothetical", "patient", None),
        # experiencer
        ("Family history of lung cancer.", "lung cancer", "positive", "current", "other", None),
        ("His mother had breast cancer.", "breast cancer", "positive", "current", "other", None),
        ("Denies family history of diabetes.", "diabetes", "negative", "current", "other", "Denies"),
    ],
)
def test_span_status_axes(text, target, status, temporality, experiencer, cue) -> None:
    result = _span(text, target)
    assert (result.status, result.temporality, result.experiencer) == (status, temporality, experiencer)
    status_cues = [t.text for t in result.triggers if t.axis == "status"]
    assert status_cues == ([cue] if cue else [])
    for trigger in result.triggers:
        assert text[trigger.start : trigger.end] == trigger.text


@pytest.mark.parametrize(
    ("text", "finding", "expected"),
    [
        ("He denied any rib fracture.", "fracture", "negative"),
        ("No history of pneumothorax.", "pneumothorax", "negative"),
        ("The ultrasound for effusion was negative.", "pleural_effusion", "negative"),
        ("No further pneumothorax.", "pneumothorax", "negative"),
        ("Negative for fever (HISTORY):large right effusion.", "pleural_effusion", "positive"),
        ("No pneumonia;large right pleural effusion.", "pleural_effusion", "positive"),
        ("HEART SIZE IS NORMAL.", "cardiomegaly", "negative"),
        # requests, conditions and other people's findings are not findings of the study
        ("Indication: evaluate for pneumonia.", "pneumonia", None),
        ("Rule out pneumothorax.", "pneumothorax", None),
        ("Family history of emphysema.", "emphysema", None),
        ("His father had emphysema.", "emphysema", None),
    ],
)
def test_report_labels_per_error_class(text: str, finding: str, expected: str | None) -> None:
    assert _state(text, finding) == expected


def test_indication_request_leaves_a_normal_study_normal() -> None:
    result = label_report("Evaluate for pneumonia. The lungs are clear.")
    assert result.labels == ["normal"]
    mention = next(m for m in result.mentions if m.finding == "pneumonia")
    assert (mention.temporality, mention.about_study) == ("hypothetical", False)


def test_span_status_agrees_with_the_labeler_on_every_mention() -> None:
    text = "No pleural effusion. Possible right lower lobe pneumonia. History of pneumothorax. Mild edema."
    for mention in label_report(text).mentions:
        result = span_status(text, mention.start, mention.end)
        assert (result.status, result.temporality, result.experiencer) == (
            mention.status,
            mention.temporality,
            mention.experiencer,
        )


def test_triggers_inside_the_target_are_not_applied() -> None:
    assert _span("No pneumothorax.", "No pneumothorax").status == "positive"


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (0, 99)])
def test_a_span_outside_the_text_is_a_clear_error(start: int, end: int) -> None:
    with pytest.raises(MgllError, match="not inside the text"):
        span_status("No edema.", start, end)


def test_a_category_setting_no_known_axis_value_is_rejected(monkeypatch) -> None:
    from mgll_data.text import rules

    real = rules._data

    def broken(name: str) -> dict:
        data = real(name)
        if name == "context_rules.yaml":
            data["categories"]["historical_pre"]["status"] = "historical"  # the old one-axis spelling
        return data

    monkeypatch.setattr(rules, "_data", broken)
    rules.labeler_rules.cache_clear()
    try:
        with pytest.raises(MgllError, match="historical_pre.*exactly one of"):
            rules.labeler_rules()
    finally:
        rules.labeler_rules.cache_clear()


@pytest.mark.parametrize(
    ("text", "target", "status"),
    [
        # a scope counts words, not punctuation: a long list under one trigger stays in scope
        ("Denies fever, chills, night sweats, weight loss, nausea, vomiting, diarrhea, or abdominal pain.",
         "abdominal pain", "negative"),
        ("Unable to rule out pneumonia.", "pneumonia", "uncertain"),
        ("Cultures remained negative.", "Cultures", "negative"),
        # a new statement of what the patient has ends a negation's scope
        ("Patient presents with no fever and reports a productive cough.", "productive cough", "positive"),
    ],
)  # fmt: skip
def test_scope_and_closing_rules(text: str, target: str, status: str) -> None:
    assert _span(text, target).status == status


@pytest.mark.parametrize(
    ("text", "target", "status"),
    [
        # only predicates of absence negate after the target; "is not <quality>" describes a present finding
        ("Pulses were not palpable.", "Pulses", "negative"),
        ("The rash is not tender.", "rash", "positive"),
        ("There is no longer any evidence of bleeding.", "bleeding", "negative"),
        ("Not clear whether this is infection.", "infection", "uncertain"),
        ("Gram negative rods in the blood culture.", "rods", "positive"),
        ("There has been no increase in the size of the mass.", "mass", "positive"),
    ],
)
def test_post_negation_and_pseudo_rules(text: str, target: str, status: str) -> None:
    assert _span(text, target).status == status


@pytest.mark.parametrize(
    ("text", "target"),
    [("Status post right upper lobectomy.", "lobectomy"), ("He had pneumonia two years ago.", "pneumonia")],
)
def test_past_conditions_are_historical(text: str, target: str) -> None:
    assert _span(text, target).temporality == "historical"
