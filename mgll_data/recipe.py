"""The build recipe: which sources to read and how to turn them into one dataset. The YAML users write.

Paths in a recipe are relative to the recipe file, so a recipe and its data can move together. A root
written `demo://<name>` points at a bundled demo tree. Every model forbids unknown keys, so a typo is an
error naming the key and the keys allowed there, never a silently ignored setting.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from mgll_data import storage
from mgll_data.config_io import JsonObject, load_config, parse_config
from mgll_data.images.policy import ImagePolicy
from mgll_data.published import DEMO_SCHEME, portable_root
from mgll_data.text.policy import TextPolicy

# Adapter options holding secrets (folder's patient_salt): the manifest records their hash ("sha256:..."), never
# the value; a value already in that form (a recipe read back from a manifest) is kept.
SECRET_OPTION_SUFFIX = "_salt"


def is_synthetic_root(root: str) -> bool:
    """A demo:// root is a tree mgll-data draws (images) and writes (reports) itself in a public dataset's
    layout: its rows are synthetic, not that dataset's data, so they are flagged, cite nothing and carry
    none of its licence terms."""
    return root.startswith(DEMO_SCHEME)


class SourceEntry(BaseModel):
    """One source entry: an adapter name, where its download lives, and options for the adapter.

    One adapter may be listed several times (two `folder` trees, RFMiD 1.0 beside 2.0); each entry's `id`
    (default: the adapter name) prefixes its row ids and names it in the manifest and card, so ids must differ.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="adapter name, as listed by `mgll-data sources`")
    id: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="entry id, unique in the recipe; prefixes row ids (default: the adapter name)",
    )
    root: str = Field(
        description="folder of the download, relative to the recipe file, an fsspec URL (s3://...), or demo://<name>"
    )
    options: JsonObject = Field(default_factory=dict, description="adapter options (see `mgll-data sources`)")
    split: Literal["official", "policy"] | None = Field(
        None,
        description="official: keep the source's own split; policy: re-split by patient; unset: split.keep_official",
    )
    unlabelled: Literal["reject", "keep"] = Field(
        "reject",
        description=(
            "images the source lists without any label, keyword or report: reject (default) or keep for "
            "self-supervised use (marked attributes.unlabelled, texts may be empty)"
        ),
    )

    @property
    def entry_id(self) -> str:
        return self.id or self.name


class OutputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dir: str = Field(description="output folder, relative to the recipe file (`--out` overrides it)")
    shard_size: int = Field(1000, ge=1, description="rows per Parquet shard; also bounds a worker's task size")
    row_group_size: int = Field(100, ge=1, description="rows per Parquet row group; bounds rows held in memory")


class SplitPolicy(BaseModel):
    """Patient-grouped fractions for records without an official split."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    train: float = Field(0.8, ge=0, le=1)
    validation: float = Field(0.1, ge=0, le=1)
    test: float = Field(0.1, ge=0, le=1)
    keep_official: bool = Field(True, description="keep a source's official split where a record has one")

    @model_validator(mode="after")
    def _fractions_sum_to_one(self) -> SplitPolicy:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + validation + test must sum to 1, got {total:g}")
        return self

    def fractions(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}


class Recipe(BaseModel):
    """A whole build: sources in, one Hub-ready dataset folder out."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="dataset name, used in the dataset card")
    description: str | None = None
    sources: list[SourceEntry] = Field(min_length=1)
    output: OutputSpec
    image: ImagePolicy = Field(default_factory=ImagePolicy)
    text: TextPolicy = Field(default_factory=TextPolicy)
    split: SplitPolicy = Field(default_factory=SplitPolicy)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _origin: str = PrivateAttr("recipe")

    @model_validator(mode="after")
    def _unique_entry_ids(self) -> Recipe:
        ids = [s.entry_id for s in self.sources]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(
                f"source entry ids must be unique; repeated: {', '.join(repeated)} "
                "(give each entry of the same adapter its own `id:`)"
            )
        return self

    @property
    def origin(self) -> str:
        """Where the recipe came from (its file), for error messages."""
        return self._origin

    def located(self, base_dir: Path | str, origin: str) -> Recipe:
        """Attach the folder relative paths resolve against and the name error messages use."""
        self._base_dir, self._origin = Path(base_dir).resolve(), origin
        return self

    def resolve_root(self, source: SourceEntry) -> storage.AnyPath:
        """Absolute root of a source (an object store URL as it is); `demo://<name>` asks the bundled demo data
        for its tree."""
        if source.root.startswith(DEMO_SCHEME):
            from mgll_data.demo import resolve_demo_root

            return Path(resolve_demo_root(source.root[len(DEMO_SCHEME) :]))
        if storage.is_url(source.root):
            return storage.location(source.root)
        return (self._base_dir / Path(source.root).expanduser()).resolve()

    def output_dir(self, override: Path | str | None = None) -> storage.AnyPath:
        """`--out` (relative to the working folder) wins over `output.dir` (relative to the recipe); either may be
        an object store URL."""
        chosen = self.output.dir if override is None else override
        if storage.is_url(chosen):
            return storage.location(chosen)
        if override is not None:
            return Path(override).expanduser().resolve()
        return (self._base_dir / Path(self.output.dir).expanduser()).resolve()

    def keeps_official_split(self, source: SourceEntry) -> bool:
        return source.split == "official" if source.split else self.split.keep_official

    def as_json(self) -> JsonObject:
        """The validated recipe with defaults filled in, as written in the manifest: published, so absolute roots
        are shortened and secret options (`*_salt`) appear as their hash."""
        data = self.model_dump(mode="json")
        for source in data["sources"]:
            source["root"] = portable_root(source["root"], source.get("id") or source["name"])
            for key, value in source["options"].items():
                if key.endswith(SECRET_OPTION_SUFFIX) and isinstance(value, str) and not value.startswith("sha256:"):
                    source["options"][key] = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
        return data

    def content_hash(self) -> str:
        """Hash of everything that shapes the shards; name, description and output folder are not part of it."""
        content = self.as_json()
        for key in ("name", "description"):
            content.pop(key)
        content["output"].pop("dir")
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def load_recipe(path: Path | str) -> Recipe:
    """Read and validate a recipe file; relative paths in it resolve against its folder."""
    path = Path(path)
    return load_config(path, Recipe).located(path.resolve().parent, str(path))


def parse_recipe(data: JsonObject, base_dir: Path | str, origin: str = "recipe") -> Recipe:
    """Validate an in-memory recipe (tests, notebooks); `origin` names it in error messages."""
    return parse_config(data, Recipe, origin).located(base_dir, origin)
