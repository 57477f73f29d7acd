"""Builders for small DICOM files written to tmp_path, so each pixel step can be checked by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom.dataset import Dataset
from trees.images import build_dicom as _build_dicom

from mgll_data.images import ImagePolicy


@pytest.fixture
def unscaled() -> ImagePolicy:
    """A policy for pixel-exact checks: no resize, no padding."""
    return ImagePolicy(size=None, geometry="none")


@pytest.fixture
def build_dicom() -> Callable[..., Dataset]:
    """build_dicom(pixels, photometric=..., bits_stored=..., frames=..., **elements) -> Dataset."""
    return _build_dicom


@pytest.fixture
def write_dicom(tmp_path: Path) -> Callable[..., Path]:
    """write_dicom(pixels, **elements) -> path of a .dcm file in tmp_path."""
    counter = iter(range(10**6))

    def write(pixels: np.ndarray, **kwargs: Any) -> Path:
        path = tmp_path / f"constructed_{next(counter)}.dcm"
        _build_dicom(pixels, **kwargs).save_as(path, enforce_file_format=True)
        return path

    return write


@pytest.fixture
def stored() -> Callable[..., np.ndarray]:
    """stored(processed) -> the decoded pixels of a ProcessedImage."""
    import io

    from PIL import Image

    def decode(processed: Any) -> np.ndarray:
        with Image.open(io.BytesIO(processed.data)) as image:
            return np.asarray(image)

    return decode
