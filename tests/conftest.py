"""Shared test fixtures. Real public samples are read from ../shared/ (never copied in).

Tests that read ../shared/realdata or ../shared/reference use the `realdata` / `shared_reference` fixtures and
are marked `realdata` automatically. A plain clone has no ../shared: those tests then skip with a reason saying
where the samples come from, unless MGLL_REQUIRE_REALDATA=1 (set by .ci/run), where a missing folder fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
# MGLL_REALDATA points elsewhere for checkouts that do not sit next to shared/ (git worktrees)
REALDATA = Path(os.environ.get("MGLL_REALDATA") or SHARED / "realdata")
SHARED_FIXTURES = ("realdata", "shared_reference")


def _shared_folder(folder: Path) -> Path:
    if folder.is_dir():
        return folder
    message = (
        f"real public samples expected at {folder} (the team's shared/ folder checked out beside the project; "
        "see shared/realdata/README.md for where each file comes from)"
    )
    if os.environ.get("MGLL_REQUIRE_REALDATA") == "1":
        pytest.fail(f"MGLL_REQUIRE_REALDATA=1 but {message}")
    pytest.skip(f"no ../shared beside this clone: {message}")


@pytest.fixture(scope="session")
def realdata() -> Path:
    """../shared/realdata: real public sample files (label tables, images, DICOM, reports)."""
    return _shared_folder(REALDATA)


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference: reference tables (label vocabularies of other codebases, layouts)."""
    return _shared_folder(SHARED / "reference")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "realdata: reads the real public samples in ../shared (skips without them)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SHARED_FIXTURES):
            item.add_marker(pytest.mark.realdata)
