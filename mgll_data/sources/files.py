"""Finding files the way downloads really name them.

Label tables and folders disagree in small ways that break exact lookups: `IM001.jpg` listed while the disk
holds `IM001.JPG`; an archive extracted into `Training_Set/Training_Set/`; an outer folder kept with its
URL encoding (`A.%20Segmentation/`). `FileIndex` walks a tree once and answers lookups under one normal form
(URL-decoded, case-folded, doubled folders collapsed), so an adapter never pays one `stat` per listed row on
a 100k-file tree and never writes its own case or path juggling.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from mgll_data import storage
from mgll_data.published import printable

__all__ = ["FileIndex", "path_key", "printable"]


def path_key(relative: str | PurePosixPath) -> tuple[str, ...]:
    """The normal form of a relative path: parts URL-decoded and case-folded, a part repeated at once collapsed."""
    parts: list[str] = []
    for part in PurePosixPath(str(relative).replace("\\", "/")).parts:
        if part in ("", "."):
            continue
        key = unquote(part).strip().casefold()
        if not parts or parts[-1] != key:
            parts.append(key)
    return tuple(parts)


def name_key(name: str) -> tuple[str, ...]:
    """`path_key` of one file name, without building a path when the name holds no separator (the usual case)."""
    if "/" in name or "\\" in name or name in ("", "."):
        return path_key(name)
    return (unquote(name).strip().casefold(),)


def _join(head: tuple[str, ...], tail: tuple[str, ...]) -> tuple[str, ...]:
    """Concatenate two normal forms, collapsing a part repeated across the joint (each is collapsed within)."""
    return head + tail[1:] if head and tail and head[-1] == tail[0] else head + tail


# A file as its folder's number in `FileIndex._folder_paths` and its name: a tuple of an int and a str, which the
# garbage collector stops tracking, where a 100k-file tree's tuples holding paths would be scanned at every pass
_Entry = tuple[int, str]


class FileIndex:
    """Every regular file (and folder) under `root`, found by normalised relative path, name or stem.

    Hidden entries (names starting with a dot) are skipped; symbolic links to files are listed as files (dangling
    or looping ones too, so the adapter can reject them); linked folders are followed once (a loop is recorded in
    `unreadable`, as is a folder the walk may not enter).
    Lookups return the real path on disk. Ambiguous names (the same file name in two folders) are resolved by
    the folder the caller names (`under=`); a bare name that is ambiguous returns None from `find_name`.
    """

    def __init__(self, root: Path | str | storage.AnyPath):
        self.root = storage.location(root)
        # Files are kept as (folder, name) and made paths only when a lookup returns one: a 100k-file tree then
        # costs no parsed path object per file
        self._by_key: dict[tuple[str, ...], _Entry] = {}
        self._folders: dict[tuple[str, ...], Path] = {(): self.root}
        self._folder_paths: list[Path] = []
        self._by_name: dict[str, _Entry] = {}  # case-folded name -> its first file
        self._name_repeats: dict[str, list[_Entry]] = {}  # names held by several files -> all of them, walk order
        self._prefixes: dict[str, tuple[str, ...]] = {}  # `under=` folder -> its normal form, computed once
        # Folders the walk could not enter, with why: adapters turn them into rejects instead of losing them.
        self.unreadable: list[tuple[Path, str]] = []
        # Resolved targets of folder links the walk followed: a folder link is how a user assembles a root across
        # disks, so files under it count as inside the root (a linked *file* leading out does not).
        self.linked: list[str] = []
        # Entries no lookup returns, kept so walking adapters list them as rejects instead of losing them: hidden
        # names (`.DS_Store`, `._a.png`, `.git/`), and files whose normal form another file already took
        # (`A.png` beside `a.png`, `a b.png` beside `a%20b.png`, `x/x/a.png` beside `x/a.png`) with the kept one.
        self.hidden: list[Path] = []
        self.shadowed: list[tuple[Path, Path]] = []
        if storage.is_remote(self.root):  # an object store: one listing of its keys, no links to follow
            for folder, _, filenames in storage.walk(self.root):
                self._add(folder, filenames)
            return
        visited = {os.path.realpath(self.root)}
        for walked, dirnames, filenames in os.walk(self.root, onerror=self._unreadable, followlinks=True):
            kept = []
            self.hidden.extend(Path(walked, d) for d in sorted(dirnames) if d.startswith("."))
            for name in sorted(d for d in dirnames if not d.startswith(".")):
                real = os.path.realpath(os.path.join(walked, name))
                if real in visited:  # a linked folder seen already: a loop, or the same tree linked twice
                    self.unreadable.append((Path(walked, name), "symlink_loop"))
                    continue
                visited.add(real)
                kept.append(name)
                if os.path.islink(os.path.join(walked, name)):
                    self.linked.append(real)
            dirnames[:] = kept
            self._add(Path(walked), filenames)

    def _path(self, entry: _Entry) -> Path:
        """The path a lookup returns for a file kept as (folder number, name)."""
        return self._folder_paths[entry[0]] / entry[1]

    def _add(self, here: storage.AnyPath, filenames: list[str]) -> None:
        """Index the files of one folder; hidden names and names another file's normal form took are kept aside."""
        base = path_key(here.relative_to(self.root).as_posix())
        self._folders.setdefault(base, here)
        self._folder_paths.append(here)
        number = len(self._folder_paths) - 1
        for name in sorted(filenames):
            path = (number, name)
            if name.startswith("."):
                self.hidden.append(self._path(path))
                continue
            kept_path = self._by_key.setdefault(_join(base, name_key(name)), path)
            if kept_path is not path:
                self.shadowed.append((self._path(path), self._path(kept_path)))
            first = self._by_name.setdefault(name.casefold(), path)
            if first is not path:
                self._name_repeats.setdefault(name.casefold(), [first]).append(path)

    def _unreadable(self, error: OSError) -> None:
        reason = "permission_denied" if isinstance(error, PermissionError) else "unreadable_folder"
        self.unreadable.append((Path(str(error.filename)), reason))

    def __len__(self) -> int:
        return len(self._by_key)

    def folder(self, *candidates: str) -> Path | None:
        """The first of `candidates` (relative folder paths) that exists, matched in normal form."""
        for candidate in candidates:
            found = self._folders.get(path_key(candidate))
            if found is not None:
                return found
        return None

    def find(self, listed: str, under: Path | str | None = None) -> Path | None:
        """The file `listed` names, relative to `under` (a folder inside the root, or absolute under it)."""
        prefix: tuple[str, ...] = ()
        if under is not None:
            prefix = self._prefixes.get(str(under))  # type: ignore[assignment]
            if prefix is None:
                try:
                    prefix = self._prefixes[str(under)] = path_key(self._relative(under))
                except ValueError:
                    return None
        found = self._by_key.get(_join(prefix, name_key(listed)))
        return None if found is None else self._path(found)

    def _relative(self, folder: Path | str | storage.AnyPath) -> str:
        """`folder` relative to the root (a ValueError when it is outside); relative text is taken as it is."""
        if storage.is_remote(folder):
            return str(folder.relative_to(self.root).as_posix())  # type: ignore[union-attr]
        folder = Path(folder)
        return (folder.relative_to(self.root) if folder.is_absolute() else folder).as_posix()

    def find_name(self, name: str) -> Path | None:
        """The one file called `name` anywhere in the tree (case-insensitive); None if absent or ambiguous."""
        key = name.casefold()
        found = self._by_name.get(key)
        return None if found is None or key in self._name_repeats else self._path(found)

    def find_all(self, name: str) -> list[Path]:
        """Every file called `name` anywhere in the tree (case-insensitive), in walk order."""
        key = name.casefold()
        entries = self._name_repeats.get(key) or ([self._by_name[key]] if key in self._by_name else [])
        return [self._path(entry) for entry in entries]

    def find_stem(self, stem: str, suffixes: tuple[str, ...], under: Path | str | None = None) -> Path | None:
        """A file `<stem><suffix>` for the first suffix that exists (labels that list ids without an extension)."""
        for suffix in suffixes:
            found = self.find(f"{stem}{suffix}", under=under)
            if found is not None:
                return found
        return None

    def files_under(self, folder: Path | str, suffixes: tuple[str, ...] = ()) -> list[Path]:
        """Files inside `folder` (recursively), sorted by relative path; only `suffixes` (case-insensitive) if given."""
        prefix = path_key(self._relative(folder))
        wanted = tuple(s.casefold() for s in suffixes)
        found = [
            self._path(entry)
            for key, entry in self._by_key.items()
            if key[: len(prefix)] == prefix and (not wanted or entry[1].casefold().endswith(wanted))
        ]
        return sorted(found, key=lambda p: p.relative_to(self.root).as_posix())
