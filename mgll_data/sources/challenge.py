"""Shared reading of the optic-disc / macula challenge sets (REFUGE, REFUGE2, PALM, ADAM): image folders per part,
an annotation workbook with fovea coordinates and labels, and disc / cup / lesion masks beside them.

What differs between the sets is data in each adapter's YAML: the parts (split, image folder spellings, label
table names), where the label comes from (class folder, file-name prefix or a table column) and how its values
read in the adapter's vocabulary (a value mapped to null names a part without labels, such as a test-image
prefix; a value under `foreign` names another dataset's images bundled in the download, which become
`belongs_to_other_source` rejects), and which masks exist. A label table only an absent part names (its images
not downloaded) is one `missing_part` reject. Masks are measured here (`images/masks.py`): a disc/cup
mask gives the cup-to-disc ratio and disc centre, a black-on-white disc mask the disc centre, a lesion mask the
lesion's area (and the lesion's finding when the area is not zero). Coordinates stay in original pixels; the
build maps them to stored pixels. A fovea at (0, 0) is the sets' way of saying "not visible": no coordinate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgll_data.config_io import JsonObject
from mgll_data.errors import LayoutError
from mgll_data.images.masks import MaskError, area_fraction, centroid, dark_region, disc_cup_attributes, read_mask
from mgll_data.ontology import UnmappedLabel
from mgll_data.schema import Attributes
from mgll_data.sources.base import RawRecord, Reject
from mgll_data.sources.files import path_key
from mgll_data.sources.labels import LabelSet
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.tables import read_table

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
MASK_SUFFIXES = (".bmp", ".png", ".tif", ".tiff")


@dataclass
class Part:
    """One listed part of a download: its images, its label table (if any), and where its label comes from."""

    id: str
    split: str | None
    images: Path
    table: Path | None
    label: JsonObject
    headerless: list[str] | None = None  # column names of a label table without a header line
    rows: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # image stem -> (entry, row)
    files: list[Path] = field(default_factory=list)  # every file under `images`


class ChallengeReader:
    """`find_layout` and `records` of the challenge-set adapters, mixed in before `Source`:
    `class RefugeSource(ChallengeReader, Source)`. The adapter's name picks its YAML spec (`<name>.yaml`).

    A mixin rather than an abstract `Source` subclass, because `Source` checks every subclass's class attributes
    when it is defined.
    """

    def spec(self: Any) -> JsonObject:
        """The adapter's layout spec (parts, columns, masks, vocab)."""
        return layout_spec(self.name)

    def find_layout(self) -> None:
        spec = self.spec()
        found = [(part, images) for part in spec["parts"] if (images := self.files.folder(*part["images"]))]
        if not found:
            raise LayoutError(self.name, self.root, self.layout)
        self.parts: list[Part] = []
        for part, images in found:
            table = self._part_table(part, images, found)
            self.parts.append(
                Part(part["id"], part.get("split"), images, table, part["label"], _headerless(part, table))
            )
        for read in self.parts:
            read.files = self.files.files_under(read.images)
        self.masks = self._mask_index(spec.get("masks", []))
        self.tables_without_images = self._tables_without_images(spec["parts"], found)

    def _tables_without_images(
        self, parts: list[JsonObject], found: list[tuple[JsonObject, Path]]
    ) -> list[tuple[str, Path, list[str] | None]]:
        """(image folder, table, headerless columns) of each part whose image folder is absent while a label table
        only it names is there: a partial download, one `missing_part` reject each. A table name that other parts
        share says nothing of the absent part."""
        present = {part["id"] for part, _ in found}
        absent = []
        for part in parts:
            if part["id"] in present:
                continue
            shared = {name for other in parts if other is not part for name in other.get("table", [])}
            tables = [
                path for name in part.get("table", []) if name not in shared for path in self.files.find_all(name)
            ]
            if tables:
                absent.append((part["images"][0], tables[0], _headerless(part, tables[0])))
        return absent

    def _part_table(self, part: JsonObject, images: Path, found: list[tuple[JsonObject, Path]]) -> Path | None:
        """The label table of `part` (images in `images`): the first of its table names the download holds, taking of
        several files of that name those nearer its images than the images of the other parts naming it (`found`:
        each part present, with its image folder): parts of one download reuse table names."""
        for name in part.get("table", []):
            askers = {other["id"]: folder for other, folder in found if name in other.get("table", [])}
            mine = [path for path in self.files.find_all(name) if part["id"] in _nearest_parts(path, askers, self.root)]
            nearest = _nearest(mine, images, self.root)
            if len(nearest) == 1:
                return nearest[0]
            if nearest:
                where = " and ".join(p.relative_to(self.root).as_posix() for p in nearest)
                raise LayoutError(self.name, images, f"one {name} for part {part['id']}; {where} are equally near it")
        return None

    def _mask_index(self, masks: list[JsonObject]) -> list[tuple[JsonObject, dict[tuple[str, str], Path]]]:
        """Per mask spec, (part id, image stem) -> mask file, for masks inside any folder whose path ends as the spec
        says. A mask belongs to the part nearest it among those holding an image of its stem: parts reuse image
        names (REFUGE2's new V0001 is not REFUGE-1's), so a name alone never crosses from one part to another. A
        mask equally near two such parts is attached to neither (`ambiguous_masks`)."""
        files = self.files.files_under(self.root, MASK_SUFFIXES)
        stems = {part.id: {path.stem.casefold() for path in part.files} for part in self.parts}
        folders = {part.id: part.images for part in self.parts}
        self.ambiguous_masks: list[tuple[Path, list[str]]] = []
        index = []
        for mask in masks:
            wanted = [path_key(folder) for folder in mask["folders"]]
            found: dict[tuple[str, str], Path] = {}
            for path in files:
                parents = path_key(path.parent.relative_to(self.root).as_posix())
                if not any(_contains(parents, key) for key in wanted):
                    continue
                stem = path.stem.casefold()
                holders = [part for part, names in stems.items() if stem in names]
                owners = _nearest_parts(path, {part: folders[part] for part in holders}, self.root)
                if len(owners) == 1:
                    found.setdefault((owners[0], stem), path)
                elif owners:
                    self.ambiguous_masks.append((path, owners))
                else:  # no part read holds its image: listed by `_unread_masks`
                    found.setdefault(("", stem), path)
            index.append((mask, found))
        return index

    def records(self) -> Iterator[RawRecord | Reject]:
        columns = self.spec()["columns"]
        read: set[str] = set()
        for part in self.parts:
            if part.table is not None:
                part.rows = self._table_rows(part.table, part.headerless, columns)
            listed = set()
            for path in part.files:
                if path.suffix.casefold() not in IMAGE_SUFFIXES:
                    yield self.reject(path, "source", "not_an_image_file")
                    continue
                listed.add(path.stem.casefold())
                yield self._record(part, path)
            for stem, (entry, row) in part.rows.items():
                if stem not in listed:
                    yield self.image_at(None, f"{part.images.name}/{row['image']}", entry)
            read |= {(part.id, stem) for stem in listed}
        for folder, table, headerless in self.tables_without_images:
            yield self.missing_part(table, f"{folder}/", len(self._table_rows(table, headerless, columns)))
        yield from self._unread_masks(read)

    def _unread_masks(self, read: set[tuple[str, str]]) -> Iterator[Reject]:
        """One `unread_file` reject per mask folder holding masks of no image read (a part whose images are not in
        the download, or one this adapter does not read), and one per mask equally near two parts' images of its
        name, so they are named, never passed over in silence."""
        unused: dict[Path, int] = {}
        for _, index in self.masks:
            for key, mask in index.items():
                if key not in read:
                    unused[mask.parent] = unused.get(mask.parent, 0) + 1
        for folder, count in sorted(unused.items()):
            yield self.unread_file(folder, f"{count} mask file(s) that match no image of a part this adapter read")
        for mask, parts in self.ambiguous_masks:
            yield self.unread_file(mask, f"equally near the {mask.stem} images of parts {' and '.join(parts)}")

    def _table_rows(
        self, path: Path, headerless: list[str] | None, columns: dict[str, list[str]]
    ) -> dict[str, tuple[str, dict[str, str]]]:
        """Image stem -> (entry, row) of a part's label table, columns under canonical names (`headerless`: the
        column names of a table without a header line)."""
        if headerless:
            table = read_table(path, source=self.name, header=False, names=headerless, required=headerless)
        else:
            optional = {k: v for k, v in columns.items() if k != "image"}
            table = read_table(path, source=self.name, required={"image": columns["image"]}, optional=optional)
        return {Path(row["image"]).stem.casefold(): (entry, row) for entry, row in table.rows()}

    def _record(self, part: Part, path: Path) -> RawRecord | Reject:
        problem = self.check_image_file(path)
        if problem:
            return problem
        entry, row = part.rows.get(path.stem.casefold(), (None, {}))
        labels = LabelSet()
        value = self._label_value(part, path, row)
        foreign = part.label.get("foreign", {})
        if value in foreign:
            return self.reject(path, "source", "belongs_to_other_source", foreign[value])
        values = part.label["values"]
        if value is not None and values.get(value) is not None:
            try:
                labels.add(self.spec()["vocab"], values[value])
            except UnmappedLabel:
                return self.unmapped_label(path, entry or path.name, ("label", value))
        elif value is not None and value not in values:
            return self.unmapped_label(path, entry or path.name, ("label", value))
        attributes: Attributes = {}
        fovea = _point(row.get("fovea_x", ""), row.get("fovea_y", ""))
        if isinstance(fovea, str):
            return self.reject(path, "label", "bad_annotation_value", f"{entry}: fovea {fovea}")
        if fovea:
            attributes["fovea_center"] = fovea
        related = []
        for mask, index in self.masks:
            mask_path = index.get((part.id, path.stem.casefold()))
            if mask_path is None:
                continue
            try:
                self._measure(mask, read_mask(mask_path), attributes, labels)
            except MaskError as error:
                return self.reject(mask_path, "source", "unreadable_mask", str(error))
            related.append(mask_path)
        native_id = f"{part.id}_{path.stem}"
        return self.record(
            native_id,
            path,
            native_id,
            split=part.split,
            **labels.as_fields(),
            attributes={**labels.attributes, **attributes},
            source_file=part.table.name if entry else path.parent.name,
            source_entry=entry or path.name,
            related_files=related,
        )

    def _label_value(self, part: Part, path: Path, row: dict[str, str]) -> str | None:
        """The raw label value of one image: its class folder, its file-name prefix or its table cell."""
        origin = part.label["from"]
        if origin == "folder":
            relative = path.relative_to(part.images).parts
            return relative[0] if len(relative) > 1 else None
        if origin == "prefix":
            return path.stem[:1].upper()
        if origin == "column":
            return (row.get("label") or "").removesuffix(".0") or None
        return None

    def _measure(self, mask: JsonObject, pixels: Any, attributes: Attributes, labels: LabelSet) -> None:
        """Fold one mask's measurements into the record's attributes (and a visible lesion into its labels)."""
        if mask["kind"] == "disc_cup":
            attributes.update(disc_cup_attributes(pixels, mask["scheme"]))
        elif mask["kind"] == "disc":
            centre = centroid(dark_region(pixels))
            if centre is not None:
                attributes["od_center"] = centre
        elif mask["kind"] == "lesion":
            share = area_fraction(dark_region(pixels))
            attributes.setdefault("lesions", []).append({"name": mask["name"], "area_fraction": share})
            if share > 0 and mask.get("finding"):
                labels.add_ids([mask["finding"]])


def _headerless(part: JsonObject, table: Path | None) -> list[str] | None:
    """The column names of `part`'s label table `table` when it has no header line: `headerless_columns` is one
    list for every table of the part, or a mapping from table name to its list (a part whose table names differ
    between releases, one with a header line and one without)."""
    columns = part.get("headerless_columns")
    if isinstance(columns, dict):
        by_table = {name.casefold(): names for name, names in columns.items()}
        return None if table is None else by_table.get(table.name.casefold())
    return columns


def _nearness(path: Path, folder: Path, root: Path) -> tuple[int, int]:
    """How near `path` lies to the image folder `folder`: the leading folders below the root they share, then the
    folder names they share anywhere (`DF-Annotation-Training400/Training400/` goes with `AMD-Training400/Training400/`,
    not with `.../Validation400/`). Names compare in normal form."""
    mine, theirs = (path_key(p.relative_to(root).as_posix()) for p in (path.parent, folder))
    pairs = zip(mine, theirs, strict=False)
    leading = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(mine), len(theirs)))
    return leading, len(set(mine) & set(theirs))


def _nearest(paths: list[Path], folder: Path, root: Path) -> list[Path]:
    """Those of `paths` nearest the image folder `folder` (several on a tie; none for no paths)."""
    near = [_nearness(path, folder, root) for path in paths]
    return [path for path, n in zip(paths, near, strict=True) if n == max(near)]


def _nearest_parts(path: Path, folders: dict[str, Path], root: Path) -> list[str]:
    """The ids of the parts (id -> image folder) whose image folders lie nearest `path`."""
    near = {part: _nearness(path, folder, root) for part, folder in folders.items()}
    return [part for part, n in near.items() if n == max(near.values())]


def _contains(parents: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """True when `wanted` occurs as consecutive folders in `parents`."""
    width = len(wanted)
    return any(parents[i : i + width] == wanted for i in range(len(parents) - width + 1))


def _point(x: str, y: str) -> list[float] | str | None:
    """[x, y] in original pixels; None when absent or (0, 0) (not visible); the bad text when not numbers."""
    if not x and not y:
        return None
    try:
        point = [float(x), float(y)]
    except ValueError:
        return f"({x!r}, {y!r}) is not a pair of numbers"
    return None if point == [0.0, 0.0] else point
