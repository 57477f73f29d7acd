"""Labeler: mentions, ConText negation / uncertainty / pseudo-negation / terminators / post-triggers, aggregation."""

from __future__ import annotations

import pytest

from mgll_data.text.labeler import label_report, label_reports


def _status(text: str) -> dict[str, str]:
    result = label_report(text)
    out = {f: "positive" for f in result.labels}
    out.update({f: "uncertain" for f in result.uncertain_labels})
    out.update({f: "negative" for f in result.negative_labels})
    return out


@pytest.mark.parametrize(
    ("text", "finding", "expected"),
    [
        # negation, including lists under one trigger
        ("No pneumothorax.", "pneumothorax", "negative"),
        ("No focal consolidation, pneumothorax, or large pleural effusion.", "pleural_effusion", "negative"),
        ("Negative for pneumothorax, pleural effusion or focal airspace consolidation.", "consolidation", "negative"),
        ("Cardiomegaly without overt edema.", "edema", "negative"),
        ("Lungs are clear of focal airspace disease, pneumothorax, or pleural effusion.", "pneumothorax", "negative"),
        # post-triggers
        ("Pneumothorax is not seen.", "pneumothorax", "negative"),
        ("The left effusion has resolved.", "pleural_effusion", "negative"),
        ("Pneumonia cannot be excluded.", "pneumonia", "uncertain"),
        # uncertainty, strong uncertainty outranks negation
        ("Minimal patchy opacity, may reflect atelectasis or consolidation.", "consolidation", "uncertain"),
        ("Cannot exclude early pneumonia.", "pneumonia", "uncertain"),
        ("No definite pleural effusion.", "pleural_effusion", "uncertain"),
        ("Question small right pleural effusion.", "pleural_effusion", "uncertain"),
        # probable existence and the named alternatives of a differential are uncertain (CheXpert's convention)
        ("Probable bilateral pleural effusions.", "pleural_effusion", "uncertain"),
        ("Left basilar atelectasis versus infiltrate.", "infiltration", "uncertain"),
        # pseudo-negations do not negate
        ("No change in the moderate right pleural effusion.", "pleural_effusion", "positive"),
        ("No interval change in cardiomegaly.", "cardiomegaly", "positive"),
        ("There is not only atelectasis but also edema.", "atelectasis", "positive"),
        # terminators end a negation's scope
        ("No pneumothorax, but there is a small left effusion.", "pleural_effusion", "positive"),
        ("No focal consolidation; there is mild atelectasis.", "atelectasis", "positive"),
        # a trigger of another category ends the scope of the first
        ("No pneumothorax, possible small effusion.", "pleural_effusion", "uncertain"),
        # subject + modifier
        ("The heart is mildly enlarged.", "cardiomegaly", "positive"),
        ("Heart size is normal.", "cardiomegaly", "negative"),
        ("The heart is not enlarged.", "cardiomegaly", "negative"),
        ("Heart size is at the upper limits of normal.", "cardiomegaly", "negative"),
        ("The mediastinum is widened.", "enlarged_cardiomediastinum", "positive"),
        # mentions of related ids
        ("A 6 mm nodule in the right upper lobe.", "lung_lesion", "positive"),
        ("Apical pleural thickening.", "pleural_other", "positive"),
        # CheXpert's rule: heart failure implies uncertain cardiomegaly
        ("Findings consistent with congestive heart failure.", "cardiomegaly", "uncertain"),
    ],
)
def test_context_status(text: str, finding: str, expected: str) -> None:
    assert _status(text).get(finding) == expected


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Small pericardial effusion.", "pleural_effusion"),
        ("Subcutaneous emphysema in the chest wall.", "emphysema"),
        ("Nodular opacity projecting over the 4th rib.", "nodule"),
        ("History of pneumonia, lungs now clear.", "pneumonia"),
        ("The trachea is midline.", "support_devices"),
    ],
)
def test_false_mentions_are_not_labels(text: str, absent: str) -> None:
    assert absent not in _status(text)


def test_aggregation_positive_over_uncertain_over_negative() -> None:
    result = label_report("No edema. Possible edema. Mild pulmonary edema. Possible pneumonia. No pneumonia.")
    assert "edema" in result.labels
    assert "pneumonia" in result.uncertain_labels
    assert "pneumonia" not in result.negative_labels


def test_normal_only_without_positive_or_uncertain_pathology() -> None:
    assert label_report("Stable chest.").labels == ["normal"]
    assert "normal" in label_report("Right PICC with tip in the SVC. Lungs clear.").labels
    assert "normal" not in label_report("Possible right lower lobe pneumonia.").labels
    assert label_report("   ").labels == []


def test_mentions_carry_offsets_and_cues() -> None:
    text = "Heart normal. No pleural effusion."
    result = label_report(text)
    mention = next(m for m in result.mentions if m.finding == "pleural_effusion")
    assert text[mention.start : mention.end] == mention.text == "pleural effusion"
    assert (mention.status, mention.trigger, mention.cue, mention.sentence) == ("negative", "negated_pre", "No", 1)


def test_batch_equals_single() -> None:
    texts = ["No effusion.", "Mild cardiomegaly.", "", "Possible pneumonia."]
    assert label_reports(texts) == [label_report(t) for t in texts]


def test_scispacy_abbreviations_become_mentions() -> None:
    """Only with the optional `scispacy` extra installed (it pins numpy < 2, so it is not in the dev env)."""
    pytest.importorskip("scispacy")
    result = label_report("Small apical pleural air collection (PAC). The PAC is stable.")
    assert [m.text for m in result.mentions if m.finding == "pneumothorax"] == [
        "pleural air collection",
        "PAC",
        "PAC",
    ]


def test_rule_files_naming_an_unknown_finding_are_rejected(monkeypatch) -> None:
    from mgll_data.errors import MgllError
    from mgll_data.text import rules

    real = rules._data

    def broken(name: str) -> dict:
        data = real(name)
        if name == "mentions.yaml":
            data["implied"] = [{"phrases": ["heart failure"], "finding": "heart_failure", "status": "uncertain"}]
        return data

    monkeypatch.setattr(rules, "_data", broken)
    rules.labeler_rules.cache_clear()
    try:
        with pytest.raises(MgllError, match="heart_failure"):
            rules.labeler_rules()
    finally:
        rules.labeler_rules.cache_clear()


def test_the_narrower_finding_wins_over_its_ancestor_inside_one_phrase():
    """ "hernia" inside "hiatal hernia" is the child `hiatal_hernia` only (ontology parent: hernia)."""
    hiatal = label_report("Small hiatal hernia.")
    assert hiatal.labels == ["hiatal_hernia"]
    assert label_report("Hernia of the left hemidiaphragm.").labels == ["hernia"]
    assert label_report("No hiatal hernia.").negative_labels == ["hiatal_hernia"]
