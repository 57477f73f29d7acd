"""Full fine-tune: the image tower unfrozen under a linear head, BCE over the evaluated labels.

Works on a copy of the model so the frozen-feature tasks of the same run are unaffected. Images go through
the same DataLoader path as training (workers, the trainer's own augmentation, bf16 autocast on GPU). The
training rows are a patient-level fraction drawn exactly like the probes', reshuffled each epoch. With
`select: best_validation` (the paper's protocol) the epoch with the best validation AUC is the one tested.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.eval.config import FineTuneConfig
from mgll_data.eval.features import autocast, split_loader
from mgll_data.eval.metrics import classify
from mgll_data.eval.subsets import nested_patient_subsets
from mgll_data.train.config import AugmentConfig
from mgll_data.train.data import eval_transform, open_split, row_groups, split_files, split_rows, train_transform

META_COLUMNS = ("id", "patient_id", "modality", "labels")


class _Classifier(torch.nn.Module):
    def __init__(self, model, n_classes: int, embed_dim: int):
        super().__init__()
        self.model = model
        self.head = torch.nn.Linear(embed_dim, n_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(torch.nn.functional.normalize(self.model.encode_image(images).float(), dim=-1))


def _label_matrix(labels: Sequence[Sequence[str] | None], class_ids: Sequence[str]) -> np.ndarray:
    index = {c: k for k, c in enumerate(class_ids)}
    matrix = np.zeros((len(labels), len(class_ids)), dtype=bool)
    for row, present in enumerate(labels):
        for label in present or ():
            if label in index:
                matrix[row, index[label]] = True
    return matrix


def modality_rows(dataset: str, split: str, modality: str | None) -> tuple[list[tuple[int, int]], list[dict]]:
    """(row group, row) pairs of a split's rows of one modality (all when None) and their id/patient/labels."""
    positions = split_rows(row_groups(split_files(dataset, split)))
    meta = list(open_split(dataset, split, columns=META_COLUMNS))
    keep = [k for k, m in enumerate(meta) if modality is None or m["modality"] == modality]
    return [positions[k] for k in keep], [meta[k] for k in keep]


@torch.no_grad()
def _scores(classifier, loader, device, dtype) -> tuple[np.ndarray, list]:
    classifier.eval()
    scores, labels = [], []
    for batch in loader:
        with autocast(device, dtype):
            logits = classifier(batch["images"].to(device, non_blocking=True))
        scores.append(torch.sigmoid(logits.float()).cpu().numpy())
        labels.extend(batch["labels"])
    return np.concatenate(scores), labels


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
    modality: str | None = None,
    num_workers: int = 0,
    dtype: torch.dtype | None = None,
) -> JsonObject:
    """Train on a patient fraction of `train_split` (rows of `modality`), report metrics on `test_split`.

    `augment` is the checkpoint's own training augmentation (the trainer's defaults when None)."""
    torch.manual_seed(seed)
    train_rows, train_meta = modality_rows(dataset, train_split, modality)
    chosen = nested_patient_subsets([m["patient_id"] for m in train_meta], [config.fraction], seed)[config.fraction]
    rows = [train_rows[i] for i in chosen]
    size = model.image_size
    test_rows, _ = modality_rows(dataset, test_split, modality)
    columns = ("labels",)

    def evaluation(split: str, split_rows_: list[tuple[int, int]]):
        return split_loader(
            dataset, split, config.batch_size, eval_transform(size), size, columns, num_workers, device, split_rows_
        )

    validation = None
    if config.select == "best_validation":
        try:
            validation_rows, _ = modality_rows(dataset, config.validation_split, modality)
        except MgllError as exc:
            raise MgllError(f"fine_tune.select best_validation needs a validation split: {exc}") from None
        if not validation_rows:
            raise MgllError(
                f"{dataset}: split {config.validation_split!r} has no {modality or ''} rows to select the epoch "
                "on; set fine_tune.validation_split or fine_tune.select: last"
            )
        validation = evaluation(config.validation_split, validation_rows)
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
    transform = train_transform(size, augment)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = np.random.default_rng(seed)
    steps, best_auc, best_epoch, best_state, history = 0, -1.0, config.epochs, None, []
    for epoch in range(config.epochs):
        classifier.train()
        order = [rows[i] for i in generator.permutation(len(rows))]
        loader = split_loader(
            dataset, train_split, config.batch_size, transform, size, columns, num_workers, device, order, seed + epoch
        )
        for batch in loader:
            if len(batch["labels"]) < 2:  # a lone leftover image: batch statistics of one are meaningless
                continue
            targets = torch.from_numpy(_label_matrix(batch["labels"], class_ids)).float().to(device)
            with autocast(device, dtype):
                logits = classifier(batch["images"].to(device, non_blocking=True))
            loss = loss_fn(logits.float(), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            steps += 1
        if validation is not None:
            scores, labels = _scores(classifier, validation, device, dtype)
            auc = classify(_label_matrix(labels, class_ids), scores, class_ids, calibrated=True).auc_macro
            auc = auc if np.isfinite(auc) else 0.0
            history.append(auc)
            if auc > best_auc:
                best_auc, best_epoch = auc, epoch + 1
                best_state = copy.deepcopy({k: v.detach().cpu() for k, v in classifier.state_dict().items()})
    if best_state is not None:
        classifier.load_state_dict(best_state)
    scores, labels = _scores(classifier, evaluation(test_split, test_rows), device, dtype)
    metrics = classify(_label_matrix(labels, class_ids), scores, class_ids, calibrated=True)
    return {
        "fraction": config.fraction,
        "n_images": len(rows),
        "epochs": config.epochs,
        "steps": steps,
        "select": config.select,
        "selected_epoch": best_epoch,
        "validation_auc_macro": history,
        **metrics.to_dict(),
    }
