"""A training-ready copy of a built split: the same rows, images re-stored as JPEG at the training resolution.

Why: a build keeps lossless 512 px PNG (its pixels are the dataset's record), but decoding PNG costs about
5 CPU ms an image before any augmentation, so feeding one GPU at 2,000+ images/s would need some 25 cores.
JPEG q95 at a short side just above the training crop (256 px for 224) decodes in about half a millisecond
and loses nothing the 224 px model would see (the public MGLL code resizes 512 to 224 inside the model
anyway). bench/data_path.py measures the whole path per format.

The copy lives beside the build (`BUILD.training-256px-q95/`, or under the run folder for a Hub dataset),
in the build's layout, so the trainer reads it like any build. It is written once, shard by shard in worker
processes, atomically (a temporary folder renamed), and reused while `training_copy.json` matches the
source shards' names, sizes and modification times; any rewrite of the build makes a fresh copy.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.output_layout import DATA_DIR
from mgll_data.train.data import decode_image

RECORD_FILE = "training_copy.json"
GRAY_MODES = ("L", "I", "I;16", "I;16B", "I;16L")


def copy_folder(dataset: str, split: str, size: int, quality: int, output_dir: str) -> Path:
    """Where the copy of `dataset` goes: beside a local build, under the run folder for a Hub dataset."""
    name = f"training-{split}-{size}px-q{quality}"
    root = Path(dataset)
    return root.with_name(f"{root.name}.{name}") if root.is_dir() else Path(output_dir) / name


def source_fingerprint(files: list[Path]) -> list[JsonObject]:
    """What identifies the source shards cheaply: name, size and modification time of each."""
    return [{"name": f.name, "bytes": f.stat().st_size, "mtime_ns": f.stat().st_mtime_ns} for f in files]


def reencode(data: bytes, record_id: str, size: int, quality: int) -> tuple[bytes, int, int]:
    """One stored image as JPEG at `quality` with its short side at most `size` (never enlarged)."""
    record = {"id": record_id, "image": {"bytes": data}}
    gray = Image.open(io.BytesIO(data)).mode in GRAY_MODES
    image = decode_image(record, min_size=size)
    if gray:
        image = image.convert("L")
    scale = size / min(image.size)
    if scale < 1:
        width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
        image = image.resize((width, height), Image.Resampling.BICUBIC, reducing_gap=3.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue(), image.width, image.height


def copy_shard(source: Path, target: Path, size: int, quality: int) -> int:
    """Re-encode every image of one shard into `target`, keeping rows, columns and row-group sizes."""
    parquet = pq.ParquetFile(source)
    writer = None
    try:
        for index in range(parquet.metadata.num_row_groups):
            table = parquet.read_row_group(index)
            images, widths, heights = [], [], []
            for record_id, image in zip(table.column("id").to_pylist(), table.column("image").to_pylist(), strict=True):
                data, width, height = reencode(image["bytes"], record_id, size, quality)
                images.append({**image, "bytes": data})
                widths.append(width)
                heights.append(height)
            for column, values in (("image", images), ("width", widths), ("height", heights)):
                position = table.schema.get_field_index(column)
                table = table.set_column(position, table.schema.field(position), pa.array(values, table[column].type))
            writer = writer or pq.ParquetWriter(target, table.schema)
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
    finally:
        if writer is not None:
            writer.close()
    return parquet.metadata.num_rows


def ensure_training_copy(files: list[Path], folder: Path, size: int, quality: int, workers: int) -> Path:
    """The copy of `files` in `folder`, written now unless an up-to-date one is there; returns `folder`."""
    record = {"size": size, "quality": quality, "format": "jpeg", "source": source_fingerprint(files)}
    record_file = folder / RECORD_FILE
    if record_file.is_file():
        try:
            if json.loads(record_file.read_text(encoding="utf-8")) == record:
                return folder
        except (OSError, json.JSONDecodeError):
            pass  # a damaged record: the copy is rewritten below
    if folder.exists() and not record_file.is_file():
        raise MgllError(
            f"{folder}: exists but is not a training copy (no {RECORD_FILE}); move it away or set "
            "data.training_copy: null"
        )
    temporary = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    (temporary / DATA_DIR).mkdir(parents=True)
    targets = [temporary / DATA_DIR / f.name for f in files]
    try:
        if workers > 1 and len(files) > 1:
            with ProcessPoolExecutor(min(workers, len(files))) as pool:
                list(pool.map(copy_shard, files, targets, [size] * len(files), [quality] * len(files)))
        else:
            for source, target in zip(files, targets, strict=True):
                copy_shard(source, target, size, quality)
        (temporary / RECORD_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        temporary.rename(folder)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise MgllError(f"{folder}: training copy cannot be written ({exc}); set data.training_copy: null") from None
    return folder
