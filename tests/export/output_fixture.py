"""Builds small output folders in the DESIGN.md contract directly (pyarrow + Pillow), independent of the build
engine, so card, validate, stats, push and export are tested against folders whose content the test knows.

Import it as `from export.output_fixture import ...` (tests/ is on sys.path through tests/conftest.py).
The manifest is computed here from the files written, not by the code under test.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from mgll_data.export.card import write_card
from mgll_data.recipe import parse_recipe
from mgll_data.schema import SCHEMA_VERSION, arrow_schema, empty_attributes, empty_geometry
from mgll_data.sources import available_sources

ADAPTERS = available_sources()
# Licence class, citation and homepage as the adapters declare them (validate checks the manifest against them).
SOURCES: dict[str, dict[str, Any]] = {
    name: {
        "adapter": name,
        "root": root,
        "licence_class": ADAPTERS[name].licence_class,
        "citation": ADAPTERS[name].citation,
        "homepage": ADAPTERS[name].homepage,
        "version": version,
        "modality": modality,
    }
    for name, root, version, modality in (("odir", "ODIR-5K", "2019", "fundus"), ("iu_xray", "NLMCXR", "2016", "cxr"))
}


def png_bytes(width: int, height: int, seed: int, mode: str = "L") -> bytes:
    """A small noise PNG: mode L (8-bit gray), I;16 (16-bit gray) or RGB."""
    rng = np.random.default_rng(seed)
    if mode == "RGB":
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif mode == "I;16":
        pixels = rng.integers(0, 65536, (height, width), dtype=np.uint16)
    else:
        pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _random_phash(seed: int) -> str:
    """64 random bits: fixture images are noise, so their perceptual hashes are far apart."""
    return f"{int(np.random.default_rng(seed).integers(0, 2**63, dtype=np.int64)):016x}"


def make_record(
    record_id: str,
    split: str,
    patient_id: str,
    labels: list[str],
    *,
    seed: int,
    width: int = 16,
    height: int = 12,
    mode: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """One complete record; the source and modality come from the id's prefix."""
    source = record_id.split("/", 1)[0]
    modality = SOURCES[source]["modality"] if source in SOURCES else "fundus"
    mode = mode or ("RGB" if modality == "fundus" else "L")
    data = png_bytes(width, height, seed, mode)
    pixels = np.asarray(Image.open(io.BytesIO(data)))
    words = [label.replace("_", " ") for label in labels]
    record: dict[str, Any] = {
        "id": record_id,
        "source": source,
        "modality": modality,
        "split": split,
        "patient_id": patient_id,
        "study_id": None,
        "image": {"bytes": data, "path": record_id.replace("/", "_") + ".png"},
        "width": width,
        "height": height,
        "view": "PA" if modality == "cxr" else None,
        "laterality": ("L" if record_id.endswith("left") else "R") if modality == "fundus" else None,
        "labels": labels,
        "uncertain_labels": [],
        "negative_labels": [],
        "disease_text": ("Abnormal, " + ", ".join(words)) if words else "Normal, Healthy",
        "descriptions": [f"{word} seen in this image" for word in words] or ["no abnormality described"],
        "explanations": [f"signs typical of {word}" for word in words],
        "report_findings": "The heart is normal in size." if modality == "cxr" else None,
        "report_impression": "No acute disease." if modality == "cxr" else None,
        "attributes": empty_attributes(),
        "geometry": empty_geometry(),
        "hashes": {"pixel_sha256": hashlib.sha256(pixels.tobytes()).hexdigest(), "phash": _random_phash(seed)},
        "provenance": {
            "source_file": "labels.csv",
            "source_entry": record_id,
            "image_file": record_id + ".png",
            "source_version": SOURCES.get(source, {}).get("version"),
            "licence_class": SOURCES.get(source, {}).get("licence_class"),
            "adapter": source,
            "related_files": [],
        },
    }
    record.update(overrides)
    return record


def default_records() -> list[dict[str, Any]]:
    """Six rows over two sources and three splits; one patient with two eyes, one 16-bit CXR."""
    return [
        make_record("odir/1_left", "train", "odir/1", ["diabetic_retinopathy"], seed=1),
        make_record("odir/1_right", "train", "odir/1", [], seed=2, width=20, height=20),
        make_record("odir/2_left", "validation", "odir/2", ["glaucoma"], seed=3),
        make_record("iu_xray/CXR1_1", "train", "iu_xray/1", ["cardiomegaly"], seed=4, mode="I;16"),
        make_record(
            "iu_xray/CXR2_1", "train", "iu_xray/2", ["pleural_effusion"], seed=5, uncertain_labels=["cardiomegaly"]
        ),
        make_record("iu_xray/CXR3_1", "test", "iu_xray/3", [], seed=6, negative_labels=["pneumothorax"]),
    ]


def default_rejects() -> list[dict[str, Any]]:
    return [
        {
            "source": "odir",
            "item": "3_left.jpg",
            "stage": "image",
            "reason": "undecodable",
            "detail": "truncated",
            "record_id": "odir/3_left",
        },
        {
            "source": "odir",
            "item": "4_right.jpg",
            "stage": "image",
            "reason": "no_fov",
            "detail": "",
            "record_id": None,
        },
        {
            "source": "iu_xray",
            "item": "CXR9_1.png",
            "stage": "text",
            "reason": "empty_report",
            "detail": "",
            "record_id": "iu_xray/CXR9_1",
        },
    ]


REJECTS_SCHEMA = pa.schema(
    [
        pa.field(name, pa.string(), nullable=name == "record_id")
        for name in ("source", "item", "stage", "reason", "detail", "record_id")
    ]
)


def write_output(
    out_dir: Path,
    records: list[dict[str, Any]] | None = None,
    rejects: list[dict[str, Any]] | None = None,
    *,
    rows_per_shard: int = 2,
    card: bool = True,
    sources: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write shards, rejects.parquet, manifest.json and (optionally) README.md; return the manifest."""
    records = default_records() if records is None else records
    rejects = default_rejects() if rejects is None else rejects
    sources = {name: dict(info) for name, info in (sources or SOURCES).items()}
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / "data").glob("*.parquet"):
        stale.unlink()
    by_split: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_split.setdefault(record["split"], []).append(record)
    shards, splits = [], {}
    for split, rows in by_split.items():
        chunks = [rows[i : i + rows_per_shard] for i in range(0, len(rows), rows_per_shard)]
        names = []
        for index, chunk in enumerate(chunks):
            name = f"{split}-{index:05d}-of-{len(chunks):05d}.parquet"
            path = out_dir / "data" / name
            pq.write_table(pa.Table.from_pylist(chunk, schema=arrow_schema()), path)
            data = path.read_bytes()
            shards.append(
                {
                    "file": f"data/{name}",
                    "split": split,
                    "rows": len(chunk),
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
            names.append(f"data/{name}")
        splits[split] = {"rows": len(rows), "shards": names}
    pq.write_table(pa.Table.from_pylist(rejects, schema=REJECTS_SCHEMA), out_dir / "rejects.parquet")
    by_source_split: dict[str, dict[str, int]] = {}
    for record in records:
        counts = by_source_split.setdefault(record["source"], {})
        counts[record["split"]] = counts.get(record["split"], 0) + 1
    rejects_by_reason: dict[str, int] = {}
    for reject in rejects:
        rejects_by_reason[reject["reason"]] = rejects_by_reason.get(reject["reason"], 0) + 1
    for name, info in sources.items():
        info["rows"] = sum(by_source_split.get(name, {}).values())
        info["rejects"] = sum(1 for reject in rejects if reject["source"] == name)
    recipe = parse_recipe(
        {
            "name": "fixture-demo",
            "sources": [{"name": name, "root": info["root"]} for name, info in sources.items()],
            "output": {"dir": "out"},
        },
        out_dir,
    )
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": "0.1.0",
        "recipe": recipe.as_json(),
        "recipe_hash": recipe.content_hash(),
        "libraries": {"pyarrow": pa.__version__, "pillow": Image.__version__},
        "sources": sources,
        "splits": splits,
        "shards": shards,
        "counts": {
            "by_source_split": by_source_split,
            "rejects_by_reason": rejects_by_reason,
            "text_filters": {"empty_report": 1, "too_short": 0},
        },
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if card:
        write_card(out_dir, manifest)
    return manifest


def read_manifest(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))


def save_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    """A valid built folder with the default rows, rejects, manifest and card."""
    out = tmp_path / "out"
    write_output(out)
    return out
