"""Zero-shot classification: class texts at each granularity, prompt-ensembled, scored by cosine similarity.

Class texts come from a provider (`ClassTexts`): the ontology by default (level 1 the display name through
`disease_prompt`, the template training applied to `disease_text`; level 2 the ontology descriptions;
level 3 its explanations), or any vocabulary with the same method, such as the synthetic benchmark's.
A class's prompts are embedded, L2-normalised, averaged and normalised again (one prototype per class);
an image's score for a class is the cosine similarity to that prototype.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

import numpy as np

from mgll_data.data_files import read_data_yaml

GRANULARITIES = ("disease_text", "descriptions", "explanations")


class ClassTexts(Protocol):
    """Anything that gives the prompts of one class at one granularity."""

    def texts(self, class_id: str, granularity: str) -> list[str]: ...


class OntologyClassTexts:
    """Class prompts from the project ontology (`mgll_data.ontology`).

    `disease_prompt(name, modality)` formats a level-1 prompt; the modality is the finding's own (None for
    a finding of both modalities), so a per-modality training template is applied as in training.
    """

    def __init__(self, disease_prompt: Callable[[str, str | None], str] = lambda name, modality: name):
        from mgll_data.ontology import load_ontology

        self.ontology = load_ontology()
        self.disease_prompt = disease_prompt

    def texts(self, class_id: str, granularity: str) -> list[str]:
        entry = self.ontology[class_id]
        if granularity == "disease_text":
            return [self.disease_prompt(entry.display_name, None if entry.modality == "both" else entry.modality)]
        if granularity == "descriptions":
            return list(entry.descriptions)
        if granularity == "explanations":
            return list(entry.explanations)
        raise KeyError(f"unknown granularity {granularity!r}; expected one of {GRANULARITIES}")


def held_out_templates(modality: str) -> list[str]:
    """Level-1 prompt templates never used in training (zero_shot_prompts.yaml), for one modality."""
    data = read_data_yaml("mgll_data.eval", "zero_shot_prompts.yaml")
    return list(data.get(modality) or data["default"])


class HeldOutTexts:
    """A provider's class texts kept apart from the training captions.

    Level 1 becomes the class name in each held-out template (when `templates` is given; the provider must
    then return bare names at level 1), and any text identical to a training caption is dropped and counted
    in `dropped` per granularity, so zero-shot never scores a class with a caption the model was trained on.
    """

    def __init__(self, provider: ClassTexts, templates: Sequence[str] | None, captions: Collection[str]):
        self.provider, self.templates, self.captions = provider, templates, captions
        self.dropped: dict[str, int] = {}

    def texts(self, class_id: str, granularity: str) -> list[str]:
        texts = self.provider.texts(class_id, granularity)
        if granularity == "disease_text" and self.templates is not None:
            texts = [template.format(name) for name in texts for template in self.templates]
        kept = [text for text in texts if text not in self.captions]
        self.dropped[granularity] = self.dropped.get(granularity, 0) + len(texts) - len(kept)
        return kept


def l2_normalise(x: np.ndarray) -> np.ndarray:
    return x / np.clip(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12, None)


def class_prototypes(prompt_embeddings: Sequence[np.ndarray]) -> np.ndarray:
    """[C, D] prototypes from one [n_prompts, D] array per class (normalise, average, normalise)."""
    return l2_normalise(
        np.stack([l2_normalise(np.asarray(e, dtype=np.float64)).mean(axis=0) for e in prompt_embeddings])
    )


def zero_shot_scores(image_embeddings: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """[N, C] cosine similarities of images to class prototypes."""
    return l2_normalise(np.asarray(image_embeddings, dtype=np.float64)) @ prototypes.T


def class_centered(scores: np.ndarray) -> np.ndarray:
    """Scores minus each image's mean over classes: what is left is the class-specific part.

    Why: when every class prototype points the same way (a text tower that only learned "something is
    there"), plain per-class AUC still rises above 0.5, because images with more findings score higher
    for every class. After centering, such a model falls to about 0.5; class-specific texts keep their AUC.
    """
    return scores - scores.mean(axis=1, keepdims=True) if scores.shape[1] else scores


def prompt_embeddings(
    provider: ClassTexts,
    class_ids: Sequence[str],
    granularity: str,
    encode_texts: Callable[[list[str]], np.ndarray],
) -> tuple[list[np.ndarray], list[str]]:
    """Embed each class's prompts; returns the per-class arrays and the classes that have no prompt."""
    embeddings, missing = [], []
    for class_id in class_ids:
        texts = provider.texts(class_id, granularity)
        if not texts:
            missing.append(class_id)
            embeddings.append(None)
            continue
        embeddings.append(encode_texts(texts))
    return embeddings, missing
