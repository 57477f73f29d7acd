"""The training losses: `clip` (baseline), `mgll` (the paper) and `mgll_reference` (the public code's arithmetic).

Every loss takes the same inputs, one image-embedding matrix and one text-embedding matrix per granularity
(row i of each is image i's text), the model's logit scale, each image's label set and the text strings,
and returns named scalar terms plus their weighted `loss`. Losses are computed in float32 even under bf16
autocast (float64 inputs stay float64, which the tests use).

Choices the paper leaves open, made here:
- Label co-occurrence A(i, j) is the Jaccard overlap of image i's and image j's label sets (text j carries
  the labels of the image it describes). An empty label set counts as one shared "no finding" label, so two
  normal images are positives of each other. The soft target W is A row-normalised; y(i, j) = 1 where
  A(i, j) > 0, i.e. the two share at least one label. A is the same for every granularity: text j is given
  image j's whole label set even when a sampled description or explanation states only one of its findings
  (the record does not link sentences to labels). On label-dense data these partial-overlap targets favour
  "how many findings" over "which finding": see the synthetic benchmark (bench/synthetic_clip_vs_mgll.py).
- Soft CLIP and point-wise terms are averaged over granularities, so the lambdas do not scale with their
  number; the point-wise BCE is averaged over all N x N pairs; the smooth KL term is summed over
  granularities and averaged over images, as the paper states it.
- Similarities are cosine similarities times exp(logit_scale), the scale capped at 100 as in CLIP.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from mgll_data.train.config import LossConfig

NO_FINDING = "\x00no_finding"
MAX_LOGIT_SCALE = math.log(100.0)
REFERENCE_MAX_LOGIT_SCALE = 4.6052
REFERENCE_M_FLOOR = 1e-8

LossFn = Callable[..., dict[str, torch.Tensor]]


# --- targets ---


def label_affinity(
    labels: Sequence[Sequence[str]], device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """A(i, j): Jaccard overlap of label sets, empty sets read as one shared 'no finding' label."""
    sets = [frozenset(item) or frozenset([NO_FINDING]) for item in labels]
    vocabulary = {label: k for k, label in enumerate(sorted(set().union(*sets)))}
    hot = torch.zeros(len(sets), len(vocabulary), dtype=torch.float64)
    for row, item in enumerate(sets):
        hot[row, [vocabulary[label] for label in item]] = 1.0
    shared = hot @ hot.T
    sizes = hot.sum(1)
    union = sizes[:, None] + sizes[None, :] - shared
    return (shared / union).to(device=device, dtype=dtype)


def string_equality(
    strings: Sequence[str], device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """E(i, j) = 1 where text i and text j are the same whole string (the public code's positives)."""
    index: dict[str, int] = {}
    codes = torch.tensor([index.setdefault(s, len(index)) for s in strings])
    return (codes[:, None] == codes[None, :]).to(device=device, dtype=dtype)


def row_normalise(matrix: torch.Tensor) -> torch.Tensor:
    return matrix / matrix.sum(1, keepdim=True)


# --- terms (pure functions of logits and targets) ---


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over rows of -sum_j targets(i, j) log softmax_j(logits(i, .))."""
    return -(targets * F.log_softmax(logits, dim=1)).sum(1).mean()


def soft_clip_term(logits: torch.Tensor, affinity: torch.Tensor) -> torch.Tensor:
    """Cross-entropy image->text against rows of A and text->image against rows of A^T, averaged."""
    return 0.5 * (
        soft_cross_entropy(logits, row_normalise(affinity)) + soft_cross_entropy(logits.T, row_normalise(affinity.T))
    )


def pointwise_term(logits: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """BCE of sigmoid(logit) against 1 / 0 for every (image, text) pair, averaged over all pairs."""
    return F.binary_cross_entropy_with_logits(logits, positives)


def smooth_kl_term(logits_per_granularity: Sequence[torch.Tensor]) -> torch.Tensor:
    """Mean over images of sum_g KL(P_g(i) || M(i)), M(i) the mean of the P_g(i); zero when they agree."""
    log_p = torch.stack([F.log_softmax(logits, dim=1) for logits in logits_per_granularity])
    log_m = torch.logsumexp(log_p, dim=0) - math.log(len(logits_per_granularity))
    return (log_p.exp() * (log_p - log_m)).sum(dim=(0, 2)).mean()


def _full(x: torch.Tensor) -> torch.Tensor:
    """Half-precision embeddings (bf16 autocast) are promoted; float32 and float64 are kept as they are."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def cosine_logits(image: torch.Tensor, texts: Sequence[torch.Tensor], logit_scale: torch.Tensor) -> list[torch.Tensor]:
    scale = _full(logit_scale).clamp(max=MAX_LOGIT_SCALE).exp()
    image = F.normalize(_full(image), dim=-1)
    return [scale * image @ F.normalize(_full(text), dim=-1).T for text in texts]


# --- losses ---


def clip_loss(image, texts, logit_scale, labels, strings) -> dict[str, torch.Tensor]:
    """InfoNCE with one positive per row (the diagonal), both directions, averaged over granularities."""
    logits = cosine_logits(image, texts, logit_scale)
    target = torch.arange(image.shape[0], device=image.device)
    term = torch.stack([0.5 * (F.cross_entropy(lg, target) + F.cross_entropy(lg.T, target)) for lg in logits]).mean()
    return {"loss": term, "clip": term}


def mgll_loss(image, texts, logit_scale, labels, strings, lambdas=(1.0, 1.0, 1.0)) -> dict[str, torch.Tensor]:
    """The paper: lambda1 soft CLIP + lambda2 point-wise BCE + lambda3 smooth KL across granularities."""
    logits = cosine_logits(image, texts, logit_scale)
    affinity = label_affinity(labels, image.device, logits[0].dtype)
    positives = (affinity > 0).to(affinity.dtype)
    soft_clip = torch.stack([soft_clip_term(lg, affinity) for lg in logits]).mean()
    pointwise = torch.stack([pointwise_term(lg, positives) for lg in logits]).mean()
    kl = smooth_kl_term(logits)
    total = lambdas[0] * soft_clip + lambdas[1] * pointwise + lambdas[2] * kl
    return {"loss": total, "soft_clip": soft_clip, "pointwise": pointwise, "smooth_kl": kl}


def mgll_reference_loss(image, texts, logit_scale, labels, strings) -> dict[str, torch.Tensor]:
    """The public code's numbers: raw (unnormalised) embeddings, clamped scale, whole-string equality targets.

    Per granularity (CE rows + CE cols) / 4 + BCE-with-logits against the 1/n targets over all N x N entries;
    plus 0.5 * mean_g KL(p_g || m), m the mean of the row softmaxes floored at 1e-8 and then renormalised,
    KL summed over texts and averaged over images ('batchmean'); with two granularities that is
    0.5 * [0.5 KL1 + 0.5 KL2]. Quirk kept: the scale parameter itself is clamped in place to [0, 4.6052]
    before exp, so its gradient does not vanish at the bounds (a clamp inside the graph would zero it).
    """
    with torch.no_grad():
        logit_scale.clamp_(0.0, REFERENCE_MAX_LOGIT_SCALE)
    scale = _full(logit_scale).exp()
    logits = [scale * _full(image) @ _full(text).T for text in texts]
    per_granularity = []
    for lg, granularity_strings in zip(logits, strings, strict=True):
        targets = row_normalise(string_equality(granularity_strings, image.device, lg.dtype))
        contrastive = (soft_cross_entropy(lg, targets) + soft_cross_entropy(lg.T, targets)) / 4
        per_granularity.append(contrastive + F.binary_cross_entropy_with_logits(lg, targets))
    alignment = torch.stack(per_granularity).sum()
    if len(logits) > 1:
        log_p = torch.stack([F.log_softmax(lg, dim=1) for lg in logits])
        m = log_p.exp().mean(0).clamp_min(REFERENCE_M_FLOOR)
        m = m / m.sum(1, keepdim=True)
        # p given as log p: the same value, but a p that underflows to 0 gives gradient 0, not 0 * log 0 = NaN
        kl = torch.stack([F.kl_div(m.log(), lp, reduction="batchmean", log_target=True) for lp in log_p])
        cross = 0.5 * kl.mean()
    else:
        cross = logits[0].new_zeros(())
    return {"loss": alignment + cross, "alignment": alignment, "cross_granularity": cross}


def make_loss(config: LossConfig) -> LossFn:
    """The loss a config names, with its weights bound."""
    if config.name == "clip":
        return clip_loss
    if config.name == "mgll_reference":
        return mgll_reference_loss
    return functools.partial(mgll_loss, lambdas=(config.lambda1, config.lambda2, config.lambda3))
