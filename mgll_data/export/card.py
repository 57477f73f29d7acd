"""The dataset card (`OUT/README.md`): YAML front matter that `datasets` and the Hub read, and a body for people.

The front matter is what makes the folder a loadable dataset: `configs` points each split at its shard
glob and `dataset_info.features` repeats the record schema, so `datasets.load_dataset(OUT)` returns the
Image and List features offline exactly as it would from the Hub. Shards mix sources, so the per-modality
and per-source configs (`load_dataset(OUT, "fundus")`) select rows with Parquet `filters` on the same globs.
The front matter is written here in the form huggingface_hub's `DatasetCard` writes (its key order, its YAML
dump) without importing either library: `datasets` alone costs a second of CPU, the largest fixed cost of a
small build. Tests keep it equal to what `DatasetCardData` and `datasets.DatasetInfosDict` produce. Everything
else comes from manifest.json (counts per source entry) and `mgll_data/sources/terms.yaml`; the prose lives in
`card_text.yaml`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from mgll_data import storage
from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml
from mgll_data.export.terms import PublishingTerms, mgll_bibtex, source_terms
from mgll_data.output_layout import CARD_FILE, DATA_DIR, SPLITS, ManifestJson
from mgll_data.recipe import is_synthetic_root
from mgll_data.rejects import reason_table
from mgll_data.schema import FIELDS, SCHEMA_VERSION, card_features
from mgll_data.sources.base import LICENCE_CLASSES

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


@functools.cache
def card_text() -> JsonObject:
    """The card's prose and vocabularies (data, not code)."""
    return read_data_yaml("mgll_data.export", "card_text.yaml")


def _cell(value: Any) -> str:
    """A value made safe for one Markdown table cell."""
    return " ".join(str("" if value is None else value).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _present_splits(manifest: ManifestJson) -> list[str]:
    splits = manifest.get("splits", {})
    return [split for split in SPLITS if splits.get(split, {}).get("rows", 0) > 0]


def _split_bytes(manifest: ManifestJson) -> dict[str, int]:
    totals: dict[str, int] = {}
    for shard in manifest.get("shards", []):
        totals[shard["split"]] = totals.get(shard["split"], 0) + int(shard.get("bytes", 0))
    return totals


def _size_category(rows: int) -> str:
    return next((label for limit, label in _SIZE_CATEGORIES if rows < limit), "n>1M")


def strictest_licence_class(manifest: ManifestJson) -> str:
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


def _subset_rows(manifest: ManifestJson, entries: list[str]) -> dict[str, int]:
    """Rows per split of the given source entries (from `counts.by_source_split`)."""
    by_source = manifest.get("counts", {}).get("by_source_split", {})
    rows: dict[str, int] = {}
    for entry in entries:
        for split, count in by_source.get(entry, {}).items():
            rows[split] = rows.get(split, 0) + int(count)
    return rows


def _configs(manifest: ManifestJson, splits: list[str]) -> list[JsonObject]:
    """The default config, then one per modality and one per source entry when more than one has rows."""
    sources = manifest.get("sources", {})

    def files(rows: dict[str, int]) -> list[dict[str, str]]:
        return [{"split": split, "path": f"{DATA_DIR}/{split}-*"} for split in splits if rows.get(split, 0) > 0]

    configs: list[JsonObject] = [
        {"config_name": "default", "default": True, "data_files": files(dict.fromkeys(splits, 1))}
    ]
    modalities = sorted({info.get("modality", "") for info in sources.values()} - {""})
    groups = [
        [("modality", m, [e for e, info in sources.items() if info.get("modality") == m]) for m in modalities],
        [("source", entry, [entry]) for entry in sorted(sources)],
    ]
    names = {"default"}
    for group in groups:
        subsets = [(column, value, files(_subset_rows(manifest, entries))) for column, value, entries in group]
        subsets = [subset for subset in subsets if subset[2] and subset[1] not in names]
        if len(subsets) < 2:  # one populated subset is the default config again
            continue
        for column, value, data_files in subsets:
            names.add(value)
            configs.append({"config_name": value, "data_files": data_files, "filters": [[column, "==", value]]})
    return configs


def _licence_fields(manifest: ManifestJson, terms: list[PublishingTerms]) -> dict[str, str]:
    """One licence id when every source has the same known one; else `other` with a name and a link."""
    known = {t.license for t in terms}
    if len(known) == 1 and not known & {"other", "unknown"}:
        return {"license": known.pop()}
    licence = card_text()["licence_classes"][strictest_licence_class(manifest)]
    return {"license": "other", "license_name": licence["license_name"], "license_link": card_text()["licence_link"]}


# The order in which huggingface_hub's `DatasetCardData` writes its keys (its own fields, then the others as given).
_CARD_KEY_ORDER = (
    "annotations_creators", "language_creators", "language", "license", "multilinguality", "size_categories",
    "source_datasets", "task_categories", "task_ids", "paperswithcode_id", "pretty_name", "config_names",
    "train_eval_index", "license_name", "license_link", "tags", "configs", "dataset_info",
)  # fmt: skip


def card_metadata(manifest: ManifestJson) -> JsonObject:
    """The YAML front matter: licence, provenance, configs, dataset_info (keys without a value are left out).

    `num_bytes`, `download_size` and `dataset_size` are the Parquet shard sizes from the manifest (what a
    user downloads), not the uncompressed Arrow size `push_to_hub` would state.
    """
    text = card_text()
    splits = _present_splits(manifest)
    split_bytes = _split_bytes(manifest)
    split_rows = {split: int(manifest["splits"][split]["rows"]) for split in splits}
    modalities = sorted({source.get("modality", "") for source in manifest.get("sources", {}).values()} - {""})
    terms = source_terms(manifest)
    tags = list(text["tags"]) + [tag for modality in modalities for tag in text["modality_tags"].get(modality, [])]
    total_bytes = sum(split_bytes.get(split, 0) for split in splits)
    split_list = [
        {"name": split, "num_bytes": split_bytes.get(split, 0), "num_examples": split_rows[split]} for split in splits
    ]
    values: JsonObject = {
        "pretty_name": manifest.get("recipe", {}).get("name", "mgll-data dataset"),
        **_licence_fields(manifest, terms),
        "language": ["en"],
        "annotations_creators": sorted({creator for t in terms for creator in t.annotations_creators}),
        "source_datasets": sorted({f"extended|{t.source_dataset}" for t in terms if t.source_dataset}) or None,
        "task_categories": list(text["task_categories"]),
        "tags": tags,
        "size_categories": [_size_category(sum(split_rows.values()))],
        "configs": _configs(manifest, splits),
        "dataset_info": {
            "features": card_features(),
            **({"splits": split_list} if split_list else {}),
            "download_size": total_bytes,
            "dataset_size": total_bytes,
        },
    }
    return {key: values[key] for key in _CARD_KEY_ORDER if values.get(key) is not None}


def _terms_line(terms: PublishingTerms) -> str:
    """One source's licence, link, what its terms allow for this derivative, and why where the licence is unknown."""
    line = f"- **{terms.entry}**: licence `{terms.license}`"
    line += f" (<{terms.license_link}>)" if terms.license_link else ""
    if terms.license == "unknown" and terms.unknown_reason:
        line += f": not known here, because {_cell(terms.unknown_reason)}"
    line += f"; redistribution: {card_text()['redistribution'][terms.redistribution]}"
    if terms.terms_note:
        line += f" {_cell(terms.terms_note)}"
    if terms.no_derivatives:
        line += " — no derivatives: " + card_text()["no_derivatives_note"]
    return line


def _synthetic(info: JsonObject) -> bool:
    return is_synthetic_root(info.get("root", ""))


def _sources_section(manifest: ManifestJson, splits: list[str]) -> list[str]:
    sources = manifest.get("sources", {})
    by_source = manifest.get("counts", {}).get("by_source_split", {})
    rows = [
        [
            name,
            info.get("modality", ""),
            "synthetic" if _synthetic(info) else info.get("licence_class", ""),
            *[by_source.get(name, {}).get(split, 0) for split in splits],
            info.get("rows", 0),
            info.get("rejects", 0),
            info.get("version", ""),
        ]
        for name, info in sorted(sources.items())
    ]
    header = ["source", "modality", "licence class", *splits, "rows", "rejects", "version"]
    lines = ["## Sources", "", _table(header, rows), "", "### Citations", "", card_text()["citation_note"], ""]
    for name, info in sorted(sources.items()):
        if _synthetic(info):
            lines.append(f"- **{name}**: " + card_text()["synthetic_source"].format(root=info["root"]))
            continue
        homepage = f" <{info['homepage']}>" if info.get("homepage") else ""
        lines.append(f"- **{name}**: {_cell(info.get('citation', '')) or 'no citation given'}{homepage}")
    terms = source_terms(manifest)
    lines += ["", "```bibtex", mgll_bibtex()]
    lines += [entry for entry in dict.fromkeys(t.bibtex for t in terms if t.bibtex)]
    lines += ["```"]
    summaries = card_text()["licence_classes"]
    present = sorted({info.get("licence_class") for info in sources.values() if not _synthetic(info)} & set(summaries))
    lines += ["", "### Licence and access", ""]
    lines += [f"- `{cls}`: {summaries[cls]['summary']}" for cls in present]
    lines += [_terms_line(t) for t in terms]
    lines += ["", card_text()["licence_note"]]
    return lines


def unmapped_rows(manifest: ManifestJson) -> list[list[Any]]:
    """(source, field, value, count) for every unmapped value a manifest lists; validate compares the card's."""
    return [
        [name, field, value, count]
        for name, info in sorted(manifest.get("sources", {}).items())
        for field, values in sorted((info.get("unmapped") or {}).items())
        for value, count in sorted(values.items())
    ]


def _split_and_unmapped_section(manifest: ManifestJson) -> list[str]:
    sources = manifest.get("sources", {})
    origins = [
        [name, info.get("split_origin", "none"), "yes" if info.get("official_split_defined") else "no"]
        for name, info in sorted(sources.items())
    ]
    lines = ["## Split origin", "", card_text()["split_origin_note"], ""]
    lines += [_table(["source", "split origin", "source defines a split"], origins), ""]
    lines += ["## Unmapped source values", "", card_text()["unmapped_note"], ""]
    rows = unmapped_rows(manifest)
    lines.append(_table(["source", "field", "value", "count"], rows) if rows else "Every source value was mapped.")
    return lines


def _vocabulary_section(modalities: list[str]) -> list[str]:
    """The label vocabulary per modality, in the fixed ontology order that multi-hot vectors use."""
    from mgll_data.ontology import load_ontology
    from mgll_data.ontology.model import MODALITIES

    lines = ["## Label vocabulary", "", card_text()["vocabulary_note"], ""]
    for modality in (m for m in modalities if m in MODALITIES):  # a synthetic benchmark set has no vocabulary
        ids = [finding.id for finding in load_ontology().findings(modality)]
        lines.append(f"- **{modality}** ({len(ids)}): " + ", ".join(f"`{i}`" for i in ids))
    return lines


def _configs_section(manifest: ManifestJson, splits: list[str]) -> list[str]:
    rows = []
    for config in _configs(manifest, splits):
        where = " and ".join(f"{column} == {value}" for column, _, value in config.get("filters", [])) or "all rows"
        rows.append([config["config_name"], where, ", ".join(entry["split"] for entry in config["data_files"])])
    return ["## Configurations", "", card_text()["configs_note"], "", _table(["config", "rows", "splits"], rows)]


def _texts_section(manifest: ManifestJson) -> list[str]:
    """How each granularity is made for each source entry of the build."""
    made = card_text()["texts_made"]
    reporting = set(card_text()["report_sources"])
    rows = []
    for entry, info in sorted(manifest.get("sources", {}).items()):
        modality = info.get("modality", "")
        way = made["report"] if info.get("adapter", entry) in reporting else made.get(modality, made["cxr"])
        rows.append([entry, modality, made["disease_text"], way["descriptions"], way["explanations"]])
    header = ["source", "modality", "disease_text", "descriptions", "explanations"]
    return ["## How the texts are made", "", made["note"], "", _table(header, rows)]


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


def card_body(manifest: ManifestJson, load_path: str | None = None) -> str:
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
    synthetic = bool(sources) and all(_synthetic(info) for info in sources.values())
    description = manifest.get("recipe", {}).get("description")
    lines = [
        f"# {name}",
        "",
        text["intro_synthetic" if synthetic else "intro"].format(
            pretty_name=name,
            modalities=" and ".join(text["modality_names"].get(m, m) for m in modalities) or "medical images",
            n_sources=len(sources),
        ),
        "",
        *([description.strip(), ""] if description else []),
        _table(["split", "rows", "shards"], split_rows),
        "",
        "## Three granularities of text",
        "",
        _table(
            ["column", "granularity", "what it holds"],
            [[row["column"], row["level"], row["meaning"]] for row in text["granularities"]],
        ),
        "",
        *_texts_section(manifest),
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
        *_vocabulary_section(modalities),
        "",
        *_configs_section(manifest, splits),
        "",
        *_sources_section(manifest, splits),
        "",
        *_split_and_unmapped_section(manifest),
        "",
        *[line for section in text["sections"] for line in (f"## {section['title']}", "", section["text"], "")],
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
        *_counts_section(
            "Flagged rows",
            {
                f"{source}: {flag}": n
                for source, flags in counts.get("flagged_rows", {}).items()
                for flag, n in flags.items()
            },
            "source: flag",
            "No row carries a flag.",
            text["flagged_note"],
        ),
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
        text["loading"].format(
            load_path=load_path or f"<org>/{name}",
            first_split=splits[0] if splits else "train",
            config=next((c["config_name"] for c in _configs(manifest, splits)[1:]), "default"),
        ),
        "",
    ]
    return "\n".join(lines)


def render_card(manifest: ManifestJson, load_path: str | None = None) -> str:
    """The whole README.md: the front matter dumped as huggingface_hub dumps it, then the body."""
    front = yaml.dump(card_metadata(manifest), Dumper=_DUMPER, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{front}\n---\n\n{card_body(manifest, load_path)}"


def write_card(out_dir: Path, manifest: ManifestJson, load_path: str | None = None) -> Path:
    """Write `OUT/README.md` from the manifest; `load_path` (a Hub repo id) goes in the loading example."""
    path = storage.location(out_dir) / CARD_FILE
    path.write_text(render_card(manifest, load_path), encoding="utf-8")
    return path
