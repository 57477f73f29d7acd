"""Build test material: a small CSV-driven source adapter over tiny PNG files written with Pillow.

The adapter is defined here, not taken from mgll_data.sources, so engine tests exercise the engine alone.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from mgll_data.errors import LayoutError
from mgll_data.recipe import Recipe, parse_recipe
from mgll_data.sources.base import RawRecord, Reject, Source

FIELDNAMES = ["image", "patient", "split", "labels", "status"]


class CsvSource(Source):
    """Reads `index.csv` (image, patient, split, labels separated by '|', status) next to an `images/` folder.

    `status=adapter_reject` rows become adapter-level Rejects, as a real adapter does for unusable entries.
    """

    name = "csv_fundus"
    modality = "fundus"
    licence_class = "open"
    citation = "Test fixture."
    homepage = "https://example.org/fixture"
    layout = "index.csv + images/*.png"
    version = "1"

    def find_layout(self) -> None:
        if not (self.root / "index.csv").is_file():
            raise LayoutError(self.name, self.root, self.layout)

    def records(self) -> Iterator[RawRecord | Reject]:
        with (self.root / "index.csv").open(newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle), start=2):
                if row["status"] == "adapter_reject":
                    yield self.reject(row["image"], "label", "unlabelled", f"index.csv line {n}")
                    continue
                yield RawRecord(
                    source=self.name,
                    native_id=Path(row["image"]).stem,
                    modality=self.modality,
                    patient_id=row["patient"],
                    image_path=self.root / "images" / row["image"],
                    split=row["split"] or None,
                    laterality="L" if row["image"].endswith("_l.png") else "R",
                    labels=[x for x in row["labels"].split("|") if x] or ["normal"],
                    keywords=[x.replace("_", " ") for x in row["labels"].split("|") if x],
                    attributes={"age": 50.0, "sex": "F"},
                    source_file="index.csv",
                    source_entry=str(n),
                )


class OtherCsvSource(CsvSource):
    """A second source of the same layout, for cross-source tests."""

    name = "csv_other"


def tiny_png(path: Path, seed: int, size: tuple[int, int] = (24, 20)) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path)


def write_tree(root: Path, rows: list[dict[str, Any]], seed_offset: int = 0) -> Path:
    """Write index.csv and one PNG per row (unless the row says the file is missing or broken)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "index.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDNAMES, extrasaction="ignore")
        writer.writeheader()
        for i, row in enumerate(rows):
            full = {"split": "", "labels": "", "status": "", **row}
            writer.writerow(full)
            image = root / "images" / full["image"]
            if full["status"] == "broken":
                image.parent.mkdir(parents=True, exist_ok=True)
                image.write_bytes(b"not an image")
            elif full["status"] not in ("missing", "adapter_reject"):
                tiny_png(image, row.get("seed", i + seed_offset))
    return root


def patient_rows(patients: int, images_per_patient: int, split: str = "") -> list[dict[str, Any]]:
    labels = ["diabetic_retinopathy", "glaucoma", "normal"]
    return [
        {
            "image": f"p{p:03d}_{k}_{'l' if k % 2 else 'r'}.png",
            "patient": f"P{p:03d}",
            "split": split,
            "labels": labels[p % 3],
        }
        for p in range(patients)
        for k in range(images_per_patient)
    ]


def make_recipe(base: Path, sources: list[dict[str, Any]], **overrides: Any) -> Recipe:
    data: dict[str, Any] = {
        "name": "fixture",
        "sources": sources,
        "output": {"dir": "out", "shard_size": 4, "row_group_size": 2},
        "image": {"size": 16},
        "split": {"seed": 7, "train": 0.6, "validation": 0.2, "test": 0.2},
    }
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and key in data else value
    return parse_recipe(data, base, origin=str(base / "recipe.yaml"))


def row_hashes(out: Path) -> dict[str, str]:
    """id -> sha256 of the row's non-image columns plus its image bytes, over every shard."""
    hashes = {}
    for shard in sorted((out / "data").glob("*.parquet")):
        for row in pq.read_table(shard).to_pylist():
            image = row.pop("image")
            digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode())
            digest.update(image["bytes"])
            assert row["id"] not in hashes, f"duplicate row {row['id']}"
            hashes[row["id"]] = digest.hexdigest()
    return hashes
