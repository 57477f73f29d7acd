"""Evaluation metrics as pure numpy functions: ROC AUC, average precision, accuracy, F1, retrieval recall.

Written here rather than called from scikit-learn so the undefined cases are explicit and reported: a class
whose test labels are all 0 (or all 1) has no ROC AUC and no AP. Such a class gets NaN per class, is left
out of the macro mean, and is listed by name in the result, never silently averaged as 0.5.
Tests check every function against scikit-learn on random data.

Accuracy, decided once for the whole package:
- single-label data (every test row has exactly one positive among the evaluated classes): top-1 accuracy
  of the argmax score;
- multi-label data: per-label accuracy (1 - Hamming loss) of `score >= threshold`, which needs calibrated
  scores (probe probabilities); zero-shot cosine scores have no threshold, so multi-label zero-shot reports
  no accuracy.
F1 (per class, macro over classes with a positive or a prediction) judges the same decisions as accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their average rank (the Mann-Whitney convention)."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(values)]))
    ranks = np.empty(len(values), dtype=np.float64)
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return ranks


def binary_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of one class (ties count one half); NaN when only one label value is present."""
    y = np.asarray(y_true).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Average precision (sum over thresholds of recall step x precision, no interpolation); NaN without positives.

    Tied scores form one threshold, as in scikit-learn's `average_precision_score`.
    """
    y = np.asarray(y_true).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), y.size - 1]
    true_pos = np.cumsum(y_sorted)[last_of_tie]
    predicted_pos = last_of_tie + 1
    precision = true_pos / predicted_pos
    recall = true_pos / n_pos
    recall_steps = np.diff(np.r_[0.0, recall])
    return float(np.sum(recall_steps * precision))


def _as_matrix(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim == 1:
        y, s = y[:, None], s[:, None]
    if y.shape != s.shape:
        raise ValueError(f"labels {y.shape} and scores {s.shape} must have the same shape")
    return y.astype(bool), s


def per_class_auc(y_true: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC per column of an [N, C] label matrix; NaN for a column with one label value only."""
    y, s = _as_matrix(y_true, scores)
    return np.array([binary_auc(y[:, c], s[:, c]) for c in range(y.shape[1])])


def per_class_average_precision(y_true: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Average precision per column; NaN for a column without positives."""
    y, s = _as_matrix(y_true, scores)
    return np.array([binary_average_precision(y[:, c], s[:, c]) for c in range(y.shape[1])])


def is_single_label(y_true: np.ndarray) -> bool:
    """True when every row has exactly one positive, so argmax accuracy is meaningful."""
    y = np.asarray(y_true).astype(bool)
    return y.ndim == 2 and y.shape[1] > 1 and bool(np.all(y.sum(axis=1) == 1))


def top1_accuracy(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Share of rows whose highest-scoring class is a positive class."""
    y, s = _as_matrix(y_true, scores)
    hits = y[np.arange(y.shape[0]), np.argmax(s, axis=1)]
    return float(hits.mean())


def per_label_accuracy(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> float:
    """Mean over all (row, class) cells of `(score >= threshold) == label`, i.e. 1 - Hamming loss."""
    y, s = _as_matrix(y_true, scores)
    return float(np.mean((s >= threshold) == y))


def per_class_f1(y_true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """F1 per column of boolean predictions; NaN where a class has no positive and no prediction."""
    y, p = _as_matrix(y_true, predicted)
    p = p.astype(bool)
    true_pos = (y & p).sum(axis=0).astype(np.float64)
    wrong = (y ^ p).sum(axis=0)
    denominator = 2 * true_pos + wrong
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * true_pos / np.maximum(denominator, 1), np.nan)


def predictions(y_true: np.ndarray, scores: np.ndarray, calibrated: bool, threshold: float = 0.5) -> np.ndarray | None:
    """The decisions F1 and accuracy judge, by the accuracy rule: the argmax for single-label data, the
    threshold for calibrated multi-label scores, none for uncalibrated multi-label scores."""
    y, s = _as_matrix(y_true, scores)
    if is_single_label(y):
        decided = np.zeros_like(y)
        decided[np.arange(y.shape[0]), np.argmax(s, axis=1)] = True
        return decided
    return s >= threshold if calibrated else None


@dataclass(frozen=True)
class ClassificationResult:
    """AUC / AP per class and their macro means over the classes where they are defined."""

    class_names: tuple[str, ...]
    auc: np.ndarray
    average_precision: np.ndarray
    accuracy: float | None
    accuracy_kind: str | None
    f1: np.ndarray | None = None  # per class, from the same decisions as accuracy; None where there are none

    @property
    def auc_macro(self) -> float:
        return _nanmean(self.auc)

    @property
    def map(self) -> float:
        return _nanmean(self.average_precision)

    @property
    def excluded_classes(self) -> list[str]:
        """Classes without an AUC (only one label value in the evaluated rows)."""
        return [name for name, value in zip(self.class_names, self.auc, strict=True) if np.isnan(value)]

    def to_dict(self) -> dict[str, object]:
        return {
            "auc_macro": _finite_or_none(self.auc_macro),
            "map": _finite_or_none(self.map),
            "accuracy": self.accuracy,
            "accuracy_kind": self.accuracy_kind,
            "f1_macro": None if self.f1 is None else _finite_or_none(_nanmean(self.f1)),
            "f1_per_class": None
            if self.f1 is None
            else {n: _finite_or_none(v) for n, v in zip(self.class_names, self.f1, strict=True)},
            "auc_per_class": {n: _finite_or_none(v) for n, v in zip(self.class_names, self.auc, strict=True)},
            "ap_per_class": {
                n: _finite_or_none(v) for n, v in zip(self.class_names, self.average_precision, strict=True)
            },
            "excluded_classes": self.excluded_classes,
        }


def _nanmean(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else float("nan")


def _finite_or_none(value: float) -> float | None:
    """JSON has no NaN; an undefined metric is written as null."""
    return None if np.isnan(value) else float(value)


def classify(
    y_true: np.ndarray,
    scores: np.ndarray,
    class_names: Sequence[str],
    calibrated: bool,
    threshold: float = 0.5,
) -> ClassificationResult:
    """All classification metrics for one score matrix; see the module docstring for the accuracy rule."""
    y, s = _as_matrix(y_true, scores)
    if is_single_label(y):
        accuracy, kind = top1_accuracy(y, s), "top1"
    elif calibrated:
        accuracy, kind = per_label_accuracy(y, s, threshold), "per_label"
    else:
        accuracy, kind = None, None
    decided = predictions(y, s, calibrated, threshold)
    return ClassificationResult(
        class_names=tuple(class_names),
        auc=per_class_auc(y, s),
        average_precision=per_class_average_precision(y, s),
        accuracy=accuracy,
        accuracy_kind=kind,
        f1=None if decided is None else per_class_f1(y, decided),
    )


def recall_at_k(similarity: np.ndarray, positives: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Retrieval recall in both directions for an [N images, M texts] similarity and boolean positive matrix.

    Image-to-text R@k: share of images with at least one positive text among their k most similar texts.
    Text-to-image R@k: share of texts with at least one positive image among their k most similar images.
    A text shared by several images (identical strings, deduplicated by the caller) is a positive for each
    of them, so the multiple-positive case is handled by the matrix, not by position. Rows or columns
    without any positive are left out of their direction's denominator.
    """
    sim = np.asarray(similarity, dtype=np.float64)
    pos = np.asarray(positives).astype(bool)
    if sim.shape != pos.shape:
        raise ValueError(f"similarity {sim.shape} and positives {pos.shape} must have the same shape")
    result: dict[str, float] = {}
    for direction, s, p in (("i2t", sim, pos), ("t2i", sim.T, pos.T)):
        keep = p.any(axis=1)
        s, p = s[keep], p[keep]
        order = np.argsort(-s, axis=1, kind="mergesort")
        ranked_hits = np.take_along_axis(p, order, axis=1)
        first_hit = np.argmax(ranked_hits, axis=1)
        for k in ks:
            result[f"{direction}_R@{k}"] = float(np.mean(first_hit < k)) if len(first_hit) else float("nan")
    return result
