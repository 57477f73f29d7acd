"""Shared test fixtures. Real public samples are read from ../shared/realdata/ (never copied in)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# MGLL_REALDATA points elsewhere for checkouts that do not sit next to shared/ (git worktrees)
REALDATA = Path(os.environ.get("MGLL_REALDATA") or PROJECT_ROOT.parent / "shared" / "realdata")


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real-sample folder; its absence is a broken checkout, so the test fails rather than skips."""
    assert REALDATA.is_dir(), f"expected the real samples at {REALDATA} (../shared/realdata from the project root)"
    return REALDATA
