"""Where a build reads and writes: a local folder, or an object store named by an fsspec URL (`s3://`, `gs://`).

Local paths stay `pathlib.Path` and keep their behaviour and speed. A URL becomes a `upath.UPath`, which offers
the same path API (`/`, `name`, `open`, `glob`, `is_file`, ...) over fsspec, so adapters and the engine walk
both alike; this module holds the few operations whose guarantees differ between the two: listing a tree,
atomic replacement, exclusive creation (the build lock) and opening for the libraries that want a file object.

Credentials and endpoints come from the environment only (the store's own variables, such as AWS_ACCESS_KEY_ID
and AWS_ENDPOINT_URL, or fsspec's `FSSPEC_<PROTOCOL>_<OPTION>`); they are never part of a URL we keep, so they
cannot reach a manifest, a card or a log.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeAlias
from urllib.parse import urlsplit

from mgll_data.errors import MgllError

# A UPath offers the pathlib API (`/`, `relative_to`, `open`, `is_file`, ...), so the code is typed against `Path`;
# where the two differ (links, permissions, `os.path` calls) the code asks `is_remote` first.
AnyPath: TypeAlias = Path
URL = re.compile(r"^(?P<protocol>[A-Za-z][A-Za-z0-9+.-]*)://")
LOCAL_PROTOCOLS = ("file", "local")
# Stores whose writes can be made exclusive (a conditional PUT, If-None-Match: *): the lock needs it.
EXCLUSIVE_CREATE = ("s3", "s3a")


def is_url(text: str | os.PathLike[str]) -> bool:
    """True for `protocol://...` text other than a local file URL (and other than the demo's `demo://`)."""
    match = URL.match(str(text))
    return bool(match) and match["protocol"].casefold() not in (*LOCAL_PROTOCOLS, "demo")


def is_remote(path: Any) -> bool:
    """True for a location in an object store (anything that is not a local `Path` or path text).

    upath (and fsspec behind it) is imported only when a URL is first used, so a local build does not pay for
    it; until then no UPath can exist."""
    upath = sys.modules.get("upath")
    return upath is not None and isinstance(path, upath.UPath) and not isinstance(path, Path)


def location(text: str | os.PathLike[str] | AnyPath) -> AnyPath:
    """A local Path, or a UPath for an fsspec URL; a URL with credentials in it is refused."""
    if is_remote(text) or isinstance(text, Path):
        return text
    text = str(text)
    if not is_url(text):
        return Path(text.removeprefix("file://"))
    parts = urlsplit(text)
    if parts.username or parts.password:
        raise MgllError(
            f"{parts.scheme}://{parts.hostname}{parts.path}: credentials may not be written into a URL; "
            "give them in the environment (for S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
        )
    try:  # the `cloud` extra
        from upath import UPath
    except ImportError:
        raise MgllError(f"{text}: object storage needs the cloud extra: pip install 'mgll-data[cloud]'") from None
    try:
        # No listing cache: shards and completion records are written by other processes (workers, other nodes).
        return UPath(text, use_listings_cache=False)
    except (ImportError, ValueError) as error:
        raise MgllError(f"{text}: no filesystem for this URL ({error}); install its fsspec package") from None


def text_of(path: AnyPath) -> str:
    """The location as a user writes it: a local path or the URL."""
    return str(path)


def walk(root: AnyPath) -> Iterator[tuple[AnyPath, list[str], list[str]]]:
    """(folder, folder names, file names) for every folder under `root`, top down, as `os.walk` gives them.

    An object store is listed in one request per 1000 keys (its folders are the key prefixes)."""
    if not is_remote(root):
        raise TypeError("walk is for object stores; local trees are walked with os.walk")
    base = root.path.rstrip("/")
    children: dict[str, tuple[list[str], list[str]]] = {"": ([], [])}
    for key, info in sorted(root.fs.find(base, withdirs=True, detail=True).items()):
        relative = key.rstrip("/")[len(base) :].strip("/")
        if not relative:
            continue
        parent, _, name = relative.rpartition("/")
        folders, files = children.setdefault(parent, ([], []))
        if info.get("type") == "directory":
            folders.append(name)
            children.setdefault(relative, ([], []))
        else:
            files.append(name)
    pending = [""]
    while pending:
        relative = pending.pop(0)
        folders, files = children.get(relative, ([], []))
        folder = root / relative if relative else root
        yield folder, folders, files
        pending[:0] = [f"{relative}/{name}".strip("/") for name in folders if not name.startswith(".")]


def open_input(path: AnyPath) -> IO[bytes]:
    """A binary file object for readers that take one and not a URL (pandas, tarfile)."""
    return path.open("rb")


def arrow_source(path: AnyPath) -> Path | IO[bytes]:
    """What pyarrow reads: a local path as it is (memory-mapped, fastest), an object as a file object."""
    return path.open("rb") if is_remote(path) else path


@contextmanager
def local_copy(path: AnyPath) -> Iterator[Path]:
    """A local file with the content of `path` (itself when it is local), for decoders that need a file name;
    a copy is deleted when the block ends. A missing object stays missing (the caller's reject names it)."""
    if not is_remote(path):
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="mgll-fetch-") as folder:
        local = Path(folder) / path.name
        if path.is_file():
            with path.open("rb") as source, local.open("wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        yield local


def replace(source: AnyPath, target: AnyPath) -> None:
    """Give `source` the name `target`. On a local disk a rename (atomic); in an object store a server-side copy
    (the target key appears whole or not at all) and a delete."""
    if is_remote(target):
        target.fs.mv(source.path, target.path)
    else:
        os.replace(source, target)


def remove_tree(folder: AnyPath) -> None:
    """Delete a folder and everything under it; nothing when it does not exist."""
    if is_remote(folder):
        if folder.exists():
            folder.fs.rm(folder.path, recursive=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def create_exclusive(path: AnyPath, data: bytes) -> bool:
    """Create `path` holding `data` only if nothing is there: True when created, False when it already exists.

    In an object store this is a conditional PUT (If-None-Match); a store that cannot make a write exclusive
    is refused, since a build lock it pretended to hold would let two builds delete each other's shards."""
    if not is_remote(path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return True
    if path.protocol not in EXCLUSIVE_CREATE:
        raise MgllError(
            f"{path}: this store ({path.protocol}://) cannot create a file exclusively, so a build cannot lock its "
            f"output there; write the output to {' or '.join(p + '://' for p in EXCLUSIVE_CREATE)} or a local folder"
        )
    try:
        path.fs.pipe_file(path.path, data, mode="create")
    except FileExistsError:
        return False
    path.fs.invalidate_cache(path.path)
    return True
