"""Metrics against scikit-learn on random data, and on hand-built cases whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from mgll_data.eval.metrics import (
    binary_auc,
    binary_average_precision,
    classify,
    per_class_auc,
    per_label_accuracy,
    recall_at_k,
    top1_accuracy,
)


@pytest.mark.parametrize("seed", range(5))
def test_auc_and_ap_match_sklearn_on_random_data_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.random((200, 4)) < 0.3
    scores = np.round(rng.random((200, 4)) + 0.5 * y, 1)  # rounding makes many ties
    for c in range(4):
        assert binary_auc(y[:, c], scores[:, c]) == pytest.approx(roc_auc_score(y[:, c], scores[:, c]), abs=1e-12)
        assert binary_average_precision(y[:, c], scores[:, c]) == pytest.approx(
            average_precision_score(y[:, c], scores[:, c]), abs=1e-12
        )


def test_hand_built_auc_and_ap():
    y = np.array([1, 0, 1, 0])
    # Scores 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.1 (neg): 3 of 4 positive-negative pairs ordered right.
    assert binary_auc(y, np.array([0.9, 0.8, 0.7, 0.1])) == 0.75
    # AP: precision 1 at recall 0.5, then 2/3 at recall 1.0 -> 0.5 * 1 + 0.5 * 2/3.
    assert binary_average_precision(y, np.array([0.9, 0.8, 0.7, 0.1])) == pytest.approx(0.5 + 1 / 3)
    # One tie between a positive and a negative counts one half.
    assert binary_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5


def test_single_valued_class_is_nan_and_left_out_of_macro():
    y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.3], [0.8, 0.2], [0.1, 0.4]])
    auc = per_class_auc(y, scores)
    assert auc[0] == 1.0 and math.isnan(auc[1])
    result = classify(y, scores, ["a", "b"], calibrated=True)
    assert result.auc_macro == 1.0
    assert result.excluded_classes == ["b"]
    as_dict = result.to_dict()
    assert as_dict["auc_per_class"]["b"] is None and as_dict["auc_macro"] == 1.0


def test_accuracy_rules():
    single = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])
    scores = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.4, 0.3, 0.3]])
    assert top1_accuracy(single, scores) == 0.75
    assert classify(single, scores, "abc", calibrated=False).accuracy_kind == "top1"
    multi = np.array([[1, 1], [0, 1]])
    probs = np.array([[0.6, 0.4], [0.2, 0.9]])
    assert per_label_accuracy(multi, probs) == 0.75
    result = classify(multi, probs, "ab", calibrated=True)
    assert (result.accuracy, result.accuracy_kind) == (0.75, "per_label")
    # Uncalibrated multi-label scores (zero-shot cosines) have no threshold: no accuracy.
    assert classify(multi, probs, "ab", calibrated=False).accuracy is None


def test_recall_at_k_with_a_text_shared_by_two_images():
    # 3 images, 2 distinct texts; text 0 belongs to images 0 and 1, text 1 to image 2.
    positives = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    similarity = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    result = recall_at_k(similarity, positives, ks=(1, 2))
    assert result["i2t_R@1"] == pytest.approx(2 / 3)  # image 1 ranks text 1 first
    assert result["i2t_R@2"] == 1.0
    # Text 0 ranks image 0 first (a positive), text 1 ranks image 1 first (not its image) -> 1/2.
    assert result["t2i_R@1"] == 0.5
    assert result["t2i_R@2"] == 1.0  # text 1 ranks its image 2 second (0.7 after 0.8)


def test_recall_at_k_identity_embeddings_are_perfect_and_reversed_are_worst():
    n = 20
    positives = np.eye(n, dtype=bool)
    assert recall_at_k(np.eye(n), positives)["i2t_R@1"] == 1.0
    anti = -np.eye(n) + np.arange(n)[None, :] * 1e-3  # every positive is ranked last
    result = recall_at_k(anti, positives, ks=(1, 10))
    assert result["i2t_R@10"] == 0.0 and result["t2i_R@10"] == 0.0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="same shape"):
        recall_at_k(np.zeros((2, 3)), np.zeros((3, 2), dtype=bool))


def test_recall_at_k_matches_a_per_query_loop_on_random_data():
    rng = np.random.default_rng(5)
    similarity = rng.normal(size=(40, 25))
    positives = rng.random((40, 25)) < 0.08
    result = recall_at_k(similarity, positives, ks=(1, 5, 10))
    for direction, s, p in (("i2t", similarity, positives), ("t2i", similarity.T, positives.T)):
        for k in (1, 5, 10):
            hits = [p[q, np.argsort(-s[q])[:k]].any() for q in range(s.shape[0]) if p[q].any()]
            assert result[f"{direction}_R@{k}"] == pytest.approx(np.mean(hits))


def test_f1_per_class_matches_scikit_learn_on_the_decisions_of_the_accuracy_rule():
    from sklearn.metrics import f1_score

    from mgll_data.eval.metrics import classify

    rng = np.random.default_rng(3)
    y = rng.random((60, 4)) < 0.4
    scores = rng.random((60, 4))
    result = classify(y, scores, ["a", "b", "c", "d"], calibrated=True).to_dict()
    expected = f1_score(y, scores >= 0.5, average=None)
    np.testing.assert_allclose(list(result["f1_per_class"].values()), expected)
    assert result["f1_macro"] == pytest.approx(expected.mean())
    single = np.eye(3, dtype=bool)[rng.integers(3, size=30)]
    top1 = classify(single, rng.random((30, 3)), ["a", "b", "c"], calibrated=False).to_dict()
    assert top1["f1_macro"] is not None
    assert classify(y, scores, ["a", "b", "c", "d"], calibrated=False).to_dict()["f1_macro"] is None
