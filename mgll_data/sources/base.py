"""What a source adapter is and what it yields.

An adapter reads one public dataset exactly as users download it and yields, per image, either a
`RawRecord` (metadata, labels as ontology ids, report sections, where the image file is) or a `Reject`
(why this item cannot become a row). Adapters never decode pixels and never write: the build engine
plans shards over their records and runs image and text normalisation in workers.

The routine work lives in the kit next to this module (`tables.py` reads label tables, `files.py` finds
files as downloads name them, `labels.py` turns source labels into label states), so an adapter is the
part that is truly about its dataset.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import stat
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from mgll_data import storage
from mgll_data.errors import LayoutError, RecipeError
from mgll_data.records import RawRecord, Reject
from mgll_data.sources.files import FileIndex, printable
from mgll_data.sources.pool import PlanningMap, serial_map
from mgll_data.sources.spec import layout_spec
from mgll_data.sources.terms import CLASS_ATTRIBUTES, terms_of

LICENCE_CLASSES: tuple[str, ...] = ("open", "registration", "kaggle", "credentialed")
ADAPTER_MODALITIES: tuple[str, ...] = ("fundus", "cxr", "synthetic", "any")
_ADAPTER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class SourceOptions(BaseModel):
    """Typed adapter options (a recipe's `sources[i].options`); subclass it as `Options` in an adapter.

    Unknown keys are refused, so a typo is a recipe error naming the key, never a silently ignored setting.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(ABC):
    """Base class of every adapter. Subclasses set the class attributes, `Options`, `find_layout` and `records`.

    `layout` is shown by `mgll-data sources` and in layout errors, so write it as the user sees the
    download. A registered adapter's terms (`licence_class`, `citation`, `homepage`, licence, BibTeX) are
    kept in `terms.yaml` and filled in here; an adapter that file does not list (a test or plugin adapter)
    states `licence_class` (one of `LICENCE_CLASSES`; credentialed sources are refused by `push` without an
    explicit override) and `citation` itself. The class attributes are checked when the class is defined.
    """

    name: ClassVar[str]
    modality: ClassVar[str]
    licence_class: ClassVar[str]
    citation: ClassVar[str]
    homepage: ClassVar[str] = ""
    layout: ClassVar[str]
    version: ClassVar[str] = ""
    has_official_split: ClassVar[bool] = False
    Options: ClassVar[type[SourceOptions]] = SourceOptions

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "records" in cls.__dict__ and not getattr(cls.records, "_root_guarded", False):
            cls.records = _root_guarded(cls.records)  # type: ignore[method-assign]
        # `__abstractmethods__` is only set after this hook runs, so look for unimplemented abstract methods here
        if any(getattr(getattr(cls, attr, None), "__isabstractmethod__", False) for attr in dir(cls)):
            return  # an intermediate base (e.g. nlm_tb.NlmTbSource); concrete adapters are checked
        problems = []
        terms = terms_of(getattr(cls, "name", "") or "")
        if terms is not None:  # a registered adapter: its module keeps no terms, terms.yaml does
            stated = [key for key in CLASS_ATTRIBUTES if key in vars(cls)]
            if stated and cls.__module__.startswith(f"{__package__}."):
                problems.append(f"{', '.join(stated)} belong in mgll_data/sources/terms.yaml, not in the class")
            for key in set(CLASS_ATTRIBUTES) - set(stated):  # a test or plugin subclass may override one
                setattr(cls, key, terms[key] or "")
        if not _ADAPTER_NAME.match(getattr(cls, "name", "") or ""):
            problems.append("name must be lower_snake_case")
        if getattr(cls, "modality", None) not in ADAPTER_MODALITIES:
            problems.append(f"modality must be one of {ADAPTER_MODALITIES}")
        if getattr(cls, "licence_class", None) not in LICENCE_CLASSES:
            problems.append(f"licence_class must be one of {LICENCE_CLASSES}")
        for text in ("layout", "citation"):
            if not str(getattr(cls, text, "") or "").strip():
                problems.append(f"{text} must describe the source")
        if not (isinstance(cls.Options, type) and issubclass(cls.Options, SourceOptions)):
            problems.append("Options must subclass SourceOptions")
        if problems:
            raise TypeError(f"source adapter {cls.__qualname__}: {'; '.join(problems)}")

    def __init__(self, root: Path | str | storage.AnyPath, **options: Any):
        self.root = storage.location(root)
        # Folders a listed path may resolve into: the root and any folder an option names (option_path adds them);
        # an object store has no links, so nothing there can resolve elsewhere
        self._roots: list[str] = [] if storage.is_remote(self.root) else [os.path.realpath(self.root)]
        # Resolved form of each folder a checked file sits in: resolving a file then costs one lstat, not one per
        # path part, and the image check and the records backstop share the work
        self._real_folders: dict[str, str] = {}
        # Files `check_image_file` found inside the roots: the records backstop need not resolve them again
        self._checked_inside: set[str] = set()
        self._inside_folders: set[str] = set()  # folders of checked files that resolve inside the roots
        self.entry_id = self.name  # the recipe entry's id; the engine sets it, and it prefixes row ids
        # source values that map to nothing, per field: {field: {value: count}}; the manifest and card list them
        self.unmapped: dict[str, Counter[str]] = {}
        # where per-item planning work runs (sections of many reports): the engine sets the build's workers' map
        self.planning_map: PlanningMap = serial_map
        try:
            self.options = self.Options(**options)
        except PydanticValidationError as error:
            raise RecipeError(f"{self.name} options: {_options_problem(error, self.Options)}") from None
        if not self.root.is_dir():
            raise LayoutError(self.name, self.root, f"an existing folder; {self.layout}")
        self.find_layout()

    @abstractmethod
    def find_layout(self) -> None:
        """Locate the download's files under `root` (called once by `__init__`); raise `LayoutError` naming
        what was expected, so a wrong root fails before any record is read."""

    @abstractmethod
    def records(self) -> Iterator[RawRecord | Reject]:
        """Yield one RawRecord or Reject per image the source lists, in a deterministic order."""

    @cached_property
    def files(self) -> FileIndex:
        """Every file under the root, indexed once (case-, URL-encoding- and doubled-folder-tolerant lookups)."""
        return FileIndex(self.root)

    def walk_rejects(self, under: Path | None = None, name: Any = None) -> Iterator[Reject]:
        """Rejects for what a walk of the tree (or of the folder `under`) finds but no lookup returns: folders it
        could not enter, hidden entries, and files whose name collides with a kept one (`duplicate_image` naming
        it). `name` turns a path into its published item (default: relative to the root)."""
        def inside(path: Path) -> bool:
            return under is None or path == under or Path(under) in path.parents

        publish = name or (lambda path: printable(path.relative_to(self.root).as_posix()))
        for folder, reason in self.files.unreadable:
            if inside(folder):
                yield self.reject(publish(folder), "source", reason)
        for path in self.files.hidden:
            if inside(path):
                yield self.reject(publish(path), "source", "hidden_file", "hidden name: not read")
        for path, kept in self.files.shadowed:
            if inside(path):
                yield self.reject(publish(path), "source", "duplicate_image", f"same name as {publish(kept)}, kept")

    def record(self, native_id: str, image_path: Path, patient_id: str, **fields: Any) -> RawRecord:
        """A RawRecord of this source (source and modality filled in)."""
        fields.setdefault("modality", self.modality)
        return RawRecord(source=self.name, native_id=native_id, patient_id=patient_id, image_path=image_path, **fields)

    def option_path(self, value: str | Path) -> Path:
        """A file or folder an option names: absolute, or relative to the source root (`../CheXpert-v1.0`)."""
        if storage.is_url(value):
            return storage.location(value)
        if storage.is_remote(self.root):  # a key relative to the root's; `..` steps up a prefix
            protocol, key = self.root.protocol, self.root.path  # type: ignore[attr-defined]  # UPath's own fields
            return storage.location(f"{protocol}://{posixpath.normpath(f'{key}/{value}')}")
        path = Path(value).expanduser()
        found = Path(os.path.normpath(path if path.is_absolute() else self.root / path))
        self._roots.append(os.path.realpath(found))  # the user named it: paths listed under it are inside
        return found

    def note_unmapped(self, field: str, value: str) -> None:
        """Count a value of `field` that the vocabulary does not know, whether the item is kept (as text) or
        rejected, so every such value is listed with its count in the manifest, never only logged."""
        self.unmapped.setdefault(field, Counter())[value] += 1

    def unmapped_label(self, item: str | Path, entry: str, *values: tuple[str, str]) -> Reject:
        """The `unmapped_label` reject of an item whose (field, value) pairs map to nothing; each pair is counted."""
        for field_name, value in values:
            self.note_unmapped(field_name, value)
        named = ", ".join(f"{field_name} {value!r}" for field_name, value in values)
        return self.reject(item, "label", "unmapped_label", f"{entry}: {named}" if entry else named)

    def missing_part(self, present: Path, absent: str, count: int, what: str = "image(s)") -> Reject:
        """One `missing_part` reject for a part of the download whose other half is absent: `present` (a label
        table, or an image folder) lists `count` items, and `absent` (their folder, or their table) is not there.
        A partial download is then seen in the rejects, the manifest and `plan`, never skipped in silence."""
        where = present.relative_to(self.root).as_posix() if present.is_relative_to(self.root) else present.name
        return self.reject(absent, "source", "missing_part", f"{where} lists {count} {what}; {absent} is absent")

    def unread_file(self, path: Path, why: str) -> Reject:
        """One `unread_file` reject naming a file or folder of the download that the adapter does not read."""
        return self.reject(path, "source", "unread_file", why)

    def unread_parts(self, under: Path | None = None) -> Iterator[Reject]:
        """An `unread_file` reject for each file or folder that `unread.yaml` lists for this adapter and the
        download holds (a file name anywhere under the root, or a folder path relative to `under`, default the
        root: the download's own top folder where the root may be its parent)."""
        base = (under or self.root).relative_to(self.root).as_posix()
        for part in layout_spec("unread").get(self.name, []):
            found = self.files.folder(f"{base}/{part['name']}") or self.files.find_name(part["name"])
            if found is not None:
                yield self.unread_file(found, part["why"])

    def reject(self, item: str | Path, stage: str, reason: str, detail: str = "") -> Reject:
        return Reject(source=self.name, item=str(item), stage=stage, reason=reason, detail=detail)

    def locate_image(
        self,
        listed: str,
        under: Path | str | None = None,
        *,
        suffixes: tuple[str, ...] = (),
        entry: str = "",
        anywhere: bool = False,
    ) -> Path | Reject:
        """The file a label table names (`listed`, relative to `under` or the root), or a reject saying why not.

        Found through the file index, so `IM001.jpg` finds `IM001.JPG` and doubled or URL-encoded folders
        resolve; the file must then be a readable, non-empty regular file inside the root (`outside_root`). With
        `suffixes`, `listed` is a stem (a table that names images without their extension) tried with each suffix
        in turn; with `anywhere`, it is a file name looked up anywhere in the tree (downloads that spread images
        over numbered folders). `entry` (the table line) goes into the reject's detail.
        """
        if leaves_root(listed):
            item = printable(PurePosixPath(str(under or "")).joinpath(str(listed)).as_posix())
            detail = f"{entry}: the listed path leaves the source root" if entry else "the listed path leaves the root"
            return self.reject(item, "source", "outside_root", detail)
        if anywhere:
            found = self.files.find_name(listed)
        elif suffixes:
            found = self.files.find_stem(listed, suffixes, under=under)
            listed += suffixes[0]
        else:
            found = self.files.find(listed, under=under)
        if found is not None:
            return self.image_at(found, "", entry)
        folder = cast(Path, under) if storage.is_remote(under) else Path(under or "")
        return self.image_at(None, folder / listed, entry)

    def image_at(self, found: Path | None, listed: str | Path, entry: str = "") -> Path | Reject:
        """`found` (the file an adapter located its own way, None when it found none) once checked, or the reject
        saying why not: `missing_file` naming `listed`, or what `check_image_file` finds wrong with the file
        (`outside_root` when it resolves outside the root)."""
        if found is None:
            return self.reject(listed, "source", "missing_file", entry)
        problem = self.check_image_file(found)
        if problem is not None and entry:
            return Reject(problem.source, problem.item, problem.stage, problem.reason, entry)
        return problem or found

    def locate_file(self, listed: str, under: Path | str | None = None) -> Path | Reject:
        """A non-image file a label table, list or report index names (a report, a mask, a list), or a reject:
        `outside_root` for an absolute or `../` path or one whose resolved target leaves the root, else
        `missing_file`. The image sibling is `locate_image`."""
        item = printable(PurePosixPath(str(under or "")).joinpath(str(listed)).as_posix())
        if leaves_root(listed):
            return self.reject(item, "source", "outside_root", "the listed path leaves the source root")
        found = self.files.find(listed, under=under)
        if found is None:
            return self.reject(item, "source", "missing_file")
        return self.outside_root(found, item) or found

    def roots(self) -> list[str]:
        """Resolved folders a listed path may lead into: the root, folders options name, folder links it walked."""
        walked = self.__dict__.get("files")
        return self._roots + (walked.linked if walked is not None else [])

    def outside_root(self, path: Path, item: str | Path | None = None) -> Reject | None:
        """An `outside_root` reject when `path`, resolved with every symbolic link, is under neither the root nor a
        folder an option names; None when it stays inside. `item` names it in the reject (default: the path)."""
        if inside_roots(path, self.roots(), self._real_folders):
            return None
        return self.reject(item if item is not None else path, "source", "outside_root", "resolves outside the root")

    def check_image_file(self, path: Path) -> Reject | None:
        """A `missing_file`, `broken_link`, `not_a_regular_file`, `empty_file` or `permission_denied` reject for
        `path`, or None when it can be opened.

        Adapters never decode pixels; this only looks at the file system, so a listed image that is not
        there becomes a reject row instead of a crash in a worker. A plain file (no link) costs one `lstat`: its
        type, size and permission bits answer every question, and its folder's resolution is cached.
        """
        if storage.is_remote(path):  # an object store has no links or permission bits: a key, or none
            if not path.is_file():
                return self.reject(path, "source", "missing_file")
            return self.reject(path, "source", "empty_file") if path.stat().st_size == 0 else None
        text = str(path)
        try:
            found = os.lstat(text)
        except OSError:
            found = None
        if found is None or stat.S_ISLNK(found.st_mode):  # absent, unreachable, or a link: follow it step by step
            return self._check_linked_file(path)
        if not self._in_root_folder(text):
            return self.reject(path, "source", "outside_root", "resolves outside the root")
        return self._file_problem(path, found)

    def _in_root_folder(self, path: str) -> bool:
        """True when a file that is no link sits in a folder that resolves inside the roots (each folder is resolved
        once; the roots only grow, so a folder found inside stays inside)."""
        folder, name = os.path.split(path)
        if name in ("", ".", ".."):
            return inside_roots(path, self.roots(), self._real_folders)
        if folder not in self._inside_folders:
            if not inside_roots(folder, self.roots(), self._real_folders):
                return False
            self._inside_folders.add(folder)
        return True

    def _check_linked_file(self, path: Path) -> Reject | None:
        """`check_image_file` for a path that is a symbolic link or could not be looked at."""
        if path.is_symlink() and not path.exists():
            return self.reject(path, "source", "broken_link")
        if outside := self.outside_root(path):
            return outside
        try:
            found = os.stat(path)
        except OSError:
            return self.reject(path, "source", "missing_file")
        return self._file_problem(path, found)

    def _file_problem(self, path: Path, found: os.stat_result) -> Reject | None:
        """What is wrong with a file inside the roots, from its `stat` (followed to the target for a link), or None;
        a good file is remembered for the records backstop."""
        if not stat.S_ISREG(found.st_mode):
            return self.reject(path, "source", "not_a_regular_file")
        if found.st_size == 0:
            return self.reject(path, "source", "empty_file")
        if not _may_read(found) and not os.access(path, os.R_OK):
            return self.reject(path, "source", "permission_denied")
        self._checked_inside.add(str(path))
        return None


def leaves_root(listed: str | Path) -> bool:
    """True when a listed path is absolute (POSIX or Windows) or climbs with `..` above where it is read from."""
    text = str(listed).replace("\\", "/")
    if text.startswith("/") or (text[1:3] == ":/" and re.match(r"^[A-Za-z]:/", text)):
        return True
    return ".." in text and os.path.normpath(text).split("/", 1)[0] == ".."


def _may_read(found: os.stat_result) -> bool:
    """True when the permission bits let this process read the file (root reads any); when they seem not to, the
    caller asks `os.access`, which also knows access-control lists."""
    user = os.geteuid()
    if user == 0:
        return True
    if found.st_uid == user:
        return bool(found.st_mode & stat.S_IRUSR)
    if found.st_gid == os.getegid() or found.st_gid in os.getgroups():
        return bool(found.st_mode & stat.S_IRGRP)
    return bool(found.st_mode & stat.S_IROTH)


def inside_roots(path: Path | str, roots: list[str], real_folders: dict[str, str] | None = None) -> bool:
    """True when `path` resolved (symbolic links followed) lies under one of `roots` (already resolved). A key in an
    object store has no links to follow: the listing it came from is the root's, and `leaves_root` has already
    refused listed paths that climb out of it. `real_folders` caches resolved parent folders across calls."""
    if storage.is_remote(path):
        return True
    try:
        real = _resolved(os.fspath(path), real_folders)
    except (OSError, RuntimeError, ValueError):
        return False
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _resolved(path: str, real_folders: dict[str, str] | None) -> str:
    """`os.path.realpath(path)`, with the parent folder's resolution taken from (and added to) `real_folders`; a
    folder not seen yet is resolved the same way through its own parent (one lstat per new folder, not one per part:
    each MIMIC study is a new folder)."""
    if real_folders is None:
        return os.path.realpath(path)
    folder, name = os.path.split(path)
    if name in ("", ".", ".."):
        return os.path.realpath(path)
    real_folder = real_folders.get(folder)
    if real_folder is None:
        real_folder = real_folders[folder] = _resolved(folder, real_folders)
    target = os.path.join(real_folder, name)
    return os.path.realpath(target) if os.path.islink(target) else target


def _root_guarded(records: Any) -> Any:
    """Wrap an adapter's `records` so no row leaves with an image or related file outside its roots, whichever way
    the adapter built the path: the kit's backstop behind `locate_image` / `check_image_file`."""

    @functools.wraps(records)
    def guarded(self: Source) -> Iterator[RawRecord | Reject]:
        for item in records(self):
            if isinstance(item, RawRecord):
                unchecked = []
                for path in (item.image_path, *item.related_files):
                    try:  # checked once and used once: forgetting it keeps the set as small as the records in flight
                        self._checked_inside.remove(str(path))
                    except KeyError:
                        unchecked.append(path)
                if unchecked and not all(inside_roots(path, self.roots(), self._real_folders) for path in unchecked):
                    item = self.reject(item.published_path or item.native_id, "source", "outside_root",
                                       "the image or a file of it resolves outside the source root")
            yield item

    guarded._root_guarded = True  # type: ignore[attr-defined]
    return guarded


def _options_problem(error: PydanticValidationError, options: type[SourceOptions]) -> str:
    allowed = ", ".join(options.model_fields) or "none"
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "options"
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown option {key!r} (allowed: {allowed})")
        else:
            problems.append(f"option {key!r}: {item['msg']}")
    return "; ".join(problems)


def option_descriptions(options: type[SourceOptions]) -> list[tuple[str, str, str]]:
    """(name, type, description) of each declared option, for `mgll-data sources`."""
    rows = []
    for name, info in options.model_fields.items():
        annotation = getattr(info.annotation, "__name__", None) or str(info.annotation).replace("typing.", "")
        rows.append((name, annotation, info.description or ""))
    return rows
