"""results.json -> markdown tables (results.md and the table `mgll-data eval` prints)."""

from __future__ import annotations

from typing import Any


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


def render_markdown(results: dict[str, Any]) -> str:
    """Summary tables per task, then AUC per class across tasks, then the excluded-class notes."""
    lines = [
        f"# Evaluation of `{results['checkpoint']}`",
        "",
        f"Dataset `{results['dataset']}`: train split `{results['train_split']}`, test split "
        f"`{results['test_split']}` ({results['n_test']} images); {len(results['labels'])} classes; seed "
        f"{results['seed']}.",
        "",
    ]
    per_class_columns: list[tuple[str, dict[str, Any]]] = []
    notes: list[str] = []
    if "linear_probe" in results:
        lines += ["## Linear probe (frozen features)", ""]
        rows = []
        for fraction, r in results["linear_probe"].items():
            rows.append([fraction, r["n_patients"], r["n_images"], r["auc_macro"], r["map"], r["accuracy"]])
            per_class_columns.append((f"probe {fraction}", r["auc_per_class"]))
            if r["constant_classes"]:
                notes.append(f"probe {fraction}: constant in training (AUC 0.5): {', '.join(r['constant_classes'])}")
        lines += _table(["fraction", "patients", "images", "AUC macro", "mAP", "accuracy"], rows)
    if "fine_tune" in results:
        r = results["fine_tune"]
        lines += ["## Full fine-tune", ""]
        lines += _table(
            ["fraction", "images", "epochs", "AUC macro", "mAP", "accuracy"],
            [[f"{r['fraction']:g}", r["n_images"], r["epochs"], r["auc_macro"], r["map"], r["accuracy"]]],
        )
        per_class_columns.append(("fine-tune", r["auc_per_class"]))
    if "zero_shot" in results:
        lines += ["## Zero-shot (class texts per granularity)", ""]
        rows = []
        for granularity, r in results["zero_shot"].items():
            rows.append(
                [
                    granularity,
                    r["auc_macro"],
                    r["auc_macro_centered"],
                    r["map"],
                    r["accuracy"],
                    ", ".join(r["classes_without_text"]),
                ]
            )
            per_class_columns.append((f"zero-shot {granularity}", r["auc_per_class"]))
        header = ["granularity", "AUC macro", "AUC macro, class-centered", "mAP", "accuracy", "classes without text"]
        lines += _table(header, rows)
        lines += [
            "Class-centered: each image's scores minus their mean over classes; near 0.5 means the texts of all "
            "classes point the same way and only an 'anything there' score is measured.",
            "",
        ]
    if "retrieval" in results:
        lines += ["## Retrieval (test split's own texts, deduplicated)", ""]
        keys = ["i2t_R@1", "i2t_R@5", "i2t_R@10", "t2i_R@1", "t2i_R@5", "t2i_R@10"]
        rows = [[g, r["n_texts"], *(r[k] for k in keys)] for g, r in results["retrieval"].items()]
        lines += _table(["granularity", "texts", *keys], rows)
    if per_class_columns:
        lines += ["## AUC per class", ""]
        rows = [[label, *(column.get(label) for _, column in per_class_columns)] for label in results["labels"]]
        lines += _table(["class", *(name for name, _ in per_class_columns)], rows)
    excluded = results.get("excluded_classes") or []
    if excluded:
        notes.append(f"no AUC (one label value in the test split), left out of every macro mean: {', '.join(excluded)}")
    if notes:
        lines += ["Notes:", *(f"- {note}" for note in notes), ""]
    lines.append(f"Accuracy: {results['accuracy_rule']}")
    return "\n".join(lines) + "\n"
