"""A synthetic multi-label image-text benchmark whose findings are drawn shapes.

Why: comparing training losses (CLIP vs MGLL) needs a dataset where the truth is known, findings co-occur,
and every image carries text at three granularities, small enough to train on a CPU in minutes. The output
is a built-dataset folder (`OUT/data/{split}-{i:05d}-of-{n:05d}.parquet` with the record schema), so the
trainer and `mgll-data eval` read it exactly like a real build. The vocabulary (shape names, descriptions,
explanations, co-occurrence) is data in `synthetic_shapes.yaml`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from PIL import Image, ImageDraw

from mgll_data.errors import MgllError
from mgll_data.output_layout import DATA_DIR, shard_file_name
from mgll_data.schema import arrow_schema, empty_attributes, empty_geometry

SOURCE = "synthetic_shapes"
MODALITY = "synthetic"
GRANULARITIES = ("disease_text", "descriptions", "explanations")


@dataclass(frozen=True)
class SourceDeclaration:
    """What an adapter class declares about its source, for a dataset that no adapter reads."""

    name: str
    modality: str
    licence_class: str
    citation: str
    homepage: str = ""
    version: str = ""

    @property
    def entry_id(self) -> str:
        return self.name


SOURCE_DECLARATION = SourceDeclaration(
    SOURCE, MODALITY, "open", "mgll-data synthetic shapes benchmark (generated; mgll_data/eval/synthetic.py)", "", "1"
)


@dataclass(frozen=True)
class ShapeFinding:
    id: str
    display_name: str
    noun: str
    explanations: tuple[str, ...]


@dataclass(frozen=True)
class ShapeVocabulary:
    findings: tuple[ShapeFinding, ...]
    sizes: tuple[str, ...]
    positions: tuple[str, ...]
    description_template: str
    blank_text: str
    prevalence: float
    co_occurrence: tuple[tuple[str, str, float], ...]

    def finding(self, finding_id: str) -> ShapeFinding:
        for finding in self.findings:
            if finding.id == finding_id:
                return finding
        raise MgllError(f"synthetic vocabulary: unknown finding id {finding_id!r} (known: {', '.join(self.ids)})")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.findings)


@cache
def load_vocabulary() -> ShapeVocabulary:
    data = yaml.safe_load((Path(__file__).with_name("synthetic_shapes.yaml")).read_text(encoding="utf-8"))
    return ShapeVocabulary(
        findings=tuple(
            ShapeFinding(f["id"], f["display_name"], f["noun"], tuple(f["explanations"])) for f in data["findings"]
        ),
        sizes=tuple(data["sizes"]),
        positions=tuple(data["positions"]),
        description_template=data["description_template"],
        blank_text=data["blank_text"],
        prevalence=float(data["prevalence"]),
        co_occurrence=tuple((c["given"], c["then"], float(c["p"])) for c in data["co_occurrence"]),
    )


class SyntheticClassTexts:
    """Zero-shot class texts from the shape vocabulary, at each granularity (same provider API as the ontology's)."""

    def __init__(self, disease_prompt: Callable[[str, str | None], str] = lambda name, modality: name):
        self.vocabulary = load_vocabulary()
        self.disease_prompt = disease_prompt

    def texts(self, class_id: str, granularity: str) -> list[str]:
        finding = self.vocabulary.finding(class_id)
        if granularity == "disease_text":
            return [self.disease_prompt(finding.display_name, None)]
        if granularity == "descriptions":
            return [
                self.vocabulary.description_template.format(size=size, noun=finding.noun, position=position)
                for size in self.vocabulary.sizes
                for position in self.vocabulary.positions
            ]
        if granularity == "explanations":
            return list(finding.explanations)
        raise KeyError(f"unknown granularity {granularity!r}; expected one of {GRANULARITIES}")


def draw_findings(rng: np.random.Generator, vocabulary: ShapeVocabulary) -> list[str]:
    """Findings of one image: independent draws at `prevalence`, then the co-occurrence rules, at most 4."""
    present = {f.id for f in vocabulary.findings if rng.random() < vocabulary.prevalence}
    for given, then, p in vocabulary.co_occurrence:
        if given in present and rng.random() < p:
            present.add(then)
    ordered = [finding_id for finding_id in vocabulary.ids if finding_id in present]
    if len(ordered) > len(vocabulary.positions):
        keep = set(rng.choice(ordered, size=len(vocabulary.positions), replace=False).tolist())
        ordered = [finding_id for finding_id in ordered if finding_id in keep]
    return ordered


def _draw_shape(draw: ImageDraw.ImageDraw, noun: str, box: tuple[int, int, int, int], colour, rng) -> None:
    x0, y0, x1, y1 = box
    if noun == "circle":
        draw.ellipse(box, fill=colour)
    elif noun == "square":
        draw.rectangle(box, fill=colour)
    elif noun == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=colour)
    elif noun == "set of stripes":
        for y in range(y0, y1 + 1, 4):
            draw.line([(x0, y), (x1, y)], fill=colour, width=2)
    elif noun == "cluster of dots":
        for _ in range(int(rng.integers(5, 9))):
            cx, cy = int(rng.integers(x0, x1 + 1)), int(rng.integers(y0, y1 + 1))
            draw.ellipse((cx - 1, cy - 1, cx + 1, cy + 1), fill=colour)
    elif noun == "cross":
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.line([(cx, y0), (cx, y1)], fill=colour, width=3)
        draw.line([(x0, cy), (x1, cy)], fill=colour, width=3)
    else:
        raise ValueError(f"no drawing rule for shape noun {noun!r}")


def render_record(index: int, split: str, image_size: int, rng: np.random.Generator) -> dict[str, Any]:
    """One record of the record schema: an image with drawn findings and its three granularities of text."""
    vocabulary = load_vocabulary()
    findings = draw_findings(rng, vocabulary)
    background = rng.normal(40, 12, size=(image_size, image_size, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(background, mode="RGB")
    draw = ImageDraw.Draw(image)
    half = image_size // 2
    positions = rng.permutation(len(vocabulary.positions))[: len(findings)]
    descriptions, explanations = [], []
    for finding_id, position_index in zip(findings, positions, strict=True):
        finding = vocabulary.finding(finding_id)
        size = vocabulary.sizes[int(rng.integers(len(vocabulary.sizes)))]
        extent = int(half * (0.75 if size == "large" else 0.42))
        row, col = divmod(int(position_index), 2)
        left = col * half + int(rng.integers(1, half - extent))
        top = row * half + int(rng.integers(1, half - extent))
        colour = tuple(int(v) for v in rng.integers(150, 256, size=3))
        _draw_shape(draw, finding.noun, (left, top, left + extent, top + extent), colour, rng)
        position = vocabulary.positions[int(position_index)]
        descriptions.append(vocabulary.description_template.format(size=size, noun=finding.noun, position=position))
        explanations.append(finding.explanations[int(rng.integers(len(finding.explanations)))])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    png = buffer.getvalue()
    names = [vocabulary.finding(f).display_name for f in findings]
    record_id = f"{SOURCE}/{split}/{index:06d}"
    return {
        "id": record_id,
        "source": SOURCE,
        "modality": MODALITY,
        "split": split,
        "patient_id": f"{split}-p{index // 2:05d}",
        "study_id": None,
        "image": {"bytes": png, "path": f"{split}_{index:06d}.png"},
        "width": image_size,
        "height": image_size,
        "view": None,
        "laterality": "LR"[index % 2],
        "labels": findings,
        "uncertain_labels": [],
        "negative_labels": [f for f in vocabulary.ids if f not in findings],
        "disease_text": ", ".join(names) if names else vocabulary.blank_text,
        "descriptions": descriptions,
        "explanations": explanations,
        "report_findings": None,
        "report_impression": None,
        "attributes": empty_attributes(),
        "geometry": empty_geometry(),
        "hashes": {"pixel_sha256": hashlib.sha256(np.asarray(image).tobytes()).hexdigest(), "phash": None},
        "provenance": {
            "source_file": "mgll_data/eval/synthetic_shapes.yaml",
            "source_entry": record_id,
            "image_file": None,
            "source_version": "1",
            "licence_class": SOURCE_DECLARATION.licence_class,
        },
    }


def write_synthetic_dataset(
    out: Path | str,
    sizes: dict[str, int] | None = None,
    image_size: int = 48,
    seed: int = 0,
    rows_per_shard: int = 2000,
) -> Path:
    """Write the benchmark as a built-dataset folder that passes `mgll-data validate` (card, manifest, empty
    rejects); same arguments give byte-identical shards."""
    from mgll_data.engine.finalize import build_manifest, write_manifest, write_rejects
    from mgll_data.engine.writer import file_sha256
    from mgll_data.export.card import write_card
    from mgll_data.recipe import parse_recipe

    out = Path(out)
    sizes = sizes or {"train": 2000, "test": 500}
    schema = arrow_schema()
    (out / DATA_DIR).mkdir(parents=True, exist_ok=True)
    shards = []
    for split_index, (split, n_rows) in enumerate(sizes.items()):
        rng = np.random.default_rng([seed, split_index])
        records = [render_record(i, split, image_size, rng) for i in range(n_rows)]
        n_shards = max(1, -(-n_rows // rows_per_shard))
        for shard in range(n_shards):
            rows = records[shard * rows_per_shard : (shard + 1) * rows_per_shard]
            path = out / DATA_DIR / shard_file_name(split, shard, n_shards)
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
            shards.append(
                {
                    "file": f"{DATA_DIR}/{path.name}",
                    "split": split,
                    "rows": len(rows),
                    "bytes": path.stat().st_size,
                    "sha256": file_sha256(path),
                    "by_source": {SOURCE: len(rows)},
                    "text_filters": {},
                }
            )
    recipe = parse_recipe(
        {
            "name": SOURCE,
            "description": f"seed {seed}, image size {image_size}, rows {sizes}",
            "sources": [{"name": SOURCE, "root": "generated"}],
            "output": {"dir": ".", "shard_size": rows_per_shard},
            "image": {"size": image_size},
        },
        out,
        origin="synthetic benchmark",
    )
    reject_counts = write_rejects(out, [])
    manifest = build_manifest(recipe, [SOURCE_DECLARATION], shards, reject_counts)
    write_manifest(out, manifest)
    write_card(out, manifest)
    return out
