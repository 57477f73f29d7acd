"""Frozen image and text embeddings of a split, computed once and shared by every eval task.

Only what the tasks need is kept per image (id, patient, labels, the three granularities of text), never
the pixels, so a large test split costs N x D floats, not N images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from mgll_data.train.data import decode_image, eval_transform, open_split

COLUMNS = ("id", "patient_id", "modality", "image", "labels", "disease_text", "descriptions", "explanations")


@dataclass
class SplitFeatures:
    """L2-normalised image embeddings [N, D] plus the per-image fields the tasks use."""

    embeddings: np.ndarray
    ids: list[str]
    patient_ids: list[str]
    modalities: list[str]
    labels: list[list[str]]
    texts: dict[str, list[list[str]]]  # granularity -> per image, its texts at that granularity

    def label_matrix(self, class_ids: Sequence[str]) -> np.ndarray:
        """[N, C] boolean positives for the given classes."""
        index = {c: k for k, c in enumerate(class_ids)}
        matrix = np.zeros((len(self.ids), len(class_ids)), dtype=bool)
        for row, labels in enumerate(self.labels):
            for label in labels:
                if label in index:
                    matrix[row, index[label]] = True
        return matrix


def batched(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@torch.no_grad()
def encode_texts(model, texts: list[str], batch_size: int) -> np.ndarray:
    """L2-normalised text embeddings [len(texts), D] (the model returns them unnormalised)."""
    model.eval()
    chunks = [
        torch.nn.functional.normalize(model.encode_text(texts[i : i + batch_size]).float(), dim=-1).cpu().numpy()
        for i in range(0, len(texts), batch_size)
    ]
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)


@torch.no_grad()
def extract_split(
    model, dataset: str, split: str, batch_size: int, disease_prompt, device: torch.device
) -> SplitFeatures:
    """Embed every image of a split; level-1 texts are stored already formatted by `disease_prompt(record)`."""
    model.eval()
    transform = eval_transform(model.image_size)
    embeddings, ids, patients, modalities, labels = [], [], [], [], []
    texts: dict[str, list[list[str]]] = {"disease_text": [], "descriptions": [], "explanations": []}
    for batch in batched(open_split(dataset, split, columns=COLUMNS), batch_size):
        images = torch.stack([transform(decode_image(r, min_size=model.image_size)) for r in batch]).to(device)
        embeddings.append(torch.nn.functional.normalize(model.encode_image(images).float(), dim=-1).cpu().numpy())
        for record in batch:
            ids.append(record["id"])
            patients.append(record["patient_id"])
            modalities.append(record["modality"])
            labels.append(list(record["labels"] or []))
            texts["disease_text"].append([disease_prompt(record)])
            texts["descriptions"].append([t for t in record["descriptions"] or [] if t])
            texts["explanations"].append([t for t in record["explanations"] or [] if t])
    return SplitFeatures(
        embeddings=np.concatenate(embeddings) if embeddings else np.zeros((0, 0), dtype=np.float32),
        ids=ids,
        patient_ids=patients,
        modalities=modalities,
        labels=labels,
        texts=texts,
    )
