"""Fixtures for build tests (the fixture adapter and tree writers live in build_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_fixtures import patient_rows, write_tree


@pytest.fixture
def fundus_tree(tmp_path) -> Path:
    """Ten patients with two eyes each; one shard of four rows per task at the fixture recipe's shard size."""
    return write_tree(tmp_path / "fundus", patient_rows(patients=10, images_per_patient=2))
