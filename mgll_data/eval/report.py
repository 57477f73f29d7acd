"""results.json -> markdown tables (results.md and the table `mgll-data eval` prints)."""

from __future__ import annotations

from typing import Any

from mgll_data.config_io import JsonObject


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(results: JsonObject) -> str:
    """Per modality: summary tables per task, AUC per class across tasks, the excluded-class notes."""
    leakage = results.get("leakage") or {}
    checked = (
        "test rows checked against the checkpoint's training rows: none trained on"
        if leakage.get("training_rows_recorded")
        else "the checkpoint does not record its training rows: test rows not checked against them"
    )
    lines = [
        f"# Evaluation of `{results['checkpoint']}`",
        "",
        f"Dataset `{results['dataset']}`: train split `{results['train_split']}`, test split "
        f"`{results['test_split']}` ({results['n_test']} images); seed {results['seed']}; {checked}.",
        "",
    ]
    for modality, block in results["modalities"].items():
        lines += _modality_section(modality, block)
    lines.append(f"Accuracy: {results['accuracy_rule']}")
    return "\n".join(lines) + "\n"


def _modality_section(modality: str, block: JsonObject) -> list[str]:
    lines = [f"## {modality}: {block['n_test']} test images, {len(block['labels'])} classes", ""]
    if block.get("skipped"):
        return lines + [f"Skipped: {block['skipped']}.", ""]
    per_class_columns: list[tuple[str, JsonObject]] = []
    notes: list[str] = []
    probes = (("linear_probe", "Logistic probe (frozen features)", "probe"), ("linear_head", "Linear head", "head"))
    for key, title, short in probes:
        if key not in block:
            continue
        lines += [f"### {title}", ""]
        rows = []
        for fraction, r in block[key].items():
            rows.append(
                [fraction, r["n_patients"], r["n_images"], r["auc_macro"], r["map"], r["accuracy"], r["f1_macro"]]
            )
            per_class_columns.append((f"{short} {fraction}", r["auc_per_class"]))
            if r["constant_classes"]:
                notes.append(f"{short} {fraction}: constant in training: {', '.join(r['constant_classes'])}")
        lines += _table(["fraction", "patients", "images", "AUC macro", "mAP", "accuracy", "F1 macro"], rows)
    if "fine_tune" in block:
        r = block["fine_tune"]
        lines += ["### Full fine-tune", ""]
        lines += _table(
            ["fraction", "images", "epochs", "selected epoch", "AUC macro", "mAP", "accuracy", "F1 macro"],
            [
                [
                    f"{r['fraction']:g}",
                    r["n_images"],
                    r["epochs"],
                    r["selected_epoch"],
                    r["auc_macro"],
                    r["map"],
                    r["accuracy"],
                    r["f1_macro"],
                ]
            ],
        )
        per_class_columns.append(("fine-tune", r["auc_per_class"]))
    if "zero_shot" in block:
        lines += ["### Zero-shot (class texts per granularity)", ""]
        rows = []
        for granularity, r in block["zero_shot"].items():
            rows.append(
                [
                    granularity,
                    r["auc_macro"],
                    r["auc_macro_centered"],
                    r["map"],
                    r["accuracy"],
                    r["prompts_dropped_as_training_captions"],
                    ", ".join(r["classes_without_text"]),
                ]
            )
            per_class_columns.append((f"zero-shot {granularity}", r["auc_per_class"]))
        header = [
            "granularity",
            "AUC macro",
            "AUC macro, class-centered",
            "mAP",
            "accuracy",
            "prompts dropped (training captions)",
            "classes without text",
        ]
        lines += _table(header, rows)
        lines += [
            "Class-centered: each image's scores minus their mean over classes; near 0.5 means the texts of all "
            "classes point the same way and only an 'anything there' score is measured.",
            "",
        ]
    if "retrieval" in block:
        lines += ["### Retrieval (test split's own texts, deduplicated)", ""]
        keys = ["i2t_R@1", "i2t_R@5", "i2t_R@10", "t2i_R@1", "t2i_R@5", "t2i_R@10"]
        rows = [[g, r["n_texts"], *(r[k] for k in keys)] for g, r in block["retrieval"].items()]
        lines += _table(["granularity", "texts", *keys], rows)
    if per_class_columns:
        lines += ["### AUC per class", ""]
        rows = [[label, *(column.get(label) for _, column in per_class_columns)] for label in block["labels"]]
        lines += _table(["class", *(name for name, _ in per_class_columns)], rows)
    excluded = block.get("excluded_classes") or []
    if excluded:
        notes.append(f"no AUC (one label value in the test split), left out of every macro mean: {', '.join(excluded)}")
    if block.get("skipped_fits"):
        notes.append(f"probes skipped: {block['skipped_fits']}")
    if notes:
        lines += ["Notes:", *(f"- {note}" for note in notes), ""]
    return lines
