"""Each loss term against a plain float64 re-computation of its formula, written here with loops and numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mgll_data.train.config import LossConfig
from mgll_data.train.losses import (
    clip_loss,
    label_affinity,
    make_loss,
    mgll_loss,
    mgll_reference_loss,
    pointwise_term,
    smooth_kl_term,
    soft_clip_term,
)

LABELS = [("dr",), ("dr", "amd"), (), ("glaucoma",), ("amd",), ()]


def _embeddings(n=6, d=8, granularities=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = torch.randn(n, d, generator=g, dtype=torch.float64)
    texts = [torch.randn(n, d, generator=g, dtype=torch.float64) for _ in range(granularities)]
    return image, texts


def _np_log_softmax(row):
    top = max(row)
    return [v - top - math.log(sum(math.exp(x - top) for x in row)) for v in row]


def _np_cosine_logits(image, text, scale):
    a = image / np.linalg.norm(image, axis=1, keepdims=True)
    b = text / np.linalg.norm(text, axis=1, keepdims=True)
    return scale * a @ b.T


def _np_jaccard(labels):
    sets = [set(x) or {"none"} for x in labels]
    return np.array([[len(a & b) / len(a | b) for b in sets] for a in sets])


def test_label_affinity_is_jaccard_with_empty_sets_as_one_label():
    expected = _np_jaccard(LABELS)
    assert expected[0, 1] == pytest.approx(0.5) and expected[2, 5] == 1.0 and expected[0, 3] == 0.0
    np.testing.assert_allclose(label_affinity(LABELS).numpy(), expected, rtol=1e-6)


def test_soft_clip_term_matches_float64_loops():
    image, texts = _embeddings()
    logits = _np_cosine_logits(image.numpy(), texts[0].numpy(), 10.0)
    affinity = _np_jaccard(LABELS)
    n = len(LABELS)

    def soft_ce(matrix, targets):
        total = 0.0
        for i in range(n):
            row_targets = targets[i] / targets[i].sum()
            log_p = _np_log_softmax(list(matrix[i]))
            total += -sum(row_targets[j] * log_p[j] for j in range(n))
        return total / n

    expected = 0.5 * (soft_ce(logits, affinity) + soft_ce(logits.T, affinity.T))
    got = soft_clip_term(torch.from_numpy(logits), torch.from_numpy(affinity)).item()
    assert got == pytest.approx(expected, rel=1e-9)


def test_pointwise_term_matches_float64_loops():
    image, texts = _embeddings()
    logits = _np_cosine_logits(image.numpy(), texts[1].numpy(), 7.0)
    positives = (_np_jaccard(LABELS) > 0).astype(float)
    n = len(LABELS)
    total = 0.0
    for i in range(n):
        for j in range(n):
            p = 1.0 / (1.0 + math.exp(-logits[i, j]))
            total += -(positives[i, j] * math.log(p) + (1 - positives[i, j]) * math.log(1 - p))
    got = pointwise_term(torch.from_numpy(logits), torch.from_numpy(positives)).item()
    assert got == pytest.approx(total / (n * n), rel=1e-9)


def test_smooth_kl_term_matches_float64_loops():
    image, texts = _embeddings()
    logits = [_np_cosine_logits(image.numpy(), t.numpy(), 12.0) for t in texts]
    n, g = len(LABELS), len(texts)
    total = 0.0
    for i in range(n):
        p = [[math.exp(v) for v in _np_log_softmax(list(lg[i]))] for lg in logits]
        m = [sum(p[k][j] for k in range(g)) / g for j in range(n)]
        total += sum(p[k][j] * math.log(p[k][j] / m[j]) for k in range(g) for j in range(n))
    got = smooth_kl_term([torch.from_numpy(lg) for lg in logits]).item()
    assert got == pytest.approx(total / n, rel=1e-9)
    assert got > 0


def test_smooth_kl_is_zero_when_granularities_agree():
    image, texts = _embeddings(granularities=1)
    terms = mgll_loss(image, [texts[0]] * 3, torch.tensor(math.log(1 / 0.07)), LABELS, [["x"] * 6] * 3)
    assert terms["smooth_kl"].item() == pytest.approx(0.0, abs=1e-12)
    assert torch.isfinite(terms["loss"])


def test_mgll_soft_clip_equals_clip_when_all_labels_differ():
    image, texts = _embeddings()
    distinct = [(f"label_{i}",) for i in range(6)]
    scale = torch.tensor(math.log(1 / 0.07))
    mgll = mgll_loss(image, texts, scale, distinct, [])
    clip = clip_loss(image, texts, scale, distinct, [])
    assert mgll["soft_clip"].item() == pytest.approx(clip["clip"].item(), rel=1e-12)
    shared = mgll_loss(image, texts, scale, LABELS, [])
    assert shared["soft_clip"].item() != pytest.approx(clip["clip"].item(), rel=1e-3)


def test_mgll_total_is_the_lambda_weighted_sum_and_has_gradients():
    image, texts = _embeddings()
    image.requires_grad_(True)
    scale = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    loss_fn = make_loss(LossConfig(name="mgll", lambda1=0.5, lambda2=2.0, lambda3=3.0))
    terms = loss_fn(image, texts, scale, LABELS, [])
    expected = 0.5 * terms["soft_clip"] + 2.0 * terms["pointwise"] + 3.0 * terms["smooth_kl"]
    assert terms["loss"].item() == pytest.approx(expected.item(), rel=1e-7)
    terms["loss"].backward()
    assert torch.isfinite(image.grad).all() and scale.grad is not None and scale.grad != 0


def _numpy_public_code(image, texts, strings, logit_scale):
    """The public code's arithmetic as mgll-method.md states it, in float64 numpy."""
    scale = math.exp(min(max(logit_scale, 0.0), 4.6052))

    def log_softmax(x):
        shifted = x - x.max(1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(1, keepdims=True))

    def soft_ce(x, t):
        return float(np.mean(-(t * log_softmax(x)).sum(1)))

    def bce_with_logits(x, t):
        return float(np.mean(np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))))

    total, probabilities = 0.0, []
    for text, granularity_strings in zip(texts, strings, strict=True):
        logits = scale * image @ text.T
        equal = np.array([[a == b for b in granularity_strings] for a in granularity_strings], dtype=float)
        targets = equal / equal.sum(1, keepdims=True)
        total += (soft_ce(logits, targets) + soft_ce(logits.T, targets)) / 4 + bce_with_logits(logits, targets)
        probabilities.append(np.exp(log_softmax(logits)))
    p1, p2 = probabilities
    m = np.maximum((p1 + p2) / 2, 1e-8)
    m = m / m.sum(1, keepdims=True)

    def kl(p):  # KL(p || m), summed over texts, averaged over images; 0 log 0 = 0
        safe = np.where(p > 0, p, 1.0)
        return float(np.mean(np.where(p > 0, p * (np.log(safe) - np.log(m)), 0.0).sum(1)))

    return total + 0.5 * (0.5 * kl(p1) + 0.5 * kl(p2))


@pytest.mark.parametrize(("logit_scale", "spread"), [(math.log(1 / 0.07), 0.3), (5.3, 0.3), (-0.4, 0.3), (4.0, 3.0)])
def test_mgll_reference_reproduces_public_arithmetic(logit_scale, spread):
    rng = np.random.default_rng(3)
    image = rng.normal(size=(6, 8)) * spread  # spread 3: softmax entries far below the 1e-8 floor
    texts = [rng.normal(size=(6, 8)) * spread for _ in range(2)]
    strings = [
        ["This is a fundus image of DR", "This is a fundus image of DR", "This is a fundus image of Normal"] * 2,
        ["mild npdr", "moderate npdr", "normal", "mild npdr", "glaucoma", "normal"],
    ]
    expected = _numpy_public_code(image, texts, strings, logit_scale)
    scale = torch.tensor(logit_scale, requires_grad=True)
    loss = mgll_reference_loss(
        torch.tensor(image, dtype=torch.float32),
        [torch.tensor(t, dtype=torch.float32) for t in texts],
        scale,
        [],
        strings,
    )["loss"]
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert scale.item() == pytest.approx(min(max(logit_scale, 0.0), 4.6052))  # clamped in place, as the public code
    loss.backward()
    assert scale.grad != 0  # the in-place clamp keeps a gradient at the bound


def test_mgll_reference_with_one_granularity_has_no_cross_term():
    image, texts = _embeddings(granularities=1)
    terms = mgll_reference_loss(image, texts, torch.tensor(1.0), [], [["a", "b", "a", "c", "d", "e"]])
    assert terms["cross_granularity"].item() == 0.0
    assert terms["loss"].item() == pytest.approx(terms["alignment"].item())


def test_mgll_reference_gradients_stay_finite_when_a_probability_underflows():
    """Raw embeddings make logit gaps of hundreds, so some softmax entries are exactly 0 in float32; the
    cross-granularity KL must still give finite gradients (0 log 0 = 0), or one optimizer step turns every
    weight into NaN."""
    rng = np.random.default_rng(5)
    image = torch.tensor(rng.normal(size=(6, 8)) * 6.0, dtype=torch.float32, requires_grad=True)
    texts = [torch.tensor(rng.normal(size=(6, 8)) * 3.0, dtype=torch.float32, requires_grad=True) for _ in range(2)]
    strings = [["a", "b", "c", "a", "d", "e"], ["p", "q", "r", "s", "p", "t"]]
    logits = [math.exp(math.log(1 / 0.07)) * image.detach() @ t.detach().T for t in texts]
    assert any((torch.softmax(lg, dim=1) == 0).any() for lg in logits)  # the case under test occurs
    scale = torch.tensor(math.log(1 / 0.07), requires_grad=True)
    terms = mgll_reference_loss(image, texts, scale, [], strings)
    terms["loss"].backward()
    assert torch.isfinite(terms["cross_granularity"])
    assert torch.isfinite(image.grad).all() and all(torch.isfinite(t.grad).all() for t in texts)
    assert torch.isfinite(scale.grad)
