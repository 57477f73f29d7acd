"""Full fine-tune: the image tower unfrozen under a linear head, BCE over the evaluated labels.

Works on a copy of the model so the frozen-feature tasks of the same run are unaffected. Training images
go through the trainer's own augmentation (`train_transform`) and decoding; the training rows are a
patient-level fraction drawn exactly like the probe's, and are streamed split by split with a seeded
shuffle buffer, so memory stays bounded by the buffer rather than the split.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch

from mgll_data.eval.config import FineTuneConfig
from mgll_data.eval.features import batched
from mgll_data.eval.metrics import classify
from mgll_data.eval.subsets import nested_patient_subsets
from mgll_data.train.config import AugmentConfig
from mgll_data.train.data import decode_image, eval_transform, open_split, train_transform

SHUFFLE_BUFFER = 1024


class _Classifier(torch.nn.Module):
    def __init__(self, model, n_classes: int, embed_dim: int):
        super().__init__()
        self.model = model
        self.head = torch.nn.Linear(embed_dim, n_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(torch.nn.functional.normalize(self.model.encode_image(images).float(), dim=-1))


def _label_vector(labels: Sequence[str] | None, class_ids: Sequence[str]) -> list[float]:
    present = set(labels or ())
    return [1.0 if c in present else 0.0 for c in class_ids]


def _shuffled(records: Iterator[dict[str, Any]], rng: random.Random) -> Iterator[dict[str, Any]]:
    buffer: list[dict[str, Any]] = []
    for record in records:
        buffer.append(record)
        if len(buffer) >= SHUFFLE_BUFFER:
            yield buffer.pop(rng.randrange(len(buffer)))
    rng.shuffle(buffer)
    yield from buffer


def fine_tune(
    model,
    dataset: str,
    train_split: str,
    test_split: str,
    class_ids: Sequence[str],
    config: FineTuneConfig,
    seed: int,
    device: torch.device,
    augment: AugmentConfig | None = None,
) -> dict[str, Any]:
    """Train on a patient fraction of `train_split`, report classification metrics on `test_split`.

    `augment` is the checkpoint's own training augmentation (the trainer's defaults when None).
    """
    torch.manual_seed(seed)
    meta = list(open_split(dataset, train_split, columns=("id", "patient_id")))
    rows = nested_patient_subsets([m["patient_id"] for m in meta], [config.fraction], seed)[config.fraction]
    chosen = {meta[i]["id"] for i in rows}
    classifier = _Classifier(copy.deepcopy(model), len(class_ids), model.config.embed_dim).to(device)
    optimizer = torch.optim.AdamW(
        [
            {
                "params": [*classifier.model.vision.parameters(), *classifier.model.image_projection.parameters()],
                "lr": config.lr,
            },
            {"params": classifier.head.parameters(), "lr": config.head_lr},
        ],
        weight_decay=config.weight_decay,
    )
    transform = train_transform(model.image_size, augment)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(seed)
    steps = 0
    columns = ("id", "image", "labels")
    for _ in range(config.epochs):
        classifier.train()
        records = (r for r in open_split(dataset, train_split, columns=columns) if r["id"] in chosen)
        for batch in batched(_shuffled(records, rng), config.batch_size):
            if len(batch) < 2:  # a lone leftover image: batch statistics of one are meaningless
                continue
            images = torch.stack([transform(decode_image(r, min_size=model.image_size)) for r in batch]).to(device)
            targets = torch.tensor([_label_vector(r["labels"], class_ids) for r in batch], device=device)
            loss = loss_fn(classifier(images), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            steps += 1
    classifier.eval()
    scores, labels = [], []
    test_transform = eval_transform(model.image_size)
    with torch.no_grad():
        for batch in batched(open_split(dataset, test_split, columns=columns), config.batch_size):
            images = torch.stack([test_transform(decode_image(r, min_size=model.image_size)) for r in batch])
            scores.append(torch.sigmoid(classifier(images.to(device))).float().cpu().numpy())
            labels.extend(_label_vector(r["labels"], class_ids) for r in batch)
    metrics = classify(np.array(labels, dtype=bool), np.concatenate(scores), class_ids, calibrated=True)
    return {
        "fraction": config.fraction,
        "n_images": len(rows),
        "epochs": config.epochs,
        "steps": steps,
        **metrics.to_dict(),
    }
