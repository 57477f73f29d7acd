"""`mgll-data eval CONFIG`: load a checkpoint, embed the splits once, run the configured tasks, write results.

Output: OUTPUT_DIR/results.json (every number, per class included; undefined metrics as null) and
OUTPUT_DIR/results.md (the same as markdown tables).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mgll_data.errors import MgllError
from mgll_data.eval.config import EvalConfig
from mgll_data.eval.features import SplitFeatures, encode_texts, extract_split
from mgll_data.eval.metrics import classify
from mgll_data.eval.probe import linear_probe
from mgll_data.eval.report import render_markdown
from mgll_data.eval.retrieval import retrieval_scores, text_candidates
from mgll_data.eval.zero_shot import (
    ClassTexts,
    OntologyClassTexts,
    class_centered,
    class_prototypes,
    prompt_embeddings,
    zero_shot_scores,
)

ACCURACY_RULE = (
    "top-1 of the argmax score when every test image has exactly one of the evaluated labels; otherwise "
    "per-label accuracy (1 - Hamming loss) at probability 0.5 for probe and fine-tune, and none for zero-shot "
    "(cosine scores have no threshold)."
)


def pick_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise MgllError("eval config: device is 'cuda' but no CUDA device is available (use 'auto' or 'cpu')")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def auto_labels(features: SplitFeatures, min_positives: int, origin: str) -> list[str]:
    """Every label with at least `min_positives` positives and one negative in the test split, by id."""
    counts = Counter(label for labels in features.labels for label in set(labels))
    n = len(features.ids)
    chosen = sorted(label for label, count in counts.items() if min_positives <= count < n)
    if not chosen:
        raise MgllError(
            f"{origin}: labels: auto found no label with at least {min_positives} positives (and one negative) "
            f"in the test split; label counts: {dict(counts.most_common(10)) or 'no labels at all'}"
        )
    return chosen


def class_text_provider(config: EvalConfig, disease_prompt: Callable[[str, str | None], str]) -> ClassTexts:
    if config.class_texts == "synthetic":
        from mgll_data.eval.synthetic import SyntheticClassTexts

        return SyntheticClassTexts(disease_prompt)
    return OntologyClassTexts(disease_prompt)


def _zero_shot(model, features: SplitFeatures, labels, provider, config: EvalConfig) -> dict[str, Any]:
    y = features.label_matrix(labels)
    results = {}
    for granularity in config.granularities:
        per_class, missing = prompt_embeddings(
            provider, labels, granularity, lambda texts: encode_texts(model, texts, config.batch_size)
        )
        kept = [k for k, e in enumerate(per_class) if e is not None]
        if kept:
            scores = zero_shot_scores(features.embeddings, class_prototypes([per_class[k] for k in kept]))
        else:
            scores = np.zeros((len(features.ids), 0))
        metrics = classify(y[:, kept], scores, [labels[k] for k in kept], calibrated=False)
        centered = classify(y[:, kept], class_centered(scores), [labels[k] for k in kept], calibrated=False)
        results[granularity] = {
            **metrics.to_dict(),
            "auc_macro_centered": centered.to_dict()["auc_macro"],
            "classes_without_text": list(missing),
        }
    return results


def _retrieval(model, features: SplitFeatures, config: EvalConfig) -> dict[str, Any]:
    results = {}
    for granularity in config.granularities:
        texts, positives = text_candidates(features.texts[granularity])
        if not texts:
            continue
        scores = retrieval_scores(features.embeddings, encode_texts(model, texts, config.batch_size), positives)
        results[granularity] = {"n_texts": len(texts), **scores}
    return results


def run_eval(config: EvalConfig, origin: str = "eval config", log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every task of `config`; returns the results dict that is also written to `output_dir`."""
    from mgll_data.train.data import disease_prompt
    from mgll_data.train.model import load_model_from_checkpoint

    if not Path(config.checkpoint).exists():
        raise MgllError(
            f"{origin}: checkpoint {config.checkpoint} not found (expected a run output_dir of mgll-data train "
            "or one of its checkpoints/step-NNNNNNNN folders)"
        )
    device = pick_device(config.device)
    model, train_config = load_model_from_checkpoint(config.checkpoint)
    model = model.to(device).eval()
    dataset = config.dataset or train_config.data.dataset
    template = train_config.data.text_template

    def record_prompt(record: dict[str, Any]) -> str:
        return disease_prompt(record, template)

    def class_prompt(name: str, modality: str | None) -> str:
        """A class name through the training template; a class of both modalities takes the test majority's."""
        record = {"id": f"class {name}", "modality": modality or majority, "disease_text": name}
        return disease_prompt(record, template)

    provider = class_text_provider(config, class_prompt)
    if "zero_shot" in config.tasks and config.labels != "auto":
        for label in config.labels:  # an unknown class id fails now, before any image is read
            provider.texts(label, "descriptions")
    log(f"embedding {dataset} split {config.test_split!r}")
    test = extract_split(model, dataset, config.test_split, config.batch_size, record_prompt, device)
    if not test.ids:
        raise MgllError(f"{origin}: the test split {config.test_split!r} of {dataset} has no rows")
    majority = Counter(test.modalities).most_common(1)[0][0]  # read by class_prompt, which runs after this
    labels = auto_labels(test, config.min_positives, origin) if config.labels == "auto" else list(config.labels)
    y_test = test.label_matrix(labels)
    results: dict[str, Any] = {
        "checkpoint": str(config.checkpoint),
        "dataset": str(dataset),
        "train_split": config.train_split,
        "test_split": config.test_split,
        "seed": config.seed,
        "config": config.model_dump(mode="json"),
        "tasks": list(config.tasks),
        "labels": labels,
        "n_test": len(test.ids),
        "test_positives": {label: int(y_test[:, k].sum()) for k, label in enumerate(labels)},
        "excluded_classes": [label for k, label in enumerate(labels) if y_test[:, k].min() == y_test[:, k].max()],
        "accuracy_rule": ACCURACY_RULE,
    }
    if "linear_probe" in config.tasks:
        log(f"embedding {dataset} split {config.train_split!r}")
        train = extract_split(model, dataset, config.train_split, config.batch_size, record_prompt, device)
        log(f"linear probe at fractions {config.fractions}")
        results["n_train"] = len(train.ids)
        results["linear_probe"] = linear_probe(
            train.embeddings,
            train.label_matrix(labels),
            train.patient_ids,
            test.embeddings,
            y_test,
            labels,
            config.fractions,
            config.seed,
            C=config.probe.C,
            max_iter=config.probe.max_iter,
        )
    if "zero_shot" in config.tasks:
        log(f"zero-shot at {', '.join(config.granularities)}")
        results["zero_shot"] = _zero_shot(model, test, labels, provider, config)
    if "retrieval" in config.tasks:
        log("retrieval")
        results["retrieval"] = _retrieval(model, test, config)
    if "fine_tune" in config.tasks:
        from mgll_data.eval.fine_tune import fine_tune

        log(f"fine-tune for {config.fine_tune.epochs} epoch(s) on fraction {config.fine_tune.fraction}")
        results["fine_tune"] = fine_tune(
            model,
            dataset,
            config.train_split,
            config.test_split,
            labels,
            config.fine_tune,
            config.seed,
            device,
            augment=train_config.data.augment,
        )
    write_results(results, Path(config.output_dir))
    return results


def write_results(results: dict[str, Any], output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "results.json").write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    (output_dir / "results.md").write_text(render_markdown(results), encoding="utf-8")
