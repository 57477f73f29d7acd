"""Shared reading of multi-label 0/1 tables (RFMiD 1.0 and 2.0, MuReD): one column per condition, one row per image.

The three sources differ in file names and vocabularies but not in how a row becomes label states, so that part
lives here once: find each split's label file and image folder, check the condition columns against the
source's vocabulary map, and turn a row's 1-cells into a `LabelSet`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mgll_data.errors import LayoutError
from mgll_data.ontology import UnmappedLabel, load_ontology
from mgll_data.sources.base import Source
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.tables import Table

FLAGS = {"0": False, "1": True, "0.0": False, "1.0": True}
_NOT_NAME = re.compile(r"[^0-9A-Za-z_]")


def find_split_files(source: Source, spec: dict) -> list[tuple[str, Path, Path]]:
    """(split, label file, image folder) of every split whose label file is present, in `spec["splits"]` order.

    A split's `labels` are file-name spellings found anywhere under the root (case-insensitive); its `images`
    are folder candidates, and an empty list means the images sit beside the label file. A label file whose
    image folder is absent is a layout error naming both.
    """
    found = []
    for split, names in spec["splits"].items():
        table = next((source.files.find_name(n) for n in names["labels"] if source.files.find_name(n)), None)
        if table is None:
            continue
        images = source.files.folder(*names["images"]) if names["images"] else table.parent
        if images is None:
            wanted = " or ".join(names["images"])
            raise LayoutError(source.name, source.root, f"an image folder ({wanted}) for {table.name}")
        found.append((split, table, images))
    return found


def tidy_columns(table: Table, aliases: dict[str, str]) -> None:
    """Rename garbled headers in place: characters outside [0-9A-Za-z_] dropped (`ON\\ufffd`, non-breaking
    spaces), then known misspellings mapped (`OPDM` -> `ODPM`)."""
    table.frame.columns = [aliases.get(_NOT_NAME.sub("", c), _NOT_NAME.sub("", c)) for c in table.columns]


@dataclass(frozen=True)
class Conditions:
    """The condition columns of a table: those the vocabulary maps, and those it does not know."""

    vocab: str
    known: list[str]
    unknown: list[str]


def condition_columns(source: str, table: Table, vocab: str, skip: tuple[str, ...], strict: bool) -> Conditions:
    """Split the label columns of `table` (all but `skip` and empty `Unnamed` ones) by whether `vocab` maps them.

    With `strict`, an unknown column is a layout error naming it (a verified header, where an unknown column
    means the wrong release was given); otherwise rows that set it become rejects (`flag_labels`).
    """
    ontology = load_ontology()
    columns = [c for c in table.columns if c not in skip and c and not c.startswith("Unnamed")]
    known, unknown = [], []
    for column in columns:
        try:
            ontology.map_label(vocab, column)
            known.append(column)
        except UnmappedLabel:
            unknown.append(column)
    if unknown and strict:
        raise LayoutError(source, table.file, f"label columns of the {vocab!r} map; unknown: {', '.join(unknown)}")
    return Conditions(vocab, known, unknown)


def flag_labels(row: dict[str, str], conditions: Conditions) -> LabelSet | list[tuple[str, str]]:
    """The label states a row's 1-cells state, or the (column, value) pairs that map to nothing: a cell that is
    not 0/1, or a 1 in a column the vocabulary does not know (never dropped silently)."""
    odd = [(c, row[c]) for c in [*conditions.known, *conditions.unknown] if row[c] not in FLAGS]
    if odd:
        return odd
    unknown = [(c, row[c]) for c in conditions.unknown if FLAGS[row[c]]]
    if unknown:
        return unknown
    labels = LabelSet()
    for column in conditions.known:
        if FLAGS[row[column]]:
            labels.add(conditions.vocab, column)
    return labels
