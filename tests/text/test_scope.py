"""Cue scope, differentials, hedges, request cues and relatives (issue 21), one block per error class.

The sentences are ours, several phrasings per class, short and long; they are a development set for the general
rules in data/context_rules.yaml, not a copy of any evaluation corpus. Targets that are not chest X-ray
findings are decided through `span_status`; findings through the report labeler.
"""

from __future__ import annotations

import pytest
from context_helpers import span_of as _span
from context_helpers import state_of as _state

from mgll_data.text import label_report
from mgll_data.text.rules import labeler_rules


def _span_cases(cases: list[tuple[str, str, str]]):
    return pytest.mark.parametrize(("text", "target", "status"), cases)


def _report_cases(cases: list[tuple[str, str, str]]):
    return pytest.mark.parametrize(("text", "finding", "expected"), cases)


# 1. A post cue does not reach back across a new phrase, a pre cue does not run into one.
@_span_cases(
    [
        (
            "Large right pneumothorax with visible pleural line and absent lung markings peripherally.",
            "pneumothorax",
            "positive",
        ),
        (
            "Large right pneumothorax with visible pleural line and absent lung markings peripherally.",
            "lung markings",
            "negative",
        ),
        ("Moderate left effusion with adjacent atelectasis and absent air bronchograms.", "effusion", "positive"),
        (
            "No interval growth of the left upper lobe nodule when compared with the outside study, with a subtle "
            "area of scarring at the apex.",
            "scarring",
            "positive",
        ),
        ("No acute osseous abnormality with healed right rib fractures.", "healed right rib fractures", "positive"),
        ("The opacity has resolved.", "opacity", "negative"),
        ("Consolidation resolved since the prior radiograph.", "Consolidation", "negative"),
        ("Pneumothorax absent bilaterally.", "Pneumothorax", "negative"),
    ]
)
def test_scope_ends_at_a_new_phrase(text, target, status) -> None:
    assert _span(text, target).status == status


# 2. The alternatives of a differential are uncertain (the CheXpert labeler's "or" / "versus" patterns).
@_report_cases(
    [
        ("Basilar atelectasis or pneumonia.", "atelectasis", "uncertain"),
        ("Basilar atelectasis or pneumonia.", "pneumonia", "uncertain"),
        ("Left lower lobe atelectasis versus pneumonia.", "pneumonia", "uncertain"),
        ("Right basilar opacity, atelectasis vs. consolidation.", "consolidation", "uncertain"),
        ("Either atelectasis or early pneumonia at the right base.", "atelectasis", "uncertain"),
        ("Atelectasis, consolidation or pneumonia in the left base.", "consolidation", "uncertain"),
        (
            "Streaky bibasilar opacities which in the setting of recent surgery most likely reflect subsegmental "
            "atelectasis in the right lower lobe or developing aspiration pneumonia.",
            "pneumonia",
            "uncertain",
        ),
        ("There is mild surrounding airspace consolidation and/or atelectasis.", "atelectasis", "uncertain"),
        # negation outranks the list, and a list does not reach across a verb or "and"
        ("No pneumothorax or pleural effusion.", "pleural_effusion", "negative"),
        ("The right pleural effusion is unchanged or slightly smaller.", "pleural_effusion", "positive"),
        ("Mild cardiomegaly and pulmonary edema, no effusion or pneumothorax.", "cardiomegaly", "positive"),
        ("Small right effusion with or without atelectasis.", "pleural_effusion", "positive"),
    ]
)
def test_differentials_are_uncertain(text, finding, expected) -> None:
    assert _state(text, finding) == expected


# 3. Hedged attributions, per the CheXpert labeler's patterns (see context_rules.yaml).
@_report_cases(
    [
        ("Presumed right lower lobe pneumonia.", "pneumonia", "uncertain"),
        ("Probable small left pleural effusion.", "pleural_effusion", "uncertain"),
        ("Findings are suggestive of early pulmonary edema.", "edema", "uncertain"),
        ("A small right pneumothorax cannot be excluded on this supine film.", "pneumothorax", "uncertain"),
        ("The retrocardiac density could be atelectasis.", "atelectasis", "uncertain"),
        ("Increased interstitial markings may represent mild interstitial edema.", "edema", "uncertain"),
        ("The opacity may be consistent with pneumonia in the appropriate clinical setting.", "pneumonia", "uncertain"),
        ("Left basilar opacity may be compatible with atelectasis.", "atelectasis", "uncertain"),
        ("Pneumonia is less likely.", "pneumonia", "uncertain"),
        ("Please correlate clinically for pneumonia.", "pneumonia", "uncertain"),
        # stated, as in the CheXpert labeler: "consistent with", "compatible with", "likely"
        ("Right upper lobe opacity consistent with pneumonia.", "pneumonia", "positive"),
        ("Lucency at the apex compatible with a small pneumothorax.", "pneumothorax", "positive"),
        ("Likely right middle lobe atelectasis.", "atelectasis", "positive"),
    ]
)
def test_hedges_follow_the_chexpert_convention(text, finding, expected) -> None:
    assert _state(text, finding) == expected


# 4. A hedge that names what follows lands there, not on the subject before it.
@_span_cases(
    [
        ("Patchy opacity at the base could be pneumonia.", "opacity", "positive"),
        ("Patchy opacity at the base could be pneumonia.", "pneumonia", "uncertain"),
        ("Hyperinflation may be related to reactive airway disease.", "Hyperinflation", "positive"),
        ("Hyperinflation may be related to reactive airway disease.", "reactive airway disease", "uncertain"),
        ("The nodular density in the left upper lobe may be a nipple shadow.", "nodular density", "positive"),
        ("The small left effusion may be present, given blunting of the angle.", "effusion", "uncertain"),
        ("Pneumonia could be present in the right lower lobe.", "Pneumonia", "uncertain"),
    ]
)
def test_a_hedge_lands_on_the_finding_it_names(text, target, status) -> None:
    assert _span(text, target).status == status


# 5. Request cues in every spelling make the finding a question of the request, not a finding.
@pytest.mark.parametrize(
    "text",
    [
        "Cough and fever, rule - out pneumonia.",
        "Rule-out pneumonia.",
        "Fever. r/o pneumonia.",
        "R/O pneumonia.",
        "Portable chest radiograph obtained to exclude pneumonia in this febrile patient.",
        "Query pneumonia.",
    ],
)
def test_request_cue_spellings_are_hypothetical(text) -> None:
    assert _span(text, "pneumonia").temporality == "hypothetical"
    assert "pneumonia" not in label_report(text).labels


# 6. Scope cues the rules lacked, in short and long sentences.
@_report_cases(
    [
        ("Lack of pneumothorax after chest tube removal.", "pneumothorax", "negative"),
        ("There is a lack of focal consolidation.", "consolidation", "negative"),
        ("The previously questioned pneumothorax is not borne out on the lateral view.", "pneumothorax", "negative"),
        ("Pneumonia was not borne out.", "pneumonia", "negative"),
        (
            "Frontal and lateral views of the chest were obtained in the upright position without evidence of focal "
            "airspace consolidation in either lung or in the retrocardiac portion of the left lower lobe, or of a "
            "pneumothorax.",
            "pneumothorax",
            "negative",
        ),
        (
            "The lungs are well expanded without evidence of focal airspace disease in the upper, middle or lower "
            "lung zones on either side, or of a large pleural effusion.",
            "pleural_effusion",
            "negative",
        ),
        (
            "The cardiomediastinal silhouette and the pulmonary vasculature are within normal limits for size and "
            "contour, and the lungs are clear without evidence of a pleural effusion.",
            "pleural_effusion",
            "negative",
        ),
    ]
)
def test_missing_scope_cues(text, finding, expected) -> None:
    assert _state(text, finding) == expected


# 7. A cue inside a list binds to its own noun.
@_span_cases(
    [
        ("Infection versus reflux versus resolved hydronephrosis.", "hydronephrosis", "negative"),
        ("Infection versus reflux versus resolved hydronephrosis.", "reflux", "uncertain"),  # an alternative
        ("Bronchitis, bronchiectasis or removed foreign body.", "Bronchitis", "positive"),
        ("Cholecystitis and cleared effusion at the right base.", "Cholecystitis", "positive"),
    ]
)
def test_a_negation_word_in_a_list_binds_to_its_noun(text, target, status) -> None:
    assert _span(text, target).status == status


@_report_cases(
    [
        ("Atelectasis versus pneumonia versus resolved effusion at the right base.", "pneumonia", "uncertain"),
        ("Atelectasis versus pneumonia versus resolved effusion at the right base.", "pleural_effusion", "negative"),
    ]
)
def test_a_resolved_alternative_in_a_differential(text, finding, expected) -> None:
    assert _state(text, finding) == expected


# 8. Relatives, plural and other, are other experiencers.
@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Two brothers with pneumonia this winter.", "pneumonia"),
        ("Both parents had tuberculosis.", "tuberculosis"),
        ("Her siblings have asthma.", "asthma"),
        ("Several relatives with lung cancer.", "lung cancer"),
        ("His sisters and their children were treated for tuberculosis last year.", "tuberculosis"),
        ("Grandparents with emphysema.", "emphysema"),
    ],
)
def test_relatives_are_other_experiencers(text, target) -> None:
    assert _span(text, target).experiencer == "other"


# 9. Conventions where references differ, decided in context_rules.yaml.
@_report_cases(
    [
        ("No change in the small right pleural effusion.", "pleural_effusion", "positive"),
        ("No significant interval change in the left basilar atelectasis.", "atelectasis", "positive"),
        ("Resolved right pleural effusion.", "pleural_effusion", "negative"),
        ("Interval resolution of the right lower lobe pneumonia.", "pneumonia", "negative"),
        ("No definite pneumothorax.", "pneumothorax", "uncertain"),
        ("No evidence of pneumothorax.", "pneumothorax", "negative"),
    ]
)
def test_conventions(text, finding, expected) -> None:
    assert _state(text, finding) == expected


def test_a_resolved_finding_is_negative_and_historical() -> None:
    for text, target in [
        ("Resolved right pleural effusion.", "pleural effusion"),
        ("The right pleural effusion has resolved.", "pleural effusion"),
        ("Interval resolution of the pneumonia.", "pneumonia"),
    ]:
        result = _span(text, target)
        assert (result.status, result.temporality) == ("negative", "historical"), text


def test_each_cue_reports_the_scope_it_covered() -> None:
    text = "Large right pneumothorax with visible pleural line and absent lung markings peripherally."
    (trigger,) = _span(text, "lung markings").triggers
    assert text[slice(*trigger.scope)] == "absent lung markings peripherally"
    text = "No pneumothorax, but a small left effusion."
    (trigger,) = _span(text, "pneumothorax").triggers
    assert text[slice(*trigger.scope)] == "No pneumothorax"


# 1 (continued). A comma after a closed statement ends every scope; a comma inside a list does not.
@_report_cases(
    [
        (
            "No focal consolidation, no definite pleural effusion seen, dense nodule in the left lung.",
            "nodule",
            "positive",
        ),
        ("No pneumothorax identified, small left pleural effusion.", "pleural_effusion", "positive"),
        ("No pneumothorax, pleural effusion or focal consolidation identified.", "consolidation", "negative"),
        ("No focal infiltrates Emphysema.", "emphysema", "positive"),
    ]
)
def test_a_closed_statement_ends_the_scope(text, finding, expected) -> None:
    assert _state(text, finding) == expected


def test_an_increase_in_heart_size_is_cardiomegaly() -> None:
    assert _state("There is a marked interval increase in heart size.", "cardiomegaly") == "positive"
    assert _state("No increase in heart size.", "cardiomegaly") is None  # stable, whatever its size


def test_rule_phrases_yaml_would_read_as_other_types_are_loaded_as_phrases() -> None:
    """A bare `?` or `no` in YAML is a mapping key or a boolean; quoted they are the phrases meant."""
    phrases = {p for c in labeler_rules().categories for p in c.phrases}
    assert {"?", "no"} <= phrases
    assert {"on", "since"} <= labeler_rules().continuations
