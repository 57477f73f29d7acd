"""One exception tree for failures a user can cause.

The CLI turns any `MgllError` into one clear message (no traceback) and exit code 2; anything else is
a bug in mgll-data and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class MgllError(Exception):
    """A failure the user can fix: bad recipe, missing folder, wrong layout, unreadable file."""


class RecipeError(MgllError):
    """A recipe (or training config) that does not validate; the message names the key and allowed values."""


class LayoutError(MgllError):
    """A source root that does not look like the public download the adapter expects."""

    def __init__(self, source: str, root: Path | str, expected: str):
        self.source, self.root, self.expected = source, str(root), expected
        super().__init__(f"{source}: {root} does not look like the expected layout: {expected}")


class ValidationError(MgllError):
    """A built folder that breaks the record schema or the output contract."""
