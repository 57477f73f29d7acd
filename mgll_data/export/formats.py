"""Exporting a built folder to other layouts: the MGLL reference code's JSON lists, a flat CSV, WebDataset tars.

Every format is one `Exporter` subclass with the same two calls, `add(row, image_file)` and `close()`;
`export_output` streams the shards batch by batch, writes each image once as a file under `images/` (for
formats that keep images as files), and hands the row to the exporter. Adding a format is one class plus one
entry in `EXPORTERS`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TextIO

import numpy as np
from PIL import Image

from mgll_data.errors import MgllError
from mgll_data.output_layout import iter_batches, require_output_dir, shards_by_split
from mgll_data.schema import Row

IMAGES_DIR = "images"
LIST_SEPARATOR = "|"
TEXT_SEPARATOR = "; "
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "TIFF": ".tif"}


class Exporter(ABC):
    """One output layout. `columns` are the record fields it reads (None: all of them); `image_files` writes
    each image as a file under `images/` before `add`; `png_images` re-encodes those as PNG (otherwise the
    stored bytes are written unchanged)."""

    name: ClassVar[str]
    columns: ClassVar[tuple[str, ...] | None]
    image_files: ClassVar[bool] = True
    png_images: ClassVar[bool] = False

    def __init__(self, dest: Path):
        self.dest = dest

    @abstractmethod
    def add(self, row: Row, image_file: str | None) -> None:
        """Take one record; `image_file` is its image's path relative to `dest` (None without image files)."""

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

    def add(self, row: Row, image_file: str | None) -> None:
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

    def add(self, row: Row, image_file: str | None) -> None:
        values = [
            LIST_SEPARATOR.join(row[c] or []) if c in self.list_columns else ("" if row[c] is None else row[c])
            for c in self.columns
        ]
        self._writer.writerow([*values, image_file])

    def close(self) -> list[Path]:
        self._handle.close()
        return [self._path]


class WebDatasetExporter(Exporter):
    """`{split}-NNNNNN.tar` shards in the WebDataset layout (open_clip, img2dataset): per row the image
    (`KEY.png` / `KEY.jpg`), `KEY.json` with every other column, and one text file per granularity: `KEY.txt`
    (the disease text, the caption key open_clip reads), `KEY.descriptions.txt` and `KEY.explanations.txt`
    (one sentence per line). `sizes.json` gives each shard's row count, as open_clip's loader expects.

    A shard closes at `shard_size` rows or once it holds `shard_bytes` bytes. Images are re-encoded only
    when needed: shrunk to fit `image_size` px (aspect kept), or 16-bit greyscale brought to 8 bits, since
    WebDataset decoders hand models 8-bit RGB. Members carry no time, owner or mode of this machine, so the
    same folder gives byte-identical tars."""

    name = "webdataset"
    columns = None
    image_files = False
    granularities = {"txt": "disease_text", "descriptions.txt": "descriptions", "explanations.txt": "explanations"}

    def __init__(
        self, dest: Path, shard_size: int = 1000, shard_bytes: int | None = None, image_size: int | None = None
    ):
        super().__init__(dest)
        self.shard_size, self.shard_bytes, self.image_size = shard_size, shard_bytes, image_size
        self.sizes: dict[str, int] = {}
        self._split: str | None = None
        self._name = ""
        self._tar: tarfile.TarFile | None = None
        self._bytes = 0
        self._keys: set[str] = set()

    def _open(self, split: str) -> tarfile.TarFile:
        """The tar to write the next row of `split` to, starting a new shard when the current one is full."""
        full = self._tar is not None and (
            self.sizes[self._name] >= self.shard_size
            or (self.shard_bytes is not None and self._bytes >= self.shard_bytes)
        )
        if self._tar is None or split != self._split or full:
            self._close_shard()
            number = sum(name.startswith(f"{split}-") for name in self.sizes)
            self._name = f"{split}-{number:06d}.tar"
            self.sizes[self._name] = 0
            # stays open across add() calls; closed by _close_shard
            self._tar = tarfile.open(self.dest / self._name, "w", format=tarfile.USTAR_FORMAT)  # noqa: SIM115
            self._split, self._bytes = split, 0
        return self._tar

    def _close_shard(self) -> None:
        if self._tar is not None:
            self._tar.close()
            self._tar = None

    def _member(self, tar: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        tar.addfile(info, io.BytesIO(data))
        self._bytes += 512 + -(-len(data) // 512) * 512

    def add(self, row: Row, image_file: str | None) -> None:
        key = sample_key(row["id"])
        if key in self._keys:
            raise MgllError(f"webdataset export: two rows share the key {key!r} (ids {row['id']!r}); run validate")
        self._keys.add(key)
        try:
            data, extension = _webdataset_image((row["image"] or {}).get("bytes") or b"", self.image_size)
        except (OSError, ValueError, SyntaxError) as exc:
            raise MgllError(
                f"image of {row['id']} does not decode ({exc}); run `mgll-data validate` on the folder"
            ) from None
        metadata = {column: value for column, value in row.items() if column != "image"}
        tar = self._open(row["split"])
        self._member(tar, key + extension, data)
        self._member(tar, key + ".json", json.dumps(metadata, ensure_ascii=False, default=str).encode())
        for suffix, column in self.granularities.items():
            value = row.get(column)
            text = "\n".join(value or []) if isinstance(value, list) else value or ""
            self._member(tar, f"{key}.{suffix}", text.encode())
        self.sizes[self._name] += 1

    def close(self) -> list[Path]:
        self._close_shard()
        (self.dest / "sizes.json").write_text(json.dumps(self.sizes, indent=1) + "\n", encoding="utf-8")
        return [*(self.dest / name for name in self.sizes), self.dest / "sizes.json"]


EXPORTERS: dict[str, type[Exporter]] = {cls.name: cls for cls in (MgllJsonExporter, CsvExporter, WebDatasetExporter)}


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


def sample_key(record_id: str) -> str:
    """A WebDataset key: WebDataset splits a member name at the first dot of its last part, so the key keeps
    only letters, digits, `_`, `-` and `/`; an id that had to change gets a short hash so keys stay unique."""
    key = re.sub(r"[^A-Za-z0-9_/-]+", "_", record_id)
    return key if key == record_id else f"{key}-{hashlib.sha1(record_id.encode()).hexdigest()[:8]}"


def _webdataset_image(data: bytes, image_size: int | None) -> tuple[bytes, str]:
    """The image for a WebDataset sample: the stored bytes when they fit and are 8-bit, else re-encoded in
    the stored format, shrunk to fit `image_size` px with its aspect kept and 16-bit brought to 8 bits."""
    with Image.open(io.BytesIO(data)) as image:
        extension = _EXTENSIONS.get(image.format or "", ".bin")
        sixteen = image.mode in ("I", "I;16", "I;16B", "I;16L")
        small = image_size is None or max(image.size) <= image_size
        if small and not sixteen:
            return data, extension
        image.load()
        if sixteen:
            image = Image.fromarray((np.asarray(image, dtype=np.uint32) >> 8).astype(np.uint8))
        if not small:
            image.thumbnail((image_size, image_size), Image.Resampling.BICUBIC)
        buffer = io.BytesIO()
        if extension == ".jpg":
            image.save(buffer, format="JPEG", quality=95)
        else:
            image.save(buffer, format="PNG")
            extension = ".png"
        return buffer.getvalue(), extension


def _write_image(dest: Path, row: Row, as_png: bool, shard: Path) -> str:
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


@contextmanager
def fresh_dest(dest: Path) -> Iterator[Path]:
    """Create `dest` (refusing one that holds files: an export never overwrites) for the block to fill.

    If the block fails, everything it wrote goes again (and the folder itself if it was created here), so a
    refused or broken export leaves nothing behind. Once it succeeds, every file gets the mode the user's umask
    gives a new file (0644 under the usual 022): some writers (safetensors) create 0600 files, which a shared
    model folder cannot use, and a user's stricter umask for medical data still holds."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise MgllError(f"{dest}: exists and is not an empty folder (choose a new --out so nothing is overwritten)")
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        yield dest
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        raise
    umask = os.umask(0)
    os.umask(umask)
    for path in dest.rglob("*"):
        if path.is_file():
            path.chmod(0o666 & ~umask)


def export_output(out_dir: Path | str, format_name: str, dest: Path | str, **options: Any) -> ExportResult:
    """Write every row of a built folder to `dest` in `format_name` (see EXPORTERS); `options` go to the
    exporter (WebDataset: shard_size, shard_bytes, image_size)."""
    out_dir = require_output_dir(out_dir)
    if format_name not in EXPORTERS:
        raise MgllError(f"unknown export format {format_name!r}; available: {', '.join(sorted(EXPORTERS))}")
    shards = shards_by_split(out_dir)
    if not shards:
        raise MgllError(f"{out_dir / 'data'}: no shards named {{split}}-00000-of-0000N.parquet to export")
    dest = Path(dest)
    with fresh_dest(dest):
        exporter = EXPORTERS[format_name](dest, **options)
        rows = 0
        try:
            for paths in shards.values():
                for path in paths:
                    columns = None if exporter.columns is None else (*exporter.columns, "image")
                    for batch in iter_batches(path, columns):
                        for row in batch.to_pylist():
                            image = _write_image(dest, row, exporter.png_images, path) if exporter.image_files else None
                            exporter.add(row, image)
                            rows += 1
        finally:
            files = exporter.close()
    return ExportResult(format=format_name, dest=dest, rows=rows, files=files)
