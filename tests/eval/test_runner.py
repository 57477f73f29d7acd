"""Runner pieces that need no model: automatic label choice and the markdown report."""

from __future__ import annotations

import numpy as np
import pytest

from mgll_data.errors import MgllError
from mgll_data.eval.features import SplitFeatures
from mgll_data.eval.runner import auto_labels


def _features(labels: list[list[str]]) -> SplitFeatures:
    n = len(labels)
    empty = [[] for _ in range(n)]
    return SplitFeatures(
        np.zeros((n, 2)),
        [str(i) for i in range(n)],
        [str(i) for i in range(n)],
        ["fundus"] * n,
        labels,
        {"disease_text": empty, "descriptions": empty, "explanations": empty},
    )


def test_auto_labels_need_enough_positives_and_one_negative():
    features = _features([["a", "b", "c"], ["a", "b"], ["a"], ["a", "c"]])
    # a: 4 of 4 (no negative, no AUC), b: 2, c: 2
    assert auto_labels(features, min_positives=2, origin="x.yaml") == ["b", "c"]
    with pytest.raises(MgllError, match=r"x\.yaml: labels: auto found no label with at least 3"):
        auto_labels(features, min_positives=3, origin="x.yaml")
    np.testing.assert_array_equal(features.label_matrix(["c", "a"])[:, 0], [True, False, False, True])
