"""Image-to-text and text-to-image retrieval at one granularity, on a split's own texts.

Texts are deduplicated: a string that several images carry (the same disease_text for every healthy eye)
is one candidate, positive for all of those images. Without this, identical strings would count as wrong
answers for each other and the recall would measure tie-breaking, not the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mgll_data.eval.metrics import recall_at_k


def text_candidates(texts_per_image: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
    """Distinct texts (first-seen order) and the [N images, M texts] boolean positive matrix."""
    index: dict[str, int] = {}
    pairs = []
    for row, texts in enumerate(texts_per_image):
        for text in texts:
            pairs.append((row, index.setdefault(text, len(index))))
    positives = np.zeros((len(texts_per_image), len(index)), dtype=bool)
    for row, column in pairs:
        positives[row, column] = True
    return list(index), positives


def retrieval_scores(
    image_embeddings: np.ndarray, text_embeddings: np.ndarray, positives: np.ndarray, ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """R@k in both directions from L2-normalised embeddings (cosine similarity)."""
    return recall_at_k(image_embeddings @ text_embeddings.T, positives, ks)
