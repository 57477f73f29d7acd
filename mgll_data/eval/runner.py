"""`mgll-data eval CONFIG`: load a checkpoint, embed the splits once, run the configured tasks per modality.

Output: OUTPUT_DIR/results.json (every number, per class included; undefined metrics as null) and
OUTPUT_DIR/results.md (the same as markdown tables).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.eval.config import FIT_TASKS, EvalConfig
from mgll_data.eval.features import SplitFeatures, encode_texts, extract_split
from mgll_data.eval.metrics import classify
from mgll_data.eval.probe import linear_head, linear_probe
from mgll_data.eval.report import render_markdown
from mgll_data.eval.retrieval import retrieval_scores, text_candidates
from mgll_data.eval.zero_shot import (
    ClassTexts,
    HeldOutTexts,
    OntologyClassTexts,
    class_centered,
    class_prototypes,
    held_out_templates,
    prompt_embeddings,
    zero_shot_scores,
)
from mgll_data.records import EvalResult, ModalityResult
from mgll_data.schema import Row
from mgll_data.train.data import row_id_hashes

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


def label_modality(config: EvalConfig, label: str) -> str | None:
    """The modality a class belongs to (None: both, or a vocabulary without modalities)."""
    if config.class_texts != "ontology":
        return None
    from mgll_data.ontology import load_ontology

    modality = load_ontology()[label].modality
    return None if modality == "both" else modality


def _zero_shot(model, features: SplitFeatures, labels, provider: HeldOutTexts, config: EvalConfig) -> JsonObject:
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
            "prompts_dropped_as_training_captions": provider.dropped.get(granularity, 0),
        }
    return results


def _retrieval(model, features: SplitFeatures, config: EvalConfig) -> JsonObject:
    results = {}
    for granularity in config.granularities:
        texts, positives = text_candidates(features.texts[granularity])
        if not texts:
            continue
        scores = retrieval_scores(features.embeddings, encode_texts(model, texts, config.batch_size), positives)
        results[granularity] = {"n_texts": len(texts), **scores}
    return results


def check_splits(config: EvalConfig, origin: str) -> None:
    """Refuse to learn from the rows that are tested: the same split for fitting (or epoch selection) and test."""
    fits = [task for task in config.tasks if task in FIT_TASKS]
    if fits and config.train_split == config.test_split:
        raise MgllError(
            f"{origin}: train_split and test_split are both {config.test_split!r}; {', '.join(fits)} would be "
            "fitted on the rows they are tested on (use the build's train split, e.g. train_split: train)"
        )
    selecting = "fine_tune" in config.tasks and config.fine_tune.select == "best_validation"
    if selecting and config.fine_tune.validation_split == config.test_split:
        raise MgllError(
            f"{origin}: fine_tune.validation_split is the test split {config.test_split!r}; the epoch would be "
            "chosen on the test rows (use the build's validation split)"
        )


def check_leakage(test_ids: list[str], trained: np.ndarray | None, folder: Path, split: str) -> JsonObject:
    """Refuse a test split holding rows the checkpoint was trained on; say when the checkpoint cannot tell."""
    if trained is None:
        return {"training_rows_recorded": False, "test_rows_in_training": None}
    seen = np.intersect1d(row_id_hashes(test_ids), trained)
    if seen.size:
        shared = set(seen.tolist())
        examples = ", ".join(repr(i) for i in test_ids if int(row_id_hashes([i])[0]) in shared)
        raise MgllError(
            f"{folder}: the checkpoint was trained on {seen.size} of the {len(test_ids)} rows of test split "
            f"{split!r} (e.g. {examples[:200]}); evaluate on rows it never saw (the build's test split)"
        )
    return {"training_rows_recorded": True, "test_rows_in_training": 0}


def training_captions(train_config, record_prompt: Callable[[JsonObject], str]) -> set[str]:
    """Every text the checkpoint's training split showed the model (level 1 through its template)."""
    from mgll_data.train.data import open_split

    captions: set[str] = set()
    columns = ("id", "modality", "disease_text", "descriptions", "explanations")
    for record in open_split(train_config.data.dataset, train_config.data.split, columns=columns):
        captions.add(record_prompt(record))
        captions.update(t for t in (record["descriptions"] or []) + (record["explanations"] or []) if t)
    return captions


def _modality_labels(config: EvalConfig, test: SplitFeatures, modality: str, origin: str) -> list[str]:
    if config.labels == "auto":
        return auto_labels(test, config.min_positives, f"{origin} (modality {modality})")
    return [label for label in config.labels if label_modality(config, label) in (None, modality)]


def run_eval(config: EvalConfig, origin: str = "eval config", log: Callable[[str], None] = print) -> EvalResult:
    """Run every task of `config` per modality; returns the results dict that is also written to `output_dir`.

    Each modality is evaluated on its own rows with its own label set, so classes of one modality never rank
    images of the other and a label shared by both (normal) is scored within each modality separately."""
    from mgll_data.train.checkpoint import training_rows
    from mgll_data.train.data import disease_prompt
    from mgll_data.train.model import load_checkpoint_folder
    from mgll_data.train.trainer import autocast_dtype

    check_splits(config, origin)
    if not Path(config.checkpoint).exists():
        raise MgllError(
            f"{origin}: checkpoint {config.checkpoint} not found (expected a run output_dir of mgll-data train "
            "or one of its checkpoints/step-NNNNNNNN folders)"
        )
    device = pick_device(config.device)
    dtype = autocast_dtype(config.precision, device)
    folder, model, train_config = load_checkpoint_folder(config.checkpoint, warn=lambda m: log(f"warning: {m}"))
    model = model.to(device).eval()
    dataset = config.dataset or train_config.data.dataset
    template = train_config.data.text_template

    def record_prompt(record: Row) -> str:
        return disease_prompt(record, template)

    def names_only(name: str, modality: str | None) -> str:
        return name

    held_out = config.zero_shot_prompts == "held_out"
    provider = class_text_provider(config, names_only)
    if "zero_shot" in config.tasks and config.labels != "auto":
        for label in config.labels:  # an unknown class id fails now, before any image is read
            provider.texts(label, "descriptions")
    extract = {"batch_size": config.batch_size, "disease_prompt": record_prompt, "device": device}
    extract.update(num_workers=config.num_workers, dtype=dtype)
    log(f"embedding {dataset} split {config.test_split!r}")
    test = extract_split(model, dataset, config.test_split, **extract)
    if not test.ids:
        raise MgllError(f"{origin}: the test split {config.test_split!r} of {dataset} has no rows")
    leakage = check_leakage(test.ids, training_rows(folder), folder, config.test_split)
    if not leakage["training_rows_recorded"]:
        log(f"warning: {folder} does not record its training rows; the test rows cannot be checked against them")
    results = EvalResult(
        checkpoint=str(config.checkpoint),
        checkpoint_folder=str(folder),
        dataset=str(dataset),
        train_split=config.train_split,
        test_split=config.test_split,
        seed=config.seed,
        config=config.model_dump(mode="json"),
        tasks=list(config.tasks),
        leakage=leakage,
        n_test=len(test.ids),
        accuracy_rule=ACCURACY_RULE,
    )
    train = None
    if "linear_probe" in config.tasks or "linear_head" in config.tasks:
        log(f"embedding {dataset} split {config.train_split!r}")
        train = extract_split(model, dataset, config.train_split, **extract)
        shared = sorted(set(train.ids) & set(test.ids))
        if shared:
            raise MgllError(
                f"{origin}: {len(shared)} rows are in both train_split {config.train_split!r} and test_split "
                f"{config.test_split!r} (e.g. {shared[0]!r}); the probes would be tested on rows they were fitted on"
            )
        results.n_train = len(train.ids)
    captions = training_captions(train_config, record_prompt) if held_out and "zero_shot" in config.tasks else set()
    for modality in sorted(set(test.modalities)):
        rows = [k for k, m in enumerate(test.modalities) if m == modality]
        test_m = test.subset(rows)
        labels = _modality_labels(config, test_m, modality, origin)
        if not labels:
            results.modalities[modality] = ModalityResult(len(rows), [], skipped="no configured label")
            continue
        y_test = test_m.label_matrix(labels)
        block = ModalityResult(
            n_test=len(rows),
            labels=labels,
            test_positives={label: int(y_test[:, k].sum()) for k, label in enumerate(labels)},
            excluded_classes=[label for k, label in enumerate(labels) if y_test[:, k].min() == y_test[:, k].max()],
        )
        results.modalities[modality] = block
        if train is not None:
            train_m = train.subset([k for k, m in enumerate(train.modalities) if m == modality])
            block.n_train = len(train_m.ids)
            y_train = train_m.label_matrix(labels)
            fit = (train_m.embeddings, y_train, train_m.patient_ids, test_m.embeddings, y_test, labels)
            if not train_m.ids:
                block.skipped_fits = f"no {modality} rows in train_split {config.train_split!r}"
            elif "linear_probe" in config.tasks:
                log(f"{modality}: logistic probe at fractions {config.fractions}")
                block.linear_probe = linear_probe(
                    *fit, config.fractions, config.seed, C=config.probe.C, max_iter=config.probe.max_iter
                )
            if train_m.ids and "linear_head" in config.tasks:
                log(f"{modality}: linear head ({config.linear_head.epochs} epochs) at fractions {config.fractions}")
                block.linear_head = linear_head(*fit, config.fractions, config.seed, config.linear_head)
        if "zero_shot" in config.tasks:
            log(f"{modality}: zero-shot at {', '.join(config.granularities)}")
            templates = held_out_templates(modality) if held_out else None

            def class_prompt(name: str, class_modality: str | None, modality: str = modality) -> str:
                record = {"id": f"class {name}", "modality": class_modality or modality, "disease_text": name}
                return disease_prompt(record, template)

            base = provider if held_out else class_text_provider(config, class_prompt)
            block.zero_shot = _zero_shot(model, test_m, labels, HeldOutTexts(base, templates, captions), config)
        if "retrieval" in config.tasks:
            log(f"{modality}: retrieval")
            block.retrieval = _retrieval(model, test_m, config)
        if "fine_tune" in config.tasks:
            from mgll_data.eval.fine_tune import fine_tune

            log(f"{modality}: fine-tune for {config.fine_tune.epochs} epoch(s) on fraction {config.fine_tune.fraction}")
            block.fine_tune = fine_tune(
                model,
                dataset,
                config.train_split,
                config.test_split,
                labels,
                config.fine_tune,
                config.seed,
                device,
                augment=train_config.data.augment,
                modality=modality,
                num_workers=config.num_workers,
                dtype=dtype,
            )
    if not any(block.labels for block in results.modalities.values()):
        raise MgllError(f"{origin}: none of the configured labels belongs to a modality of the test split")
    write_results(results, Path(config.output_dir))
    return results


def write_results(results: EvalResult, output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    data = results.to_json()
    (output_dir / "results.json").write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    (output_dir / "results.md").write_text(render_markdown(data), encoding="utf-8")
