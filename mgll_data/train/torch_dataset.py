"""A map-style PyTorch Dataset over a built folder, for users who bring their own training loop.

Why its items look the way they do: every field batches with `torch.utils.data.default_collate`, so a plain
`DataLoader(TorchDataset(...), batch_size=32)` works on a mixed fundus + chest X-ray build. Images come in one
channel mode for all rows (`rgb`: [3, S, S], `gray`: [1, S, S], uint8); labels are multi-hot float vectors over
one label vocabulary (the ontology's ids in the ontology's file order, so the same index means the same
finding in every build); list-valued texts are reduced to one string per item (a seeded sample, as MGLL
training does), so every granularity is a string.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
import torch

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.schema import Row
from mgll_data.train.data import decode_image, eval_transform, row_groups, split_files

ChannelMode = Literal["rgb", "gray"]
CHANNEL_MODES: tuple[str, ...] = ("rgb", "gray")
LABEL_FIELDS: tuple[tuple[str, str], ...] = (
    ("labels", "positive"),
    ("uncertain_labels", "uncertain"),
    ("negative_labels", "negative"),
)
TEXT_COLUMNS: tuple[str, ...] = ("disease_text", "descriptions", "explanations")
META_COLUMNS: tuple[str, ...] = ("id", "source", "modality", "split", "patient_id")
CACHED_ROW_GROUPS = 4


def label_vocabulary(modality: str | None = None) -> list[str]:
    """Ontology ids in a fixed order (the ontology's file order); `modality` keeps only its findings."""
    from mgll_data.ontology import load_ontology

    return [finding.id for finding in load_ontology().findings(modality)]


def multi_hot(ids: list[str] | None, index: dict[str, int], record_id: str) -> torch.Tensor:
    """A float vector with 1 at each id's position; an id outside the vocabulary is an error, not a drop."""
    vector = torch.zeros(len(index), dtype=torch.float32)
    for label in ids or ():
        if label not in index:
            raise MgllError(
                f"record {record_id!r}: label {label!r} is not in the label vocabulary "
                "(expected ontology ids; pass vocabulary= to widen it)"
            )
        vector[index[label]] = 1.0
    return vector


class TorchDataset(torch.utils.data.Dataset):
    """Rows of one split of a built folder (or a Hub dataset id) as dicts of tensors and strings.

    Item keys: `image` (uint8 [C, S, S]), `positive` / `uncertain` / `negative` (float [K]), `disease_text`,
    `description`, `explanation` (str), `id`, `source`, `modality`, `split`, `patient_id` (str).
    `transform` replaces the resize + centre crop (it receives a PIL image in the channel mode and must
    return a tensor). `set_epoch` re-draws the sampled texts.
    """

    def __init__(
        self,
        dataset: str | Path,
        split: str = "train",
        *,
        channels: ChannelMode = "rgb",
        image_size: int = 224,
        transform: Callable[[Any], torch.Tensor] | None = None,
        vocabulary: list[str] | None = None,
        seed: int = 0,
    ):
        if channels not in CHANNEL_MODES:
            raise MgllError(f"channels={channels!r}: expected one of {', '.join(CHANNEL_MODES)}")
        self.channels = channels
        self.transform = transform or eval_transform(image_size)
        self.vocabulary = list(vocabulary) if vocabulary is not None else label_vocabulary()
        self._index = {label: i for i, label in enumerate(self.vocabulary)}
        self.seed, self.epoch = seed, 0
        self.groups = row_groups(split_files(str(dataset), split))
        self._rows = [(g, r) for g, group in enumerate(self.groups) for r in range(group.num_rows)]
        self._cache: OrderedDict[int, pa.Table] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _row(self, index: int) -> JsonObject:
        group, row = self._rows[index]
        table = self._cache.get(group)
        if table is None:
            info = self.groups[group]
            try:
                table = pq.ParquetFile(info.file).read_row_group(info.index)
            except Exception as exc:  # pyarrow raises several types for damaged data
                raise MgllError(f"{info.file}: row group {info.index} cannot be read ({exc})") from None
            self._cache[group] = table
            while len(self._cache) > CACHED_ROW_GROUPS:
                self._cache.popitem(last=False)
        self._cache.move_to_end(group)
        return table.slice(row, 1).to_pylist()[0]

    def __getitem__(self, index: int) -> JsonObject:
        if not 0 <= index < len(self):
            raise IndexError(index)
        record = self._row(index)
        image = decode_image(record)
        if self.channels == "gray":
            image = image.convert("L")
        item: Row = {"image": self.transform(image)}
        for column, key in LABEL_FIELDS:
            item[key] = multi_hot(record.get(column), self._index, record["id"])
        rng = random.Random(f"{self.seed}/{self.epoch}/{index}")
        item["disease_text"] = record.get("disease_text") or ""
        for column, key in (("descriptions", "description"), ("explanations", "explanation")):
            options = [text for text in record.get(column) or [] if text]
            item[key] = rng.choice(options) if options else item["disease_text"]
        for column in META_COLUMNS:
            item[column] = record.get(column) or ""
        return item
