"""Training data: built Parquet shards (local folder or Hub dataset) read by row group, decoded in workers.

Why row groups and a precomputed plan instead of `datasets.load_dataset` streaming: a plan computed from
Parquet metadata alone (no pixels read) says which rows every DDP rank gets in which batch, and batches are
dealt to dataloader workers in turn. That makes three things exact rather than approximate: every row goes
to exactly one rank and worker per epoch, every rank yields the same number of batches (so DDP ranks never
wait on each other at the epoch end), and a resumed run skips the batches it already trained on without
decoding them, seeing the very next batch an uninterrupted run would have seen. Augmentation and text
sampling are seeded per batch for the same reason.
Images travel as uint8 (a quarter of the float bytes through pinned memory); the model normalises on device.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from PIL import Image
from torchvision.transforms import v2

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.output_layout import DATA_DIR, shards_by_split, split_glob
from mgll_data.schema import Row
from mgll_data.train.config import AugmentConfig, DataConfig, Granularity

TRAIN_COLUMNS = ("id", "modality", "image", "labels", "disease_text", "descriptions", "explanations")
SHUFFLE_WINDOW_ROWS = 1024  # rows mixed per window; ~10 row groups of a default build (100 rows each)


# --- where the shards are ---


def _hub_split_files(repo_id: str, split: str) -> list[Path]:
    from huggingface_hub import snapshot_download

    try:
        root = snapshot_download(repo_id, repo_type="dataset", allow_patterns=[split_glob(split)])
    except Exception as exc:  # offline, unknown repo, gated, network: the hub client raises many types
        raise MgllError(
            f"{repo_id}: not a local folder and not a reachable Hub dataset ({type(exc).__name__}); "
            "expected a folder built by `mgll-data build` or a Hub dataset id (cached when offline)"
        ) from None
    return shards_by_split(Path(root)).get(split, [])


def split_files(dataset: str, split: str) -> list[Path]:
    """The Parquet shards of one split (`DATASET/data/{split}-*.parquet`, output_layout), locally or from the Hub."""
    root = Path(dataset)
    if root.is_dir():
        shards = shards_by_split(root)
        if not shards.get(split):
            raise MgllError(
                f"{root}: no shards for split {split!r} (expected {DATA_DIR}/{split}-00000-of-NNNNN.parquet); "
                f"splits found: {', '.join(sorted(shards)) or 'none'}"
            )
        return shards[split]
    if root.is_absolute() or dataset.startswith(".") or dataset.count("/") != 1:
        raise MgllError(
            f"{dataset}: dataset folder not found (expected a folder built by `mgll-data build RECIPE`, "
            "e.g. `mgll-data build recipes/demo.yaml` for the demo, or a Hub dataset id ORG/NAME)"
        )
    files = _hub_split_files(dataset, split)
    if not files:
        raise MgllError(f"{dataset}: the Hub dataset has no {split_glob(split)} shards")
    return files


@dataclass(frozen=True)
class RowGroup:
    file: Path
    index: int
    num_rows: int


def row_groups(files: Sequence[Path]) -> list[RowGroup]:
    """Every row group of the given shards, from footers only."""
    groups = []
    for file in files:
        try:
            metadata = pq.ParquetFile(file).metadata
        except Exception as exc:  # pyarrow raises several types for a damaged footer
            raise MgllError(f"{file}: not a readable Parquet shard ({exc})") from None
        groups.extend(RowGroup(file, i, metadata.row_group(i).num_rows) for i in range(metadata.num_row_groups))
    return groups


def row_id_hashes(ids: Sequence[str]) -> np.ndarray:
    """Sorted unique 64-bit hashes of row ids: 8 bytes a row records which rows a run trained on (2 MB for 246k)."""
    digests = [hashlib.blake2b(i.encode("utf-8"), digest_size=8).digest() for i in ids]
    return np.unique(np.frombuffer(b"".join(digests), dtype="<u8")) if digests else np.zeros(0, dtype="<u8")


def split_ids(dataset: str, split: str) -> list[str]:
    """Every row id of a split (the id column only; no image bytes are read)."""
    ids: list[str] = []
    for file in split_files(dataset, split):
        try:
            ids.extend(pq.read_table(file, columns=["id"]).column("id").to_pylist())
        except Exception as exc:  # pyarrow raises several types for damaged data
            raise MgllError(f"{file}: id column cannot be read ({exc})") from None
    return ids


def open_split(dataset: str, split: str, columns: Sequence[str] | None = None) -> Iterator[Row]:
    """Every record of a split, in shard order, as plain dicts (images stay encoded: see `decode_image`)."""
    for file in split_files(dataset, split):
        parquet = pq.ParquetFile(file)
        for batch in parquet.iter_batches(batch_size=256, columns=list(columns) if columns else None):
            yield from batch.to_pylist()


# --- images and texts ---


def decode_image(record: Row, min_size: int | None = None) -> Image.Image:
    """The record's image as 8-bit RGB. 16-bit greyscale is scaled by its full range, not clipped.

    `min_size` lets JPEG decode at a reduced scale that still covers it (much cheaper for 512 -> 224).
    """
    image_field = record.get("image") or {}
    data = image_field.get("bytes")
    if not data:
        raise MgllError(f"record {record.get('id')!r}: image has no embedded bytes (expected image.bytes)")
    try:
        image = Image.open(io.BytesIO(data))
        if min_size and image.format == "JPEG":
            image.draft("RGB", (min_size, min_size))
        image.load()
    except Exception as exc:  # PIL raises many types for damaged data
        raise MgllError(f"record {record.get('id')!r}: image bytes cannot be decoded ({exc})") from None
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") else max(float(array.max()), 1.0)
        image = Image.fromarray(np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8))
    return image if image.mode == "RGB" else image.convert("RGB")


def train_transform(image_size: int, augment: AugmentConfig | None = None) -> v2.Compose:
    """Random resized crop, horizontal flip and colour jitter (the public recipe), to a uint8 tensor."""
    augment = augment or AugmentConfig()
    steps: list[Any] = [
        v2.PILToTensor(),
        v2.RandomResizedCrop(image_size, scale=augment.crop_scale, antialias=True),
        v2.RandomHorizontalFlip(augment.hflip),
    ]
    if augment.color_jitter > 0:
        jitter = augment.color_jitter
        steps.append(v2.ColorJitter(brightness=jitter, contrast=jitter, saturation=jitter))
    return v2.Compose(steps)


def eval_transform(image_size: int) -> v2.Compose:
    """Resize the short side and centre-crop, to a uint8 tensor [3, S, S]."""
    return v2.Compose([v2.PILToTensor(), v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size)])


def disease_prompt(record: Row, template: str | dict[str, str]) -> str:
    """Granularity 1: `disease_text` in the configured template (one for all, or one per modality)."""
    if isinstance(template, dict):
        modality = record.get("modality")
        if modality not in template:
            raise MgllError(
                f"data.text_template has no entry for modality {modality!r} "
                f"(record {record.get('id')!r}; templates given for: {', '.join(sorted(template))})"
            )
        template = template[modality]
    return template.format(record.get("disease_text") or "")


def granularity_texts(
    record: Row, granularities: Sequence[Granularity], template: str | dict[str, str], rng: random.Random
) -> list[str]:
    """One text per granularity for one image: lists are sampled; an empty list falls back to the coarser text.

    The fallback keeps every image in every granularity's contrast (the KL term needs the same texts in every
    granularity); the coarser text is the closest truthful statement about the image.
    """
    texts: list[str] = []
    for granularity in granularities:
        if granularity == "disease_text":
            text = disease_prompt(record, template)
        else:
            options = [t for t in record.get(granularity) or [] if t]
            text = rng.choice(options) if options else (texts[-1] if texts else disease_prompt(record, template))
        texts.append(text)
    return texts


# --- the plan: which rows each rank gets in which batch ---


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(k) & 0xFFFFFFFF for k in keys]))


def rank_rows(groups: Sequence[RowGroup], seed: int, epoch: int, rank: int, world_size: int) -> list[tuple[int, int]]:
    """The (row group, row) pairs of one rank this epoch; across ranks, every row exactly once.

    Row groups are visited in a seeded order and the resulting row sequence is cut into contiguous, nearly
    equal spans, so each rank reads few row groups; rows are then shuffled within windows of a few groups.
    """
    order = _rng(seed, epoch).permutation(len(groups))
    sizes = np.array([groups[g].num_rows for g in order], dtype=np.int64)
    base, extra = divmod(int(sizes.sum()), world_size)
    start = rank * base + min(rank, extra)
    stop = start + base + (1 if rank < extra else 0)
    rows: list[tuple[int, int]] = []
    offset = 0
    for group, size in zip(order.tolist(), sizes.tolist(), strict=True):
        lo, hi = max(start, offset), min(stop, offset + size)
        rows.extend((group, r - offset) for r in range(lo, hi))
        offset += size
    window_rng = _rng(seed, epoch, rank, 1)
    for lo in range(0, len(rows), SHUFFLE_WINDOW_ROWS):
        window = rows[lo : lo + SHUFFLE_WINDOW_ROWS]
        rows[lo : lo + SHUFFLE_WINDOW_ROWS] = [window[i] for i in window_rng.permutation(len(window))]
    return rows


def batches_per_rank(groups: Sequence[RowGroup], world_size: int, batch_size: int) -> int:
    """Full batches every rank yields per epoch: the smallest span decides, so all ranks are equal."""
    return (sum(g.num_rows for g in groups) // world_size) // batch_size


def read_row_group(group: RowGroup, columns: Sequence[str] | None = None) -> pa.Table:
    """One row group of a shard, the named columns only; a damaged shard is an error naming it."""
    try:
        return pq.ParquetFile(group.file).read_row_group(group.index, columns=list(columns) if columns else None)
    except Exception as exc:  # pyarrow raises several types for damaged data
        raise MgllError(f"{group.file}: row group {group.index} cannot be read ({exc})") from None


class RowGroupCache:
    """Row groups read once and kept while they fit `max_bytes` of Arrow memory, least recently used out first.

    Why bytes, not a count: row groups differ in size by orders of magnitude (the duplicate pass leaves
    1-row tails beside 100-row groups of 512 px images), so a count sized for the smallest group lets the
    largest fill many gigabytes. The group being read is always kept, so one group above the budget still works.
    """

    def __init__(self, read: Callable[[int], pa.Table], max_bytes: int):
        self.read, self.max_bytes = read, max_bytes
        self.tables: OrderedDict[int, pa.Table] = OrderedDict()
        self.bytes = 0
        self.peak_bytes = 0

    def get(self, index: int) -> pa.Table:
        table = self.tables.get(index)
        if table is not None:
            self.tables.move_to_end(index)
            return table
        table = self.read(index)
        self.tables[index] = table
        self.bytes += table.nbytes
        while self.bytes > self.max_bytes and len(self.tables) > 1:
            _, oldest = self.tables.popitem(last=False)
            self.bytes -= oldest.nbytes
        self.peak_bytes = max(self.peak_bytes, self.bytes)
        return table


def take_records(rows: Sequence[tuple[int, int]], cache: RowGroupCache) -> list[JsonObject]:
    """The rows as dicts, in the given order; each row group is read once and only its wanted rows converted."""
    wanted: dict[int, list[int]] = {}
    for position, (group, _) in enumerate(rows):
        wanted.setdefault(group, []).append(position)
    records: list[Row] = [{} for _ in rows]
    for group, positions in wanted.items():
        taken = cache.get(group).take([rows[p][1] for p in positions]).to_pylist()
        for position, record in zip(positions, taken, strict=True):
            records[position] = record
    return records


class ParquetTrainData(torch.utils.data.IterableDataset):
    """Batches of (uint8 images, one text per granularity per image, label sets), read by row group.

    With `tokenize` (the text tower's), workers also tokenise, keeping that work off the training process.

    Set `epoch`, `skip_batches` and `epochs` (how many epochs one iterator runs; None: without end) before
    creating an iterator. The trainer makes one endless iterator, so its workers live for the whole run (no
    start-up at each epoch) and keep their row-group cache across epochs. The rank's batches from the start
    on are dealt round-robin to workers, the order the DataLoader collects them in, so the batch sequence of a
    rank does not depend on `num_workers` and a resume may change it.
    """

    def __init__(
        self,
        config: DataConfig,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        tokenize: Callable[[list[str]], dict[str, torch.Tensor]] | None = None,
    ):
        self.config = config
        self.tokenize = tokenize
        self.seed = seed
        self.rank, self.world_size = rank, world_size
        self.groups = row_groups(split_files(config.dataset, config.split))
        self.epoch = 0
        self.skip_batches = 0
        self.epochs: int | None = 1
        self.transform = train_transform(config.image_size, config.augment)
        if self.batches_per_epoch() == 0:
            total = sum(g.num_rows for g in self.groups)
            raise MgllError(
                f"{config.dataset}: split {config.split!r} has {total} rows, too few for one batch of "
                f"{config.batch_size} on each of {world_size} rank(s); lower data.batch_size"
            )

    def batches_per_epoch(self) -> int:
        """Batches one rank yields per epoch (the same on every rank)."""
        return batches_per_rank(self.groups, self.world_size, self.config.batch_size)

    def new_cache(self) -> RowGroupCache:
        return RowGroupCache(lambda g: read_row_group(self.groups[g], TRAIN_COLUMNS), self.config.cache_bytes)

    def __iter__(self) -> Iterator[Row]:
        info = torch.utils.data.get_worker_info()
        worker, num_workers = (0, 1) if info is None else (info.id, info.num_workers)
        per_epoch, size = self.batches_per_epoch(), self.config.batch_size
        first = self.epoch * per_epoch + self.skip_batches
        stop = None if self.epochs is None else (self.epoch + self.epochs) * per_epoch
        cache = self.new_cache()
        rows_epoch, rows = -1, []
        index = first + worker
        while stop is None or index < stop:
            epoch, batch = divmod(index, per_epoch)
            if epoch != rows_epoch:
                rows_epoch, rows = epoch, rank_rows(self.groups, self.seed, epoch, self.rank, self.world_size)
            yield self._load_batch(rows[batch * size : (batch + 1) * size], epoch, batch, cache)
            index += num_workers

    def _load_batch(self, rows: list[tuple[int, int]], epoch: int, rank_batch: int, cache) -> JsonObject:
        config = self.config
        text_seed, augment_seed = _rng(self.seed, epoch, self.rank, rank_batch).integers(2**31, size=2).tolist()
        text_rng = random.Random(text_seed)
        images, texts, labels, ids = [], [], [], []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(augment_seed)
            for record in take_records(rows, cache):
                images.append(self.transform(decode_image(record, min_size=config.image_size)))
                texts.append(granularity_texts(record, config.granularities, config.text_template, text_rng))
                labels.append(tuple(record["labels"] or ()))
                ids.append(record["id"])
        by_granularity = [list(column) for column in zip(*texts, strict=True)]
        batch = {
            "images": torch.stack(images),
            "texts": by_granularity,
            "labels": labels,
            "ids": ids,
            "epoch": epoch,
            "batch_index": rank_batch,
        }
        if self.tokenize is not None:  # all granularities in one tensor, in granularity order
            batch["tokens"] = self.tokenize([text for granularity in by_granularity for text in granularity])
        return batch


class SplitBatches(torch.utils.data.IterableDataset):
    """Fixed batches of (row group, row) pairs of one split, decoded and transformed in DataLoader workers.

    The path evaluation, fine-tuning and feature extraction share with training: row groups read once into
    a byte-bounded cache, images decoded at reduced scale where the format allows, batches dealt round-robin
    to workers (so their order does not depend on `num_workers`). Each batch carries the uint8 `images` and
    the named columns as lists; the transform's randomness is seeded per batch by `seed`.
    """

    def __init__(
        self,
        groups: Sequence[RowGroup],
        batches: Sequence[Sequence[tuple[int, int]]],
        transform: Callable[[Image.Image], torch.Tensor],
        image_size: int,
        columns: Sequence[str],
        cache_bytes: int = 1 << 30,
        seed: int = 0,
    ):
        self.groups, self.batches, self.transform = list(groups), [list(b) for b in batches], transform
        self.image_size, self.columns, self.cache_bytes, self.seed = image_size, list(columns), cache_bytes, seed

    def __iter__(self) -> Iterator[Row]:
        info = torch.utils.data.get_worker_info()
        worker, num_workers = (0, 1) if info is None else (info.id, info.num_workers)
        read_columns = sorted({"id", "image", *self.columns})
        cache = RowGroupCache(lambda g: read_row_group(self.groups[g], read_columns), self.cache_bytes)
        for index in range(worker, len(self.batches), num_workers):
            records = take_records(self.batches[index], cache)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(_rng(self.seed, index).integers(2**31)))
                images = [self.transform(decode_image(r, min_size=self.image_size)) for r in records]
            batch: JsonObject = {"images": torch.stack(images), "batch_index": index}
            batch.update({column: [r[column] for r in records] for column in self.columns})
            yield batch


def split_rows(groups: Sequence[RowGroup]) -> list[tuple[int, int]]:
    """Every (row group, row) pair of a split, in shard order."""
    return [(g, r) for g, group in enumerate(groups) for r in range(group.num_rows)]


def in_batches(rows: Sequence[tuple[int, int]], size: int, drop_last: bool = False) -> list[list[tuple[int, int]]]:
    """`rows` cut into consecutive batches of `size` (the last may be shorter unless `drop_last`)."""
    cut = [list(rows[i : i + size]) for i in range(0, len(rows), size)]
    return [b for b in cut if len(b) == size] if drop_last else cut


def make_loader(
    dataset: torch.utils.data.IterableDataset, pin_memory: bool, num_workers: int | None = None
) -> torch.utils.data.DataLoader:
    """The DataLoader over `dataset` (batches are built by the dataset itself)."""
    workers = dataset.config.num_workers if num_workers is None else num_workers
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=None,
        num_workers=workers,
        pin_memory=pin_memory,
        prefetch_factor=4 if workers else None,
    )
