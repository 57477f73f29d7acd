"""Dataset statistics of a built folder: counts, label prevalence, text lengths, duplicates, rejects, views.

Label prevalence is per modality and split: a fundus finding's share is of fundus rows, and `normal` is
counted once per modality, because a share over a mixed row count says nothing about either modality.

`compute_stats` streams only the metadata and hash columns shard by shard (never the image bytes) and
returns a JSON-ready dict; `write_report` turns it into report.md + stats.json + PNG plots, and
`print_summary` into a short console summary. Duplicate clustering is `mgll_data.images.dedup`'s.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from mgll_data import storage
from mgll_data.config_io import JsonObject
from mgll_data.errors import ValidationError
from mgll_data.images.dedup import exact_duplicate_clusters, near_duplicate_clusters
from mgll_data.output_layout import DATA_DIR, REJECTS_FILE, SPLITS, iter_batches, require_output_dir, shards_by_split
from mgll_data.schema import Row

COLUMNS: tuple[str, ...] = (
    "id", "source", "modality", "split", "view", "laterality", "labels", "uncertain_labels", "negative_labels",
    "disease_text", "descriptions", "explanations", "report_findings", "report_impression", "hashes",
)  # fmt: skip
# The three MGLL texts of a row (the diversity table counts these; GRANULARITIES adds the report sections).
THREE_TEXTS: tuple[str, ...] = ("disease_text", "descriptions", "explanations")
GRANULARITIES: tuple[str, ...] = (
    "disease_text",
    "descriptions",
    "explanations",
    "report_findings",
    "report_impression",
)
LABEL_STATES: tuple[tuple[str, str], ...] = (
    ("labels", "positive"), ("uncertain_labels", "uncertain"), ("negative_labels", "negative"),
)  # fmt: skip
HISTOGRAM_BINS = 20
PLOTTED_LABELS = 30
_WORD = re.compile(r"\S+")
UNKNOWN = "(none)"


def word_count(text: str) -> int:
    """Whitespace-separated words: a tokenizer-free length that is the same for every text model."""
    return len(_WORD.findall(text))


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    return [item for item in value if item] if isinstance(value, list) else ([value] if value else [])


def _length_summary(items_per_row: list[int], lengths: list[int]) -> JsonObject:
    per_row = np.asarray(items_per_row, dtype=np.int64)
    words = np.asarray(lengths, dtype=np.int64)
    summary: JsonObject = {
        "rows_with_text": int((per_row > 0).sum()),
        "rows_without_text": int((per_row == 0).sum()),
        "texts": int(per_row.sum()),
        "texts_per_row_mean": round(float(per_row.mean()), 3) if per_row.size else 0.0,
        "texts_per_row_max": int(per_row.max()) if per_row.size else 0,
    }
    if words.size:
        step = max(1, -(-(int(words.max()) + 1) // HISTOGRAM_BINS))  # whole words per bin
        counts, edges = np.histogram(words, bins=np.arange(0, int(words.max()) + step + 1, step))
        summary["words"] = {
            "mean": round(float(words.mean()), 2),
            "median": round(float(np.median(words)), 2),
            "p95": round(float(np.percentile(words, 95)), 2),
            "max": int(words.max()),
            "histogram": {"edges": [round(float(e), 2) for e in edges], "counts": counts.tolist()},
        }
    return summary


def _cluster(ids: list[str], source_of: dict[str, str], split_of: dict[str, str]) -> JsonObject:
    sources = sorted({source_of[i] for i in ids})
    splits = sorted({split_of[i] for i in ids}, key=lambda s: SPLITS.index(s) if s in SPLITS else len(SPLITS))
    return {
        "ids": ids,
        "sources": sources,
        "splits": splits,
        "scope": "within source" if len(sources) == 1 else "across sources",
        "across_splits": len(splits) > 1,
    }


def _duplicates(
    ids: list[str],
    pixel: list[str | None],
    phash: list[str | None],
    source_of: dict[str, str],
    split_of: dict[str, str],
    near_distance: int | None,
) -> JsonObject:
    exact = exact_duplicate_clusters(ids, pixel)
    near_options = {} if near_distance is None else {"max_distance": near_distance}
    exact_sets = {tuple(cluster) for cluster in exact}
    near = [c for c in near_duplicate_clusters(ids, phash, **near_options) if tuple(c) not in exact_sets]
    result: JsonObject = {"near_distance": near_distance}
    for kind, clusters in (("exact", exact), ("near", near)):
        described = [_cluster(cluster, source_of, split_of) for cluster in clusters]
        result[kind] = {
            "clusters": len(described),
            "images": sum(len(c["ids"]) for c in described),
            "across_sources": sum(c["scope"] == "across sources" for c in described),
            "across_splits": sum(c["across_splits"] for c in described),
            "list": described,
        }
    return result


def reject_summary(out_dir: Path) -> JsonObject:
    """Rejects of a built folder: total, per reason, per source and reason."""
    path = out_dir / REJECTS_FILE
    if not path.is_file():
        return {"total": 0, "by_reason": {}, "by_source": {}}
    table = pq.read_table(storage.arrow_source(path), columns=["source", "reason"])
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    for source, reason in zip(table.column("source").to_pylist(), table.column("reason").to_pylist(), strict=True):
        by_source[source][reason] += 1
    by_reason = Counter(table.column("reason").to_pylist())
    return {
        "total": table.num_rows,
        "by_reason": dict(by_reason.most_common()),
        "by_source": {source: dict(counts.most_common()) for source, counts in sorted(by_source.items())},
    }


def _ordered_splits(counts: dict[str, int]) -> list[str]:
    """The splits present in `counts`, train / validation / test first."""
    return [s for s in SPLITS if s in counts] + sorted(set(counts) - set(SPLITS))


class _Diversity:
    """Text diversity of one (modality, source): distinct texts per granularity and how many rows share all
    three texts with another row. Holds hashes, not texts, so a large build costs a few ints per row."""

    def __init__(self) -> None:
        self.rows = 0
        self.distinct: dict[str, set[int]] = {g: set() for g in THREE_TEXTS}
        self.triples: Counter[int] = Counter()

    def add(self, row: Row) -> None:
        self.rows += 1
        triple = []
        for granularity in THREE_TEXTS:
            texts = _texts(row.get(granularity))
            self.distinct[granularity].update(hash(text) for text in texts)
            triple.append(tuple(texts))
        self.triples[hash(tuple(triple))] += 1

    def summary(self) -> JsonObject:
        shared = sum(count for count in self.triples.values() if count > 1)
        return {
            "rows": self.rows,
            "distinct_texts": {g: len(self.distinct[g]) for g in THREE_TEXTS},
            "distinct_text_sets": len(self.triples),
            "rows_sharing_all_three": shared,
            "share_sharing_all_three": round(shared / self.rows, 4) if self.rows else 0.0,
        }


def compute_stats(out_dir: Path | str, near_distance: int | None = None) -> JsonObject:
    """All statistics of a built folder as a JSON-ready dict; `near_distance` = max phash Hamming distance
    for near duplicates (None: the dedup module's default)."""
    out_dir = require_output_dir(out_dir)
    shards = shards_by_split(out_dir)
    if not shards:
        raise ValidationError(f"{out_dir / DATA_DIR}: no shards named {{split}}-00000-of-0000N.parquet")
    by_source_split: dict[str, Counter[str]] = defaultdict(Counter)
    split_rows: Counter[str] = Counter()
    modality_rows: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, dict[str, dict[str, Counter[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Counter))
    )
    text_items: dict[str, list[int]] = {g: [] for g in GRANULARITIES}
    text_words: dict[str, list[int]] = {g: [] for g in GRANULARITIES}
    views: dict[str, Counter[str]] = defaultdict(Counter)
    lateralities: dict[str, Counter[str]] = defaultdict(Counter)
    diversity: dict[tuple[str, str], _Diversity] = defaultdict(_Diversity)
    ids: list[str] = []
    pixel: list[str | None] = []
    phash: list[str | None] = []
    source_of: dict[str, str] = {}
    split_of: dict[str, str] = {}
    for paths in shards.values():
        for path in paths:
            for batch in iter_batches(path, COLUMNS, batch_rows=4096):
                for row in batch.to_pylist():
                    source, split, modality = row["source"], row["split"], row.get("modality") or UNKNOWN
                    by_source_split[source][split] += 1
                    split_rows[split] += 1
                    modality_rows[modality][split] += 1
                    for column, state in LABEL_STATES:
                        for label in row.get(column) or []:
                            labels[modality][split][label][state] += 1
                    for granularity in GRANULARITIES:
                        texts = _texts(row.get(granularity))
                        text_items[granularity].append(len(texts))
                        text_words[granularity].extend(word_count(text) for text in texts)
                    diversity[(modality, source)].add(row)
                    views[source][row.get("view") or UNKNOWN] += 1
                    lateralities[source][row.get("laterality") or UNKNOWN] += 1
                    hashes = row.get("hashes") or {}
                    ids.append(row["id"])
                    pixel.append(hashes.get("pixel_sha256"))
                    phash.append(hashes.get("phash"))
                    source_of[row["id"]], split_of[row["id"]] = source, split
    prevalence = {
        modality: {
            split: {
                "rows": rows[split],
                "labels": {
                    label: {**{state: counts[state] for _, state in LABEL_STATES},
                            "prevalence": round(counts["positive"] / rows[split], 4)}
                    for label, counts in sorted(labels[modality][split].items(),
                                                key=lambda item: (-item[1]["positive"], item[0]))
                },
            }
            for split in _ordered_splits(rows)
        }
        for modality, rows in sorted(modality_rows.items())
    }  # fmt: skip
    return {
        "folder": str(out_dir),
        "rows": sum(split_rows.values()),
        "by_source_split": {s: dict(c) for s, c in sorted(by_source_split.items())},
        "by_modality_split": {
            modality: {split: rows[split] for split in _ordered_splits(rows)}
            for modality, rows in sorted(modality_rows.items())
        },
        "label_prevalence": prevalence,
        "text": {g: _length_summary(text_items[g], text_words[g]) for g in GRANULARITIES},
        "text_diversity": {
            modality: {source: diversity[(m, source)].summary() for m, source in sorted(diversity) if m == modality}
            for modality in sorted({m for m, _ in diversity})
        },
        "duplicates": _duplicates(ids, pixel, phash, source_of, split_of, near_distance),
        "rejects": reject_summary(out_dir),
        "view": {s: dict(c.most_common()) for s, c in sorted(views.items())},
        "laterality": {s: dict(c.most_common()) for s, c in sorted(lateralities.items())},
    }


def _plot_files(stats: JsonObject, report_dir: Path) -> dict[str, str]:
    """PNG plots next to the report, each titled and with labelled axes; returns title -> file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files: dict[str, str] = {}

    def save(fig: Any, name: str, title: str) -> None:
        fig.suptitle(title, fontweight="bold")
        fig.tight_layout()
        with (report_dir / name).open("wb") as handle:  # a file object: the folder may be in an object store
            fig.savefig(handle, dpi=100, format="png")
        plt.close(fig)
        files[title] = name

    sources = list(stats["by_source_split"])
    splits = _ordered_splits({sp: 1 for counts in stats["by_source_split"].values() for sp in counts})
    if sources:
        fig, ax = plt.subplots(figsize=(max(4.5, 1.3 * len(sources)), 3.8))
        bottom = np.zeros(len(sources))
        for split in splits:
            values = np.array([stats["by_source_split"][s].get(split, 0) for s in sources])
            ax.bar(sources, values, bottom=bottom, label=split)
            bottom += values
        for x, total in enumerate(bottom):
            ax.annotate(f"{int(total)}", (x, total), ha="center", va="bottom", fontsize=8)
        ax.set_xlabel("source")
        ax.set_ylabel("rows")
        ax.legend(title="split")
        save(fig, "rows_by_source_split.png", "Rows per source and split")
    modalities = [m for m, block in stats["label_prevalence"].items() if _top_labels(block)]
    if modalities:
        tallest = max(len(_top_labels(stats["label_prevalence"][m])) for m in modalities)
        fig, axes = plt.subplots(
            1, len(modalities), figsize=(6.5 * len(modalities), max(3.0, 0.32 * tallest + 1.5)), squeeze=False
        )
        for ax, modality in zip(axes[0], modalities, strict=True):
            _prevalence_axis(ax, modality, stats["label_prevalence"][modality])
        save(fig, "label_prevalence.png", "Label prevalence per modality and split (positive)")
    with_words = [g for g in GRANULARITIES if "words" in stats["text"][g]]
    if with_words:
        fig, axes = plt.subplots(1, len(with_words), figsize=(3.3 * len(with_words), 3.3), squeeze=False)
        for ax, granularity in zip(axes[0], with_words, strict=True):
            histogram = stats["text"][granularity]["words"]["histogram"]
            ax.stairs(histogram["counts"], histogram["edges"], fill=True)
            ax.set_title(granularity, fontsize=9)
            ax.set_xlabel("words per text")
        axes[0][0].set_ylabel("texts")
        save(fig, "text_lengths.png", "Text lengths per granularity")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, key in zip(axes, ("view", "laterality"), strict=True):
        found = {value for counts in stats[key].values() for value in counts}
        kinds = sorted(found, key=lambda v: (v == UNKNOWN, v))
        bottom = np.zeros(len(kinds))
        for source, counts in stats[key].items():  # stacked per source: '(none)' shows whose rows lack the field
            heights = np.array([counts.get(value, 0) for value in kinds])
            ax.bar(kinds, heights, bottom=bottom, label=source)
            bottom += heights
        ax.set_title(f"{key} per source", fontsize=9)
        ax.set_xlabel(key)
        ax.set_ylabel("rows")
        ax.set_ylim(0, max(bottom.max(), 1) * 1.3)  # headroom so the legend never hides a bar
        ax.legend(title="source", fontsize=8, loc="upper left")
        ax.tick_params(axis="x", labelrotation=45)
    save(fig, "view_laterality.png", "View and laterality")
    return files


def _top_labels(block: JsonObject) -> list[str]:
    """The most frequent positive labels of one modality over its splits, most frequent last (for barh)."""
    top: Counter[str] = Counter()
    for split_block in block.values():
        for label, counts in split_block["labels"].items():
            top[label] += counts["positive"]
    return [label for label, count in top.most_common(PLOTTED_LABELS) if count][::-1]


def _prevalence_axis(ax: Any, modality: str, block: JsonObject) -> None:
    """Grouped horizontal bars of one modality: share of its rows per split, the count at each bar's end."""
    names = _top_labels(block)
    splits = list(block)
    height = 0.8 / max(1, len(splits))
    for offset, split in enumerate(splits):
        labels = block[split]["labels"]
        shares = [labels.get(n, {}).get("prevalence", 0) for n in names]
        counts = [labels.get(n, {}).get("positive", 0) for n in names]
        positions = np.arange(len(names)) + (len(splits) - 1 - offset) * height  # first split on top
        ax.barh(positions, shares, height=height, label=f"{split} ({block[split]['rows']} rows)")
        for y, share, count in zip(positions, shares, counts, strict=True):
            if count:
                ax.annotate(f"{count}", (share, y), xytext=(2, 0), textcoords="offset points", va="center", fontsize=7)
    ax.set_yticks(np.arange(len(names)) + height * (len(splits) - 1) / 2, names, fontsize=8)
    ax.set_xlabel(f"share of {modality} rows with the label (count at bar end)")
    ax.set_title(modality, fontsize=10)
    ax.legend(title="split", fontsize=8)


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in rows]


def _markdown(stats: JsonObject, plots: dict[str, str]) -> str:
    splits = _ordered_splits({sp: 1 for counts in stats["by_source_split"].values() for sp in counts})
    lines = [
        f"# Dataset statistics: {stats['folder']}",
        "",
        f"{stats['rows']} rows.",
        "",
        "## Rows per source and split",
    ]
    rows = [[s, *[c.get(sp, 0) for sp in splits], sum(c.values())] for s, c in stats["by_source_split"].items()]
    lines += ["", *_md_table(["source", *splits, "total"], rows), ""]
    lines += ["## Label prevalence per modality and split", ""]
    for modality, block in stats["label_prevalence"].items():
        for split, split_block in block.items():
            table = [[label, c["positive"], c["prevalence"], c["uncertain"], c["negative"]]
                     for label, c in split_block["labels"].items()]  # fmt: skip
            header = ["label", "positive", "share of rows", "uncertain", "negative"]
            lines += [f"### {modality}, {split} ({split_block['rows']} rows)", "", *_md_table(header, table), ""]
    lines += ["## Text lengths (words)", ""]
    table = []
    for granularity, text in stats["text"].items():
        words = text.get("words", {})
        table.append([granularity, text["rows_with_text"], text["rows_without_text"], text["texts"],
                      text["texts_per_row_mean"], words.get("mean", "-"), words.get("median", "-"),
                      words.get("p95", "-"), words.get("max", "-")])  # fmt: skip
    header = ["granularity", "rows with text", "rows without", "texts", "texts/row", "mean", "median", "p95", "max"]
    lines += [*_md_table(header, table), ""]
    lines += ["## Text diversity per modality and source", ""]
    table = [[modality, source, block["rows"], *[block["distinct_texts"][g] for g in THREE_TEXTS],
              block["distinct_text_sets"], f"{block['share_sharing_all_three']:.1%}"]
             for modality, sources in stats["text_diversity"].items() for source, block in sources.items()]  # fmt: skip
    header = ["modality", "source", "rows", *[f"distinct {g}" for g in THREE_TEXTS], "distinct text sets",
              "rows sharing all three texts"]  # fmt: skip
    lines += [*_md_table(header, table), ""]
    dup = stats["duplicates"]
    lines += ["## Duplicate clusters", ""]
    for kind, title in (("exact", "Exact (same pixel hash)"), ("near", "Near (perceptual hash, not exact)")):
        block = dup[kind]
        lines += [f"### {title}", "", f"{block['clusters']} cluster(s) over {block['images']} images; "
                  f"{block['across_sources']} across sources, {block['across_splits']} across splits.", ""]  # fmt: skip
        if block["list"]:
            table = [[", ".join(c["ids"]), ", ".join(c["sources"]), ", ".join(c["splits"]), c["scope"]]
                     for c in block["list"]]  # fmt: skip
            lines += [*_md_table(["ids", "sources", "splits", "scope"], table), ""]
    rejects = stats["rejects"]
    lines += ["## Rejects by reason", "", f"{rejects['total']} rejected item(s).", ""]
    if rejects["by_reason"]:
        lines += [*_md_table(["reason", "count"], [[r, n] for r, n in rejects["by_reason"].items()]), ""]
    for key in ("view", "laterality"):
        values = sorted({v for counts in stats[key].values() for v in counts})
        table = [[s, *[c.get(v, 0) for v in values]] for s, c in stats[key].items()]
        lines += [f"## {key.capitalize()} per source", "", *_md_table(["source", *values], table), ""]
    lines += ["## Plots", ""] + [f"![{title}]({name})" for title, name in plots.items()] + [""]
    return "\n".join(lines)


def write_report(stats: JsonObject, report_dir: Path | str | storage.AnyPath) -> storage.AnyPath:
    """Write report.md, stats.json and the PNG plots into `report_dir`; returns the report's path."""
    report_dir = storage.location(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    plots = _plot_files(stats, report_dir)
    path = report_dir / "report.md"
    path.write_text(_markdown(stats, plots), encoding="utf-8")
    return path


def print_summary(stats: JsonObject, console: Console) -> None:
    """A few console tables: rows per source/split, top labels per modality, text lengths, duplicates, rejects."""
    splits = _ordered_splits({sp: 1 for counts in stats["by_source_split"].values() for sp in counts})
    table = Table(title=f"{stats['rows']} rows")
    for column in ("source", *splits):
        table.add_column(column)
    for source, counts in stats["by_source_split"].items():
        table.add_row(source, *[str(counts.get(split, 0)) for split in splits])
    console.print(table)
    for modality, block in stats["label_prevalence"].items():
        labels = Table(title=f"{modality}: top labels, positive count (share of {modality} rows)")
        labels.add_column("label")
        for split, split_block in block.items():
            labels.add_column(f"{split} ({split_block['rows']})", justify="right")
        for label in _top_labels(block)[::-1][:10]:
            cells = []
            for split_block in block.values():
                counts = split_block["labels"].get(label, {})
                cells.append(f"{counts.get('positive', 0)} ({counts.get('prevalence', 0):.1%})")
            labels.add_row(label, *cells)
        console.print(labels)
    text = Table(title="text (words)")
    for column in ("granularity", "rows with text", "mean", "p95", "max"):
        text.add_column(column)
    for granularity, summary in stats["text"].items():
        words = summary.get("words", {})
        text.add_row(granularity, str(summary["rows_with_text"]),
                     *[str(words.get(key, "-")) for key in ("mean", "p95", "max")])  # fmt: skip
    console.print(text)
    diverse = Table(title="text diversity (distinct texts; rows whose three texts equal another row's)")
    for column in ("modality", "source", "rows", *THREE_TEXTS, "shared"):
        diverse.add_column(column)
    for modality, sources in stats["text_diversity"].items():
        for source, block in sources.items():
            counts = [str(block["distinct_texts"][g]) for g in THREE_TEXTS]
            diverse.add_row(modality, source, str(block["rows"]), *counts, f"{block['share_sharing_all_three']:.1%}")
    console.print(diverse)
    dup = stats["duplicates"]
    console.print(
        f"duplicates: exact {dup['exact']['clusters']} cluster(s) ({dup['exact']['across_splits']} across splits), "
        f"near {dup['near']['clusters']} ({dup['near']['across_splits']} across splits); "
        f"rejects: {stats['rejects']['total']}",
        highlight=False,
    )
