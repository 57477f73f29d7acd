"""The dataset card (`OUT/README.md`): YAML front matter that `datasets` and the Hub read, and a body for people.

The front matter is what makes the folder a loadable dataset: `configs` points each split at its shard
glob and `dataset_info.features` repeats the record schema, so `datasets.load_dataset(OUT)` returns the
Image and List features offline exactly as it would from the Hub. Everything else comes from manifest.json;
the prose lives in `card_text.yaml`.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from mgll_data.output_layout import CARD_FILE, DATA_DIR, SPLITS
from mgll_data.rejects import reason_table
from mgll_data.schema import FIELDS, SCHEMA_VERSION, features
from mgll_data.sources.base import LICENCE_CLASSES

_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


@functools.cache
def card_text() -> dict[str, Any]:
    """The card's prose and vocabularies (data, not code)."""
    return yaml.safe_load(resources.files("mgll_data.export").joinpath("card_text.yaml").read_text(encoding="utf-8"))


def _cell(value: Any) -> str:
    """A value made safe for one Markdown table cell."""
    return " ".join(str("" if value is None else value).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _present_splits(manifest: dict[str, Any]) -> list[str]:
    splits = manifest.get("splits", {})
    return [split for split in SPLITS if splits.get(split, {}).get("rows", 0) > 0]


def _split_bytes(manifest: dict[str, Any]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for shard in manifest.get("shards", []):
        totals[shard["split"]] = totals.get(shard["split"], 0) + int(shard.get("bytes", 0))
    return totals


def _size_category(rows: int) -> str:
    return next((label for limit, label in _SIZE_CATEGORIES if rows < limit), "n>1M")


def strictest_licence_class(manifest: dict[str, Any]) -> str:
    """The most restrictive licence class among the manifest's sources (the order of LICENCE_CLASSES)."""
    classes = {source.get("licence_class") for source in manifest.get("sources", {}).values()}
    known = [cls for cls in LICENCE_CLASSES if cls in classes]
    return known[-1] if known else LICENCE_CLASSES[-1]


def _field_type(dtype: pa.DataType, name: str) -> str:
    if name == "image":
        return "Image"
    if pa.types.is_struct(dtype):
        return "struct (" + ", ".join(field.name for field in dtype) + ")"
    if pa.types.is_list(dtype):
        return f"list<{dtype.value_type}>"
    return str(dtype)


def card_metadata(manifest: dict[str, Any]) -> dict[str, Any]:
    """The YAML front matter: configs, dataset_info, licence, task categories, tags, pretty name.

    `num_bytes`, `download_size` and `dataset_size` are the Parquet shard sizes from the manifest (what a
    user downloads), not the uncompressed Arrow size `push_to_hub` would state.
    """
    text = card_text()
    splits = _present_splits(manifest)
    split_bytes = _split_bytes(manifest)
    split_rows = {split: int(manifest["splits"][split]["rows"]) for split in splits}
    modalities = sorted({source.get("modality", "") for source in manifest.get("sources", {}).values()} - {""})
    tags = list(text["tags"]) + [tag for modality in modalities for tag in text["modality_tags"].get(modality, [])]
    licence = text["licence_classes"][strictest_licence_class(manifest)]
    total_bytes = sum(split_bytes.get(split, 0) for split in splits)
    return {
        "pretty_name": manifest.get("recipe", {}).get("name", "mgll-data dataset"),
        "license": "other",
        "license_name": licence["license_name"],
        "language": ["en"],
        "task_categories": list(text["task_categories"]),
        "tags": tags,
        "size_categories": [_size_category(sum(split_rows.values()))],
        "configs": [
            {
                "config_name": "default",
                "default": True,
                "data_files": [{"split": split, "path": f"{DATA_DIR}/{split}-*"} for split in splits],
            }
        ],
        "dataset_info": {
            "features": features()._to_yaml_list(),
            "splits": [
                {"name": split, "num_bytes": split_bytes.get(split, 0), "num_examples": split_rows[split]}
                for split in splits
            ],
            "download_size": total_bytes,
            "dataset_size": total_bytes,
        },
    }


def _sources_section(manifest: dict[str, Any], splits: list[str]) -> list[str]:
    sources = manifest.get("sources", {})
    by_source = manifest.get("counts", {}).get("by_source_split", {})
    rows = [
        [
            name,
            info.get("modality", ""),
            info.get("licence_class", ""),
            *[by_source.get(name, {}).get(split, 0) for split in splits],
            info.get("rows", 0),
            info.get("rejects", 0),
            info.get("version", ""),
        ]
        for name, info in sorted(sources.items())
    ]
    header = ["source", "modality", "licence class", *splits, "rows", "rejects", "version"]
    lines = ["## Sources", "", _table(header, rows), "", "### Citations", ""]
    for name, info in sorted(sources.items()):
        homepage = f" <{info['homepage']}>" if info.get("homepage") else ""
        lines.append(f"- **{name}**: {_cell(info.get('citation', '')) or 'no citation given'}{homepage}")
    summaries = card_text()["licence_classes"]
    present = sorted({info.get("licence_class") for info in sources.values()} & set(summaries))
    lines += ["", "### Licence and access", ""]
    lines += [f"- `{cls}`: {summaries[cls]['summary']}" for cls in present]
    lines += ["", card_text()["licence_note"]]
    return lines


def _counts_section(title: str, counts: dict[str, int], key_name: str, empty: str, note: str = "") -> list[str]:
    lines = [f"## {title}", ""]
    if note:
        lines += [note, ""]
    if not counts:
        return [*lines, empty]
    rows = [[key, count] for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    if key_name != "reason":
        return [*lines, _table([key_name, "count"], rows)]
    meanings = reason_table()
    rows = [[key, count, meanings[key].meaning if key in meanings else ""] for key, count in rows]
    return [*lines, _table([key_name, "count", "meaning"], rows)]


def card_body(manifest: dict[str, Any], load_path: str | None = None) -> str:
    """The Markdown body: what the dataset is, its fields, granularities, sources, rejects, build and loading."""
    text = card_text()
    name = manifest.get("recipe", {}).get("name", "mgll-data dataset")
    splits = _present_splits(manifest)
    sources = manifest.get("sources", {})
    modalities = sorted({info.get("modality", "") for info in sources.values()} - {""})
    counts = manifest.get("counts", {})
    split_rows = [
        [split, manifest["splits"][split]["rows"], len(manifest["splits"][split].get("shards", []))] for split in splits
    ]
    lines = [
        f"# {name}",
        "",
        text["intro"].format(
            pretty_name=name,
            modalities=" and ".join(text["modality_names"].get(m, m) for m in modalities) or "medical images",
            n_sources=len(sources),
        ),
        "",
        _table(["split", "rows", "shards"], split_rows),
        "",
        "## Three granularities of text",
        "",
        _table(
            ["column", "granularity", "what it holds"],
            [[row["column"], row["level"], row["meaning"]] for row in text["granularities"]],
        ),
        "",
        "## Label states",
        "",
        text["label_states"],
        "",
        "## Record fields",
        "",
        _table(
            ["field", "type", "nullable", "meaning"],
            [[f.name, _field_type(f.type, f.name), "yes" if f.nullable else "no", f.doc] for f in FIELDS],
        ),
        "",
        *_sources_section(manifest, splits),
        "",
        *_counts_section(
            "Rejects by reason",
            counts.get("rejects_by_reason", {}),
            "reason",
            "No item was rejected.",
            text["rejects_note"],
        ),
        "",
        *_counts_section("Text filters", counts.get("text_filters", {}), "filter", "No text filter removed anything."),
        "",
        "## How it was built",
        "",
        f"- recipe `{name}`, hash `{manifest.get('recipe_hash', '')}`",
        f"- mgll-data {manifest.get('tool_version', '')}, "
        f"record schema {manifest.get('schema_version', SCHEMA_VERSION)}",
        "- libraries: " + ", ".join(f"{lib} {ver}" for lib, ver in sorted(manifest.get("libraries", {}).items())),
        "- `manifest.json` holds the full recipe, per-shard SHA-256 checksums and every count on this card.",
        "",
        "## How to load it",
        "",
        text["loading"].format(load_path=load_path or f"<org>/{name}", first_split=splits[0] if splits else "train"),
        "",
    ]
    return "\n".join(lines)


def render_card(manifest: dict[str, Any], load_path: str | None = None) -> str:
    front = yaml.safe_dump(card_metadata(manifest), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n{card_body(manifest, load_path)}"


def write_card(out_dir: Path, manifest: dict[str, Any], load_path: str | None = None) -> Path:
    """Write `OUT/README.md` from the manifest; `load_path` (a Hub repo id) goes in the loading example."""
    path = Path(out_dir) / CARD_FILE
    path.write_text(render_card(manifest, load_path), encoding="utf-8")
    return path
