"""Builders for small DICOM files written to tmp_path, so each pixel step can be checked by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from mgll_data.images import ImagePolicy


def _build_dicom(
    pixels: np.ndarray,
    photometric: str = "MONOCHROME2",
    bits_stored: int | None = None,
    frames: int = 1,
    **elements: Any,
) -> Dataset:
    """A Secondary Capture data set holding `pixels` (frames stacked first when frames > 1)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = "OT"
    color = pixels.ndim == (4 if frames > 1 else 3)
    ds.Rows, ds.Columns = pixels.shape[-3:-1] if color else pixels.shape[-2:]
    ds.SamplesPerPixel = 3 if color else 1
    if color:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    if frames > 1:
        ds.NumberOfFrames = frames
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    return ds


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
