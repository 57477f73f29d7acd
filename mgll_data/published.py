"""The one place that makes a path publishable: relative to its source root, identifiers hashed, roots by entry id.

Row ids, provenance (`image_file`, `related_files`) and reject items all leave the build machine in the shards and
the manifest, so every path is turned into its published form here: never an absolute path of the builder, never a
folder name of a local root, never a path part holding the image's own patient name, id, accession number or a
date (the rules are data: mgll_data/data/identifiers.yaml).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path, PurePosixPath

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml
from mgll_data.storage import is_remote, is_url

DEMO_SCHEME = "demo://"
PUBLISHED_ROOT = re.compile(r"^<[a-z0-9+.-]+>/")


def printable(text: str) -> str:
    """A file name as valid UTF-8: bytes that are not (a latin-1 name on a UTF-8 system) become \\xNN escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@cache
def identifier_rules() -> JsonObject:
    return read_data_yaml("mgll_data", "data/identifiers.yaml")


def pseudonym(value: str, salt: str, prefix: str) -> str:
    """A stable, salted stand-in for an identifier: without the salt it cannot be recomputed from a guess."""
    digest = hashlib.sha256(f"{salt}\x00{prefix}\x00{value}".encode("utf-8", "surrogateescape")).hexdigest()
    return f"{prefix}{digest[:16]}"


def _tokens(text: str) -> set[str]:
    return {token for token in re.split(r"[^0-9a-z]+", text.casefold()) if token}


def identifier_tokens(identity: Mapping[str, str]) -> set[str]:
    """The casefolded values (and PatientName parts, and dates in ISO spelling) a path part must not contain."""
    minimum = int(identifier_rules()["min_name_part"])
    found: set[str] = set()
    for keyword, value in identity.items():
        value = str(value).strip()
        if not value:
            continue
        found.add(value.casefold())
        if keyword == "PatientName":
            found |= {part for part in _tokens(value.replace("^", " ")) if len(part) >= minimum}
        if re.fullmatch(r"\d{8}", value):  # a DICOM date: also its ISO spelling
            found.add(f"{value[:4]}-{value[4:6]}-{value[6:]}")
    return found


def is_identifier(part: str, known: set[str]) -> bool:
    """True when a path part (without its suffix) is, or contains as a word, a known value, or matches a pattern."""
    folded = part.casefold()
    if folded in known or _tokens(part) & known:
        return True
    return any(re.search(pattern, part) for pattern in identifier_rules()["patterns"])


def hash_identifiers(relative: str, identity: Mapping[str, str] | set[str], salt: str) -> str:
    """`relative` with each identifier part replaced by a salted hash (a file keeps its suffix). `identity` is the
    image's DICOM identity, or tokens already gathered with `identifier_tokens` (a whole tree's)."""
    known = identity if isinstance(identity, set) else identifier_tokens(identity)
    parts = list(PurePosixPath(printable(relative)).parts)
    for i, part in enumerate(parts):
        stem, suffix = (Path(part).stem, Path(part).suffix) if i == len(parts) - 1 else (part, "")
        if is_identifier(stem, known):
            parts[i] = pseudonym(stem, salt, "h")[:11] + suffix
    return "/".join(parts)


def path_in_source(path: Path | str, root: str) -> str:
    """A file as named inside the download, never with the builder's local folders (outputs get published).

    Symbolic links are not followed (a looping or dangling link still has a name), and undecodable bytes in
    a name are escaped, so any path the walk saw can be written to Parquet.
    """
    if is_remote(path) or is_url(root):  # an object store: the key below the root's URL
        text, base = str(path), str(root).rstrip("/") + "/"
        if text.startswith(base):
            return printable(text[len(base) :])
        return printable(text.rpartition("/")[2] if is_url(text) else text)  # relative text stays as it is
    path = Path(path)
    if not path.is_absolute():
        return printable(path.as_posix())
    for base in (Path(os.path.abspath(root)), Path(root)):
        try:
            return printable(Path(os.path.abspath(path)).relative_to(base).as_posix())
        except ValueError:
            continue
    try:
        return printable(path.resolve().relative_to(Path(root).resolve()).as_posix())
    except (ValueError, OSError, RuntimeError):  # outside the root, or a symlink loop (RuntimeError before 3.13)
        return printable(path.name)


def published_item(path: Path | str, root: str, published: str | None = None) -> str:
    """How a record's file is named in rows and rejects: the adapter's published form (identifiers hashed) when it
    set one, else the path relative to the root."""
    return published or path_in_source(path, root)


def relative_text(text: str, root: str) -> str:
    """`text` (a reject detail, a decoder message) with the source root's absolute path taken out of it."""
    if is_url(root):
        return text.replace(str(root).rstrip("/") + "/", "")
    for prefix in {str(Path(root)), str(Path(root).resolve())}:
        text = text.replace(prefix + os.sep, "")
    return text


def portable_root(root: str, entry_id: str) -> str:
    """A root as it may be published: a demo:// root as written, any other by its recipe entry id (`<local>/odir`,
    `<s3>/odir` for a bucket), since a folder's or bucket's own name may carry an identifier (`MRN7734219_DOE/`)."""
    if root.startswith(DEMO_SCHEME) or PUBLISHED_ROOT.match(root):  # already published (a manifest read back)
        return root
    return f"<{root.partition('://')[0]}>/{entry_id}" if is_url(root) else f"<local>/{entry_id}"
