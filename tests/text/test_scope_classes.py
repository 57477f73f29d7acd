"""Classes of wording the labeler got wrong after test_scope_phrasings.py, each in several phrasings of our own
with different findings: a question mark before a finding, a restated finding after a negated list, graded
findings after a hedge, a differential explaining a broader finding, "absent" before an explanation, "favor",
requests, past-history headers, symptom durations, conditions, and cues wrapped across lines. Every class holds
cases that failed on the rules before this file.
"""

from __future__ import annotations

from context_helpers import cases as _cases
from context_helpers import check_axis as _check
from context_helpers import state_of

from mgll_data.text import label_report


# A "?" set before a finding questions that finding; it neither ends the sentence nor hedges what came before.
@_cases(
    [
        ("? pneumonia.", "pneumonia", "uncertain"),
        ("Fever and cough, ? consolidation at the left base.", "consolidation", "uncertain"),
        ("Fever and cough, ? consolidation at the left base.", "cough", "positive"),
        ("Dense retrocardiac opacity, ? collapse.", "opacity", "positive"),
        ("Shortness of breath. ? pneumothorax after line placement.", "pneumothorax", "uncertain"),
        ("?? effusion on the right.", "effusion", "uncertain"),
        ("Known COPD, ?infection.", "infection", "uncertain"),
        ("Is there an effusion? Lungs are clear.", "effusion", "uncertain"),
    ]
)
def test_a_question_mark_before_a_finding_hedges_it(text, target, expected) -> None:
    _check(text, target, expected)


# A finding after the list's last comma or "and", with a predicate that says it is there, starts a new clause;
# a list joined by "or" before the predicate stays negated, and so does a plain negated list.
@_cases(
    [
        ("No effusion, pneumothorax, and cardiomegaly is stable.", "cardiomegaly", "positive"),
        ("No effusion, pneumothorax, and cardiomegaly is stable.", "pneumothorax", "negative"),
        ("No consolidation or edema, emphysema persists.", "emphysema", "positive"),
        ("No consolidation or edema, emphysema persists.", "edema", "negative"),
        ("No pneumothorax and the hiatal hernia is unchanged.", "hiatal hernia", "positive"),
        ("No new opacity and atelectasis at the left base is again noted.", "atelectasis", "positive"),
        ("Without effusion, and the nodule has increased.", "nodule", "positive"),
        ("No pneumothorax, nodules are again seen in both lungs.", "nodules", "positive"),
        ("No edema, effusion or pneumothorax is again seen.", "pneumothorax", "negative"),
        ("No edema, effusion, or pneumothorax is again seen.", "effusion", "negative"),
        ("No infiltrate, mass or effusion.", "effusion", "negative"),
        ("No pleural effusion or pneumothorax remains.", "pneumothorax", "negative"),
    ]
)
def test_a_restated_finding_after_a_negated_list_is_a_new_clause(text, target, expected) -> None:
    _check(text, target, expected)


# A graded finding after a comma ends a hedge's or a differential's scope as it ends a negation's; a list
# announced as a differential runs on.
@_cases(
    [
        ("Possible pneumonia, mild cardiomegaly.", "cardiomegaly", "positive"),
        ("Probable right basilar atelectasis, small effusion.", "effusion", "positive"),
        ("Questionable nodule in the left apex, moderate emphysema.", "emphysema", "positive"),
        ("Cannot exclude early infiltrate, and mild edema.", "edema", "positive"),
        ("Atelectasis or pneumonia, small left effusion.", "effusion", "positive"),
        ("Scarring versus infection, mild hyperinflation.", "hyperinflation", "positive"),
        ("Possible pneumonia, mild cardiomegaly.", "pneumonia", "uncertain"),
        ("Findings may represent atelectasis, small infiltrate or scarring.", "infiltrate", "uncertain"),
        ("Differential includes edema, small infiltrate, fibrosis.", "fibrosis", "uncertain"),
        ("No focal consolidation, large effusion, or pneumothorax is identified.", "effusion", "negative"),
        ("Negative for acute fracture, old healed left rib fractures.", "rib fractures", "positive"),
        ("No pneumothorax, large hiatal hernia.", "hiatal hernia", "positive"),
    ]
)
def test_graded_findings_after_a_comma_end_a_hedge(text, target, expected) -> None:
    _check(text, target, expected)


# The alternatives of a differential named after a broader finding explain it: that finding is stated. Two names
# of one finding are no differential; a broader finding that is itself an alternative is one.
@_cases(
    [
        ("Opacity at the left base, atelectasis or pneumonia.", "Opacity", "positive"),
        ("Opacity at the left base, atelectasis or pneumonia.", "pneumonia", "uncertain"),
        ("Right basilar opacity, atelectasis versus consolidation.", "opacity", "positive"),
        ("Nodular opacity in the lingula, granuloma or neoplasm.", "opacity", "positive"),
        ("Atelectasis, scarring or pneumonia.", "Atelectasis", "uncertain"),
        ("Mild airspace disease and/or atelectasis at the right base.", "airspace disease", "uncertain"),
        ("Patchy atelectasis or early infiltrate at the left base.", "infiltrate", "uncertain"),
        ("Left chest wall pacemaker/defibrillator.", "pacemaker", "positive"),
        ("Dual-lead ICD/pacemaker, unchanged.", "pacemaker", "positive"),
        ("No consolidation, large effusion/pneumothorax.", "pneumothorax", "negative"),
    ]
)
def test_a_differential_explains_a_broader_finding(text, target, expected) -> None:
    _check(text, target, expected)


# "A versus B" is a differential whatever A and B are; a comma ends its list. "or" still needs a finding named on
# the other side ("the right middle or lower lobe").
@_cases(
    [
        ("Apical lucency, pneumothorax versus skin fold.", "pneumothorax", "uncertain"),
        ("Apical lucency, pneumothorax versus skin fold.", "lucency", "positive"),
        ("Drusen versus early geographic atrophy.", "geographic atrophy", "uncertain"),
        ("Drusen versus early geographic atrophy.", "Drusen", "uncertain"),
        ("Mass vs. prominent vessel in the left hilum.", "Mass", "uncertain"),
        ("Opacity in the right middle or lower lobe.", "Opacity", "positive"),
    ]
)
def test_versus_is_a_differential_of_any_two_phrases(text, target, expected) -> None:
    _check(text, target, expected)


# "or" after a hedge or an explanation is a differential whatever it names; a plain list is not, nor an "or"
# between places or grades.
@_cases(
    [
        (
            "Perihilar infiltrates consistent with viral pneumonia or reactive airway disease.",
            "viral pneumonia",
            "uncertain",
        ),
        (
            "Perihilar infiltrates consistent with viral pneumonia or reactive airway disease.",
            "infiltrates",
            "positive",
        ),
        ("Peribronchial cuffing, likely bronchiolitis or viral illness.", "bronchiolitis", "uncertain"),
        ("Peribronchial cuffing, likely bronchiolitis or viral illness.", "cuffing", "positive"),
        ("Return if he develops nausea, vomiting or chills.", "vomiting", "positive"),
        ("Mild or moderate cardiomegaly.", "cardiomegaly", "positive"),
        ("Likely pneumonia in the right or left lower lobe.", "pneumonia", "positive"),
    ]
)
def test_or_after_a_cue_is_a_differential_of_any_phrases(text, target, expected) -> None:
    _check(text, target, expected)


# A slash between two findings is an "or"; the slash of an abbreviation is not. CheXpert's hedges "X could have
# this appearance" and "borderline"; "not diagnostic of" hedges; "w/o" negates and "c/w" states.
@_cases(
    [
        ("Left base atelectasis/infiltrate.", "infiltrate", "uncertain"),
        ("Left base atelectasis/infiltrate.", "atelectasis", "uncertain"),
        ("Cough, r/o pneumonia.", "pneumonia", "hypothetical"),
        (
            "Streaky densities favoring atelectasis, though infection could also have this appearance.",
            "infection",
            "uncertain",
        ),
        ("Borderline cardiomegaly.", "cardiomegaly", "uncertain"),
        ("Opacity compatible with but not diagnostic of pneumonia.", "pneumonia", "uncertain"),
        ("Clear lungs w/o effusion.", "effusion", "negative"),
        ("Opacity c/w atelectasis or pneumonia.", "Opacity", "positive"),
    ]
)
def test_slashes_appearance_borderline_and_shorthand(text, target, expected) -> None:
    _check(text, target, expected)


# A finding cleared is gone (negative, historical); one partly resolved is still there.
@_cases(
    [
        ("Interval clearing of the left basilar opacity.", "opacity", "negative"),
        ("Near complete resolution of the right effusion.", "effusion", "positive"),
        ("Partially resolved lingular pneumonia.", "pneumonia", "positive"),
        ("The left effusion has nearly resolved.", "effusion", "positive"),
        ("Follow-up radiograph to confirm clearing of the opacity.", "opacity", "positive"),
    ]
)
def test_partial_resolution_leaves_the_finding(text, target, expected) -> None:
    _check(text, target, expected)


def test_a_hedged_implying_phrase_implies_as_a_plain_one_does() -> None:
    implied = next(m for m in label_report("Mild heart failure versus volume overload.").mentions)
    assert (implied.finding, implied.status, implied.trigger) == ("cardiomegaly", "uncertain", None)


# "absent" before a noun phrase negates that phrase only, not the explanation given after it.
@_cases(
    [
        ("Absent left breast shadow consistent with mastectomy.", "mastectomy", "positive"),
        ("Absent left breast shadow consistent with mastectomy.", "breast shadow", "negative"),
        ("Absent right hemidiaphragm silhouette due to lower lobe collapse.", "collapse", "positive"),
        ("Absent vascular markings at the apex compatible with pneumothorax.", "pneumothorax", "positive"),
        ("Absent lung markings from a large bulla.", "bulla", "positive"),
        ("Absent effusion and consolidation.", "consolidation", "negative"),
    ]
)
def test_absent_does_not_reach_the_explanation(text, target, expected) -> None:
    _check(text, target, expected)


# "favor": CheXpert's patterns make the object of "favor" uncertain; the passive is the same hedge, and what it
# is favored over is less likely, also uncertain; what is "favored to be" something is there, its nature hedged.
@_cases(
    [
        ("Edema is favored over infection.", "Edema", "uncertain"),
        ("Edema is favored over infection.", "infection", "uncertain"),
        ("Findings favor atelectasis.", "atelectasis", "uncertain"),
        ("Scarring favored.", "Scarring", "uncertain"),
        ("Nodules are favored to be granulomas.", "Nodules", "positive"),
        ("Nodules are favored to be granulomas.", "granulomas", "uncertain"),
        ("Granuloma is favored, malignancy less likely.", "malignancy", "uncertain"),
    ]
)
def test_favored_findings_are_uncertain(text, target, expected) -> None:
    _check(text, target, expected)


# Requests name what to look for (hypothetical); a definite or further evaluation names a known finding, and a
# verb after the request makes a statement.
@_cases(
    [
        ("Indication: r.o. pneumonia.", "pneumonia", "hypothetical"),
        ("Reason for exam: evaluation of pneumothorax after biopsy.", "pneumothorax", "hypothetical"),
        ("Evaluation of effusion.", "effusion", "hypothetical"),
        ("Clinical question of aspiration.", "aspiration", "hypothetical"),
        ("Question: pneumothorax?", "pneumothorax", "hypothetical"),
        ("CT recommended for further evaluation of the nodule.", "nodule", "current"),
        ("Admitted for evaluation of her hemoptysis.", "hemoptysis", "current"),
        ("Recommend CT for evaluation of this nodule.", "nodule", "current"),
        ("Evaluation of the bases is limited by motion, no effusion.", "effusion", "current"),
        ("Return to the emergency room if there was fever or chills.", "chills", "hypothetical"),
    ]
)
def test_requests_are_hypothetical(text, target, expected) -> None:
    _check(text, target, expected)


# A past-history header covers its list; a symptom's duration ("a two-day history of") is the present illness.
@_cases(
    [
        ("PAST MEDICAL HISTORY: Hypertension, diabetes, asthma, remote tuberculosis and gout.", "gout", "historical"),
        ("Medical history: atrial fibrillation, COPD.", "COPD", "historical"),
        ("Her medical history is significant for sarcoidosis.", "sarcoidosis", "historical"),
        ("A three-day history of cough and fever.", "fever", "current"),
        ("Two week history of dyspnea.", "dyspnea", "current"),
        ("HISTORY OF PRESENT ILLNESS: productive cough.", "cough", "current"),
        ("History: cough.", "cough", "current"),
    ]
)
def test_history_headers_and_symptom_durations(text, target, expected) -> None:
    _check(text, target, expected)


# A cue wrapped across lines or with a run of spaces in it is still the cue.
@_cases(
    [
        ("No evidence\n   of pneumothorax.", "pneumothorax", "negative"),
        ("Family  history of  lung cancer.", "lung cancer", "other"),
        ("Cannot\nbe excluded: pneumonia.", "pneumonia", "positive"),
        ("Pneumonia cannot be\nexcluded.", "Pneumonia", "uncertain"),
    ]
)
def test_cues_wrapped_across_lines(text, target, expected) -> None:
    _check(text, target, expected)


def test_report_labels_keep_offsets_of_the_original_text_when_lines_wrap() -> None:
    text = "FINDINGS:\n  Possible  right lower lobe\n  pneumonia.\n\nNo   effusion."
    assert state_of(text, "pneumonia") == "uncertain"
    assert state_of(text, "pleural_effusion") == "negative"
