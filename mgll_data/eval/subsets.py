"""Nested low-data training subsets (1% within 10% within 100%) drawn at patient level.

One seeded permutation of the sorted patient keys; a fraction takes the first ceil(f * n_patients)
patients of that order, so a smaller fraction is a prefix of a larger one (nested by construction), all
images of a patient go in or out together, and the same seed always gives the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def nested_patient_subsets(
    patient_ids: Sequence[str], fractions: Sequence[float], seed: int
) -> dict[float, np.ndarray]:
    """Row indices (sorted) for each fraction of patients; every fraction keeps at least one patient."""
    for fraction in fractions:
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"a training fraction must be in (0, 1], got {fraction}")
    patients = np.asarray(patient_ids, dtype=object)
    unique = np.array(sorted(set(patients.tolist())), dtype=object)
    order = unique[np.random.default_rng(seed).permutation(len(unique))]
    rank = {patient: position for position, patient in enumerate(order)}
    patient_rank = np.array([rank[p] for p in patients], dtype=np.int64)
    subsets = {}
    for fraction in fractions:
        n_keep = max(1, math.ceil(round(fraction * len(unique), 9)))  # round: 0.07 * 100 is 7.000000000000001
        subsets[fraction] = np.flatnonzero(patient_rank < n_keep)
    return subsets
