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

import os
import posixpath
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from mgll_data import storage
from mgll_data.errors import LayoutError, RecipeError
from mgll_data.records import RawRecord, Reject
from mgll_data.sources.files import FileIndex

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
    download. `licence_class` is one of `LICENCE_CLASSES` (credentialed sources are refused by `push`
    without an explicit override). The class attributes are checked when the class is defined.
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
        # `__abstractmethods__` is only set after this hook runs, so look for unimplemented abstract methods here
        if any(getattr(getattr(cls, attr, None), "__isabstractmethod__", False) for attr in dir(cls)):
            return  # an intermediate base (e.g. nlm_tb.NlmTbSource); concrete adapters are checked
        problems = []
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
        self.entry_id = self.name  # the recipe entry's id; the engine sets it, and it prefixes row ids
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

    def record(self, native_id: str, image_path: Path, patient_id: str, **fields: Any) -> RawRecord:
        """A RawRecord of this source (source and modality filled in)."""
        fields.setdefault("modality", self.modality)
        return RawRecord(source=self.name, native_id=native_id, patient_id=patient_id, image_path=image_path, **fields)

    def option_path(self, value: str | Path) -> Path:
        """A file or folder an option names: absolute, or relative to the source root (`../CheXpert-v1.0`)."""
        if storage.is_url(value):
            return storage.location(value)
        if storage.is_remote(self.root):  # a key relative to the root's; `..` steps up a prefix
            return storage.location(f"{self.root.protocol}://{posixpath.normpath(f'{self.root.path}/{value}')}")
        path = Path(value).expanduser()
        return Path(os.path.normpath(path if path.is_absolute() else self.root / path))

    def reject(self, item: str | Path, stage: str, reason: str, detail: str = "") -> Reject:
        return Reject(source=self.name, item=str(item), stage=stage, reason=reason, detail=detail)

    def locate_image(self, listed: str, under: Path | str | None = None) -> Path | Reject:
        """The file a label table names (`listed`, relative to `under` or the root), or a reject saying why not.

        Found through the file index, so `IM001.jpg` finds `IM001.JPG` and doubled or URL-encoded folders
        resolve; the file must then be a readable, non-empty regular file.
        """
        found = self.files.find(listed, under=under)
        if found is None:
            folder = under if storage.is_remote(under) else Path(under or "")
            return self.reject(folder / listed, "source", "missing_file")
        return self.check_image_file(found) or found

    def check_image_file(self, path: Path) -> Reject | None:
        """A `missing_file`, `broken_link`, `not_a_regular_file`, `empty_file` or `permission_denied` reject for
        `path`, or None when it can be opened.

        Adapters never decode pixels; this only looks at the file system, so a listed image that is not
        there becomes a reject row instead of a crash in a worker.
        """
        if storage.is_remote(path):  # an object store has no links or permission bits: a key, or none
            if not path.is_file():
                return self.reject(path, "source", "missing_file")
            return self.reject(path, "source", "empty_file") if path.stat().st_size == 0 else None
        if path.is_symlink() and not path.exists():
            return self.reject(path, "source", "broken_link")
        if not path.is_file():
            return self.reject(path, "source", "not_a_regular_file" if path.exists() else "missing_file")
        if path.stat().st_size == 0:
            return self.reject(path, "source", "empty_file")
        if not os.access(path, os.R_OK):
            return self.reject(path, "source", "permission_denied")
        return None


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
