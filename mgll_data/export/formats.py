"""Exporting a built folder to other layouts: the MGLL reference code's JSON lists, and a flat CSV.

Every format is one `Exporter` subclass with the same two calls, `add(row, image_file)` and `close()`;
`export_output` streams the shards batch by batch, writes each image once as a file under `images/`,
and hands the row to the exporter. Adding a format is one class plus one entry in `EXPORTERS`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TextIO

from PIL import Image

from mgll_data.errors import MgllError
from mgll_data.output_layout import iter_batches, require_output_dir, shards_by_split

IMAGES_DIR = "images"
LIST_SEPARATOR = "|"
TEXT_SEPARATOR = "; "
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "TIFF": ".tif"}


class Exporter(ABC):
    """One output layout. `columns` are the record fields it reads; `png_images` re-encodes images as PNG
    (otherwise the stored bytes are written unchanged)."""

    name: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    png_images: ClassVar[bool] = False

    def __init__(self, dest: Path):
        self.dest = dest

    @abstractmethod
    def add(self, row: dict[str, Any], image_file: str) -> None:
        """Take one record; `image_file` is its image's path relative to `dest`."""

    @abstractmethod
    def close(self) -> list[Path]:
        """Finish the metadata files and return them."""


class MgllJsonExporter(Exporter):
    """`{split}.json`: a JSON list of {ImageID, Disease, Description, Explanation} per split, the records the
    public MGLL code trains on (ImageID is the image path relative to the JSON file; Disease is granularity 1,
    Description and Explanation join granularities 2 and 3 with '; ')."""

    name = "mgll-json"
    columns = ("id", "split", "disease_text", "descriptions", "explanations")
    png_images = True

    def __init__(self, dest: Path):
        super().__init__(dest)
        self._files: dict[str, TextIO] = {}

    def add(self, row: dict[str, Any], image_file: str) -> None:
        handle = self._files.get(row["split"])
        if handle is None:
            handle = self._files[row["split"]] = (self.dest / f"{row['split']}.json").open("w", encoding="utf-8")
            handle.write("[\n")
        else:
            handle.write(",\n")
        record = {
            "ImageID": image_file,
            "Disease": row["disease_text"],
            "Description": TEXT_SEPARATOR.join(row["descriptions"] or []),
            "Explanation": TEXT_SEPARATOR.join(row["explanations"] or []),
        }
        handle.write(json.dumps(record, ensure_ascii=False))

    def close(self) -> list[Path]:
        for handle in self._files.values():
            handle.write("\n]\n")
            handle.close()
        return [self.dest / f"{split}.json" for split in self._files]


class CsvExporter(Exporter):
    """`metadata.csv`: one row per image, lists joined by '|', the image path in `file_name` (relative to the
    CSV, the column name Hugging Face ImageFolder reads); images keep their stored encoding."""

    name = "csv"
    columns = (
        "id", "split", "source", "modality", "patient_id", "study_id", "view", "laterality", "labels",
        "uncertain_labels", "negative_labels", "disease_text", "descriptions", "explanations",
    )  # fmt: skip
    list_columns = ("labels", "uncertain_labels", "negative_labels", "descriptions", "explanations")

    def __init__(self, dest: Path):
        super().__init__(dest)
        self._path = dest / "metadata.csv"
        self._handle = self._path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow([*self.columns, "file_name"])

    def add(self, row: dict[str, Any], image_file: str) -> None:
        values = [
            LIST_SEPARATOR.join(row[c] or []) if c in self.list_columns else ("" if row[c] is None else row[c])
            for c in self.columns
        ]
        self._writer.writerow([*values, image_file])

    def close(self) -> list[Path]:
        self._handle.close()
        return [self._path]


EXPORTERS: dict[str, type[Exporter]] = {cls.name: cls for cls in (MgllJsonExporter, CsvExporter)}


@dataclass(frozen=True)
class ExportResult:
    format: str
    dest: Path
    rows: int
    files: list[Path]


def image_path(record_id: str, split: str, extension: str) -> str:
    """`images/{split}/{id}{ext}` with every id part made file-name safe; an id that had to change gets a
    short hash so two ids never share a file."""
    parts = [_UNSAFE.sub("_", part).strip(".") or "_" for part in record_id.split("/")]
    safe = "/".join(parts)
    if safe != record_id:
        safe += "-" + hashlib.sha1(record_id.encode()).hexdigest()[:8]
    return f"{IMAGES_DIR}/{split}/{safe}{extension}"


def _encoded(data: bytes, as_png: bool) -> tuple[bytes, str]:
    """The bytes to write and their extension: unchanged, or re-encoded as PNG (bit depth kept)."""
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "PNG" or not as_png:
            return data, _EXTENSIONS.get(image.format or "", ".bin")
        if image.mode not in ("1", "L", "LA", "I", "I;16", "RGB", "RGBA"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue(), ".png"


def _write_image(dest: Path, row: dict[str, Any], as_png: bool, shard: Path) -> str:
    """Write one row's image under `dest`; returns its relative path."""
    try:
        data, extension = _encoded((row["image"] or {}).get("bytes") or b"", as_png)
    except (OSError, ValueError, SyntaxError) as exc:
        raise MgllError(
            f"{shard}: image of {row['id']} does not decode ({exc}); run `mgll-data validate` on the folder"
        ) from None
    relative = image_path(row["id"], row["split"], extension)
    target = dest / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


def prepare_dest(dest: Path) -> None:
    """Create `dest`, refusing one that already holds files (an export never overwrites)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise MgllError(f"{dest}: exists and is not an empty folder (choose a new --out so nothing is overwritten)")
    dest.mkdir(parents=True, exist_ok=True)


def export_output(out_dir: Path | str, format_name: str, dest: Path | str) -> ExportResult:
    """Write every row of a built folder to `dest` in `format_name` (see EXPORTERS), images as files."""
    out_dir = require_output_dir(out_dir)
    if format_name not in EXPORTERS:
        raise MgllError(f"unknown export format {format_name!r}; available: {', '.join(sorted(EXPORTERS))}")
    shards = shards_by_split(out_dir)
    if not shards:
        raise MgllError(f"{out_dir / 'data'}: no shards named {{split}}-00000-of-0000N.parquet to export")
    dest = Path(dest)
    prepare_dest(dest)
    exporter = EXPORTERS[format_name](dest)
    rows = 0
    try:
        for paths in shards.values():
            for path in paths:
                for batch in iter_batches(path, (*exporter.columns, "image")):
                    for row in batch.to_pylist():
                        exporter.add(row, _write_image(dest, row, exporter.png_images, path))
                        rows += 1
    finally:
        files = exporter.close()
    return ExportResult(format=format_name, dest=dest, rows=rows, files=files)
