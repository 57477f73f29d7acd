"""`LabelSet`: the stronger statement about a finding wins, and `normal` is never denied."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mgll_data.sources.labels import STATES, LabelSet

IDS = st.sampled_from(["cataract", "glaucoma", "normal", "drusen"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(IDS, st.sampled_from(STATES)), max_size=12))
def test_each_finding_ends_in_its_strongest_stated_state(statements):
    labels = LabelSet()
    for finding, state in statements:
        labels.add_ids([finding], state)
    fields = labels.as_fields()
    seen = [finding for finding, _ in statements]
    for finding in set(seen):
        strongest = min((STATES.index(s) for f, s in statements if f == finding))
        assert labels.state_of(finding) == STATES[strongest]
    every = fields["labels"] + fields["uncertain_labels"] + fields["negative_labels"]
    assert sorted(every) == sorted(set(seen))  # one state per finding, nothing invented


def test_a_vocabulary_state_never_makes_normal_uncertain_or_negative():
    labels = LabelSet()
    labels.add("chexpert", "No Finding", "negative")
    assert labels.state_of("normal") is None
    labels.add("chexpert", "No Finding", "positive")
    assert labels.state_of("normal") == "positive"
