"""Tiny real image files for fixture trees (decodable, distinct per seed, a few hundred bytes), and DICOM data sets."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid


def write_image(path: Path, seed: int, size: tuple[int, int] = (16, 12), mode: str = "RGB") -> Path:
    """A random image at `path` in the format its suffix names (PNG, JPEG, TIFF ...).

    The pixels depend on the seed and the file name, so two trees that number their files alike still hold
    different pictures (a mixed build would otherwise drop them as cross-source duplicates)."""
    rng = np.random.default_rng([seed, seed_of(path.name) % 2**32])
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(path)
    return path


def seed_of(key: str) -> int:
    """A stable seed from a text key, so builders need not number their files by hand."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def write_named_image(path: Path, key: str | None = None) -> Path:
    """A random image seeded by `key` alone (default: the path): every file differs unless two share a key on
    purpose (RIM-ONE DL's two partitions hold the same pictures, under the same file names)."""
    rng = np.random.default_rng(seed_of(key or path.as_posix()))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8), "RGB").save(path)
    return path


def write_mask(path: Path, pixels: np.ndarray) -> Path:
    """A label mask (2-D uint8 array) in the format the suffix names (REFUGE .bmp, ORIGA .png)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def disc_cup_grey(height: int = 40, width: int = 50, cup_rows: int = 12) -> np.ndarray:
    """REFUGE-style disc/cup mask: white background, grey (128) disc over rows 10..29, black cup over `cup_rows`
    rows from row 14, so the vertical cup-to-disc ratio is cup_rows / 20 while the cup stays inside the disc."""
    mask = np.full((height, width), 255, np.uint8)
    mask[10:30, 20:30] = 128
    mask[14 : 14 + cup_rows, 22:28] = 0
    return mask


def placeholder(path: Path) -> Path:
    """A non-empty file that is not an image: for trees of thousands of listed files where only `records()` runs
    (adapters check that a file exists and is not empty, never decode it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not decoded")
    return path
def build_dicom(
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
