"""Nested patient-level subsets and the linear probe on features with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from mgll_data.eval.probe import linear_probe
from mgll_data.eval.subsets import nested_patient_subsets


def _patients(n_patients: int, images_per_patient: int = 3) -> list[str]:
    return [f"p{i:04d}" for i in range(n_patients) for _ in range(images_per_patient)]


def test_fractions_are_nested_patient_grouped_and_deterministic():
    patients = _patients(500)
    subsets = nested_patient_subsets(patients, [0.01, 0.1, 1.0], seed=7)
    small, medium, full = (set(subsets[f].tolist()) for f in (0.01, 0.1, 1.0))
    assert small < medium < full
    assert full == set(range(len(patients)))
    for fraction, expected_patients in ((0.01, 5), (0.1, 50)):
        chosen = {patients[i] for i in subsets[fraction]}
        assert len(chosen) == expected_patients
        # patient-grouped: every image of a chosen patient is in, and no other image
        assert set(subsets[fraction].tolist()) == {i for i, p in enumerate(patients) if p in chosen}
    again = nested_patient_subsets(patients, [0.1, 0.01, 1.0], seed=7)
    assert all(np.array_equal(again[f], subsets[f]) for f in subsets)
    other = nested_patient_subsets(patients, [0.1], seed=8)
    assert not np.array_equal(other[0.1], subsets[0.1])


def test_tiny_fraction_keeps_one_patient_and_bad_fraction_is_refused():
    subsets = nested_patient_subsets(_patients(10), [0.01], seed=0)
    assert len({i // 3 for i in subsets[0.01]}) == 1
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        nested_patient_subsets(_patients(10), [1.5], seed=0)


def test_probe_separates_an_informative_label_and_not_a_random_one():
    rng = np.random.default_rng(0)
    n_train, n_test, dim = 600, 300, 16
    y_train = rng.random((n_train, 2)) < 0.4
    y_test = rng.random((n_test, 2)) < 0.4
    # column 0 is written into feature 0; column 1 is unrelated to the features
    x_train = rng.normal(size=(n_train, dim)) + 3.0 * y_train[:, [0]] * np.eye(dim)[0]
    x_test = rng.normal(size=(n_test, dim)) + 3.0 * y_test[:, [0]] * np.eye(dim)[0]
    results = linear_probe(
        x_train,
        y_train,
        [f"p{i // 2}" for i in range(n_train)],
        x_test,
        y_test,
        ["signal", "noise"],
        fractions=[0.01, 1.0],
        seed=0,
    )
    assert set(results) == {"0.01", "1"}
    full = results["1"]
    assert full["n_images"] == n_train and full["n_patients"] == n_train // 2
    assert full["auc_per_class"]["signal"] > 0.9
    assert 0.35 < full["auc_per_class"]["noise"] < 0.65
    assert full["accuracy_kind"] == "per_label" and 0.0 <= full["accuracy"] <= 1.0
    assert results["0.01"]["n_patients"] == 3


def test_probe_reports_a_label_constant_in_the_training_subset():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4))
    y_train = np.zeros((40, 2), dtype=bool)
    y_train[::2, 0] = True
    y_test = np.array([[1, 1], [0, 0], [1, 0], [0, 1]], dtype=bool)
    results = linear_probe(x, y_train, [str(i) for i in range(40)], x[:4], y_test, ["a", "b"], [1.0], seed=0)
    assert results["1"]["constant_classes"] == ["b"]
    assert results["1"]["auc_per_class"]["b"] == 0.5
