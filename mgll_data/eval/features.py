"""Frozen image and text embeddings of a split, computed once and shared by every eval task.

Only what the tasks need is kept per image (id, patient, labels, the three granularities of text), never
the pixels, so a large test split costs N x D floats, not N images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mgll_data.train.data import (
    SplitBatches,
    eval_transform,
    in_batches,
    make_loader,
    row_groups,
    split_files,
    split_rows,
)

COLUMNS = ("id", "patient_id", "modality", "labels", "disease_text", "descriptions", "explanations")


@dataclass
class SplitFeatures:
    """L2-normalised image embeddings [N, D] plus the per-image fields the tasks use."""

    embeddings: np.ndarray
    ids: list[str]
    patient_ids: list[str]
    modalities: list[str]
    labels: list[list[str]]
    texts: dict[str, list[list[str]]]  # granularity -> per image, its texts at that granularity

    def subset(self, rows: Sequence[int]) -> SplitFeatures:
        """The features of the given rows (one modality's, for example)."""
        pick = list(rows)
        return SplitFeatures(
            embeddings=self.embeddings[pick] if len(self.embeddings) else self.embeddings,
            ids=[self.ids[i] for i in pick],
            patient_ids=[self.patient_ids[i] for i in pick],
            modalities=[self.modalities[i] for i in pick],
            labels=[self.labels[i] for i in pick],
            texts={g: [texts[i] for i in pick] for g, texts in self.texts.items()},
        )

    def label_matrix(self, class_ids: Sequence[str]) -> np.ndarray:
        """[N, C] boolean positives for the given classes."""
        index = {c: k for k, c in enumerate(class_ids)}
        matrix = np.zeros((len(self.ids), len(class_ids)), dtype=bool)
        for row, labels in enumerate(self.labels):
            for label in labels:
                if label in index:
                    matrix[row, index[label]] = True
        return matrix


@torch.no_grad()
def encode_texts(model, texts: list[str], batch_size: int) -> np.ndarray:
    """L2-normalised text embeddings [len(texts), D] (the model returns them unnormalised)."""
    model.eval()
    chunks = [
        torch.nn.functional.normalize(model.encode_text(texts[i : i + batch_size]).float(), dim=-1).cpu().numpy()
        for i in range(0, len(texts), batch_size)
    ]
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)


def autocast(device: torch.device, dtype: torch.dtype | None):
    """bf16 autocast where training used it (GPU by default); a no-op context otherwise."""
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


def split_loader(
    dataset: str,
    split: str,
    batch_size: int,
    transform,
    image_size: int,
    columns: Sequence[str],
    num_workers: int,
    device: torch.device,
    rows: Sequence[tuple[int, int]] | None = None,
    seed: int = 0,
    drop_last: bool = False,
) -> torch.utils.data.DataLoader:
    """A DataLoader over `rows` of a split (all, in shard order, by default), decoded in `num_workers` workers."""
    groups = row_groups(split_files(dataset, split))
    chosen = split_rows(groups) if rows is None else rows
    batches = in_batches(chosen, batch_size, drop_last)
    data = SplitBatches(groups, batches, transform, image_size, columns, seed=seed)
    return make_loader(data, pin_memory=device.type == "cuda", num_workers=num_workers)


@torch.no_grad()
def extract_split(
    model,
    dataset: str,
    split: str,
    batch_size: int,
    disease_prompt,
    device: torch.device,
    num_workers: int = 0,
    dtype: torch.dtype | None = None,
) -> SplitFeatures:
    """Embed every image of a split; level-1 texts are stored already formatted by `disease_prompt(record)`.

    Images are decoded in `num_workers` DataLoader workers and encoded under `dtype` autocast, as in training."""
    model.eval()
    loader = split_loader(
        dataset, split, batch_size, eval_transform(model.image_size), model.image_size, COLUMNS, num_workers, device
    )
    embeddings, ids, patients, modalities, labels = [], [], [], [], []
    texts: dict[str, list[list[str]]] = {"disease_text": [], "descriptions": [], "explanations": []}
    for batch in loader:
        with autocast(device, dtype):
            encoded = model.encode_image(batch["images"].to(device, non_blocking=True))
        embeddings.append(torch.nn.functional.normalize(encoded.float(), dim=-1).cpu().numpy())
        for k, record_id in enumerate(batch["id"]):
            record = {column: batch[column][k] for column in COLUMNS if column != "image"}
            ids.append(record_id)
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
