"""Bombs are measured before they are decoded (second fault matrix, class 3): a deflated DICOM is inflated by
counting under a cap tied to image.max_pixels, and a JPEG 2000 frame whose codestream declares another size than
the DICOM header is refused before the decoder allocates it."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.uid import DeflatedExplicitVRLittleEndian, JPEG2000Lossless
from trees.images import build_dicom

from mgll_data.images import ImagePolicy, process_image
from mgll_data.images.rejects import ImageRejected


def _deflated(path: Path, padding: int) -> Path:
    ds = build_dicom(np.full((8, 8), 100, dtype=np.uint16))
    if padding:
        ds.add_new(0x00091010, "LO", "MGLL TEST")
        ds.add_new(0x00091011, "OB", bytes(padding))  # zeros: deflates to almost nothing
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    return path


def test_a_deflated_dicom_inflating_past_its_cap_is_too_large_before_parsing(tmp_path: Path) -> None:
    policy = ImagePolicy(size=32, max_pixels=1000)
    path = _deflated(tmp_path / "bomb.dcm", 18_000_000)
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageRejected) as caught:
        process_image(path, "cxr", policy)
    assert caught.value.reason == "too_large" and "inflates past" in caught.value.detail


def test_a_small_deflated_dicom_still_decodes(tmp_path: Path) -> None:
    processed = process_image(_deflated(tmp_path / "fine.dcm", 0), "cxr", ImagePolicy(size=32, max_pixels=1000))
    assert processed.width == 32


def _j2k_frame(width: int, height: int, declared: tuple[int, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width), 90, dtype=np.uint8)).save(buffer, "JPEG2000", irreversible=False)
    data = bytearray(buffer.getvalue())
    if declared is not None:
        start = data.find(b"\xff\x4f\xff\x51")
        struct.pack_into(">2I", data, start + 8, *declared)
    return bytes(data)


def _j2k_dicom(path: Path, frame: bytes) -> Path:
    ds = build_dicom(np.zeros((16, 16), dtype=np.uint8))
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_a_jpeg2000_frame_larger_than_its_header_never_reaches_the_decoder(tmp_path: Path) -> None:
    path = _j2k_dicom(tmp_path / "j2k_bomb.dcm", _j2k_frame(16, 16, declared=(12000, 12000)))
    with pytest.raises(ImageRejected) as caught:
        process_image(path, "cxr", ImagePolicy(size=32))
    assert caught.value.reason == "malformed" and "12000 x 12000" in caught.value.detail


def test_a_jpeg2000_frame_matching_its_header_decodes(tmp_path: Path) -> None:
    processed = process_image(_j2k_dicom(tmp_path / "j2k.dcm", _j2k_frame(16, 16)), "cxr", ImagePolicy(size=32))
    assert processed.width == 32
