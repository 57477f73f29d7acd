"""Probes on frozen features, per nested patient-level fraction: one logistic regression per label (quick), or
the MGLL paper's linear head (a linear layer trained 50 epochs, `linear_head`).

Features are L2-normalised (the embedding space the model was trained in), then standardised with
statistics of the training subset only. A label that has a single value in a small training subset
cannot be fitted; it scores every test image with the subset's prevalence (AUC 0.5) and is listed in
`constant_classes`, so a 1% result is never silently better or worse than what was fitted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mgll_data.config_io import JsonObject
from mgll_data.eval.config import LinearHeadConfig
from mgll_data.eval.metrics import classify
from mgll_data.eval.subsets import nested_patient_subsets
from mgll_data.eval.zero_shot import l2_normalise


def fit_predict_probe(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, C: float, max_iter: int, seed: int
) -> tuple[np.ndarray, list[int]]:
    """Test-set probabilities [N_test, C] and the column indices that were constant in training."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(l2_normalise(train_x))
    x_train = scaler.transform(l2_normalise(train_x))
    x_test = scaler.transform(l2_normalise(test_x))
    scores = np.empty((test_x.shape[0], train_y.shape[1]), dtype=np.float64)
    constant = []
    for c in range(train_y.shape[1]):
        y = train_y[:, c].astype(int)
        if y.min() == y.max():
            scores[:, c] = float(y[0])
            constant.append(c)
            continue
        model = LogisticRegression(C=C, max_iter=max_iter, random_state=seed)
        scores[:, c] = model.fit(x_train, y).predict_proba(x_test)[:, 1]
    return scores, constant


def _per_fraction(
    fit: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, list[int]]],
    train_y: np.ndarray,
    train_patients: Sequence[str],
    test_y: np.ndarray,
    class_names: Sequence[str],
    fractions: Sequence[float],
    seed: int,
) -> dict[str, JsonObject]:
    """`fit(rows, y)` -> (test scores, constant columns) per nested patient fraction, keyed by fraction as text
    (e.g. "0.01"): sizes, metrics, constant classes."""
    patients = np.asarray(train_patients, dtype=object)
    results = {}
    for fraction, rows in nested_patient_subsets(train_patients, fractions, seed).items():
        scores, constant = fit(rows, train_y[rows])
        results[f"{fraction:g}"] = {
            "n_patients": len(set(patients[rows].tolist())),
            "n_images": len(rows),
            **classify(test_y, scores, class_names, calibrated=True).to_dict(),
            "constant_classes": [class_names[c] for c in constant],
        }
    return results


def linear_probe(
    train_x: np.ndarray,
    train_y: np.ndarray,
    train_patients: Sequence[str],
    test_x: np.ndarray,
    test_y: np.ndarray,
    class_names: Sequence[str],
    fractions: Sequence[float],
    seed: int,
    C: float = 1.0,
    max_iter: int = 1000,
) -> dict[str, JsonObject]:
    """Logistic-probe results keyed by fraction (as text, e.g. "0.01"): sizes, metrics, constant classes."""

    def fit(rows: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[int]]:
        return fit_predict_probe(train_x[rows], y, test_x, C, max_iter, seed)

    return _per_fraction(fit, train_y, train_patients, test_y, class_names, fractions, seed)


def fit_predict_linear_head(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, config: LinearHeadConfig, seed: int
) -> np.ndarray:
    """Test probabilities [N_test, C] of a linear layer trained on L2-normalised features with AdamW and BCE."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(l2_normalise(train_x).astype(np.float32))
    y = torch.from_numpy(train_y.astype(np.float32))
    head = torch.nn.Linear(x.shape[1], y.shape[1])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        head.reset_parameters()
    optimizer = torch.optim.AdamW(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(config.epochs):
        for rows in torch.randperm(len(x), generator=generator).split(config.batch_size):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(head(x[rows]), y[rows]).backward()
            optimizer.step()
    with torch.no_grad():
        test = torch.from_numpy(l2_normalise(test_x).astype(np.float32))
        return torch.sigmoid(head(test)).double().numpy()


def linear_head(
    train_x: np.ndarray,
    train_y: np.ndarray,
    train_patients: Sequence[str],
    test_x: np.ndarray,
    test_y: np.ndarray,
    class_names: Sequence[str],
    fractions: Sequence[float],
    seed: int,
    config: LinearHeadConfig,
) -> dict[str, JsonObject]:
    """The paper's linear probe per nested patient fraction, keyed like `linear_probe` (plus `epochs`)."""

    def fit(rows: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[int]]:
        constant = [c for c in range(y.shape[1]) if y[:, c].min() == y[:, c].max()]
        return fit_predict_linear_head(train_x[rows], y, test_x, config, seed), constant

    results = _per_fraction(fit, train_y, train_patients, test_y, class_names, fractions, seed)
    return {fraction: {**result, "epochs": config.epochs} for fraction, result in results.items()}
