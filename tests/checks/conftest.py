"""Fixtures shared with the other output-folder tests (see tests/export/output_fixture.py)."""

from export.output_fixture import output_dir  # noqa: F401  (a pytest fixture, used by name)
