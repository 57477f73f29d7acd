"""Resource guards read from file headers, before any pixel is decoded.

A small file can decode to gigabytes (a deflated DICOM of zeros, a PNG of one colour): the decoded size
is known from the header (DICOM Rows x Columns x frames, a picture's width x height x frames), so an
image over the recipe's `image.max_pixels` is rejected before its pixels exist in memory.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pydicom
from PIL import Image, UnidentifiedImageError
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.filereader import _read_file_meta_info, read_preamble
from pydicom.uid import DeflatedExplicitVRLittleEndian

from mgll_data.images.rejects import ImageRejected, RejectReason

DICOM_SIZE_TAGS = ("Rows", "Columns", "NumberOfFrames")
# Bytes a data set may inflate to per admitted pixel (16-bit RGB is 6), plus room for the non-pixel elements
INFLATED_BYTES_PER_PIXEL = 6
INFLATED_HEADER_BYTES = 16 << 20
# JPEG 2000 codestream start: SOC then SIZ; SIZ holds Xsiz, Ysiz, XOsiz, YOsiz after Lsiz and Rsiz
J2K_SIZ = b"\xff\x4f\xff\x51"
J2K_HEAD = 4096  # a JP2 wrapper puts its boxes before the codestream; they are short


def decoded_pixels(path: Path, dicom: bool) -> int | None:
    """Pixels (width x height x frames) the file decodes to, from its header; None when the header says nothing
    usable (the decoder then rejects the file with its own reason)."""
    if dicom:
        try:
            ds = pydicom.dcmread(path, force=True, stop_before_pixels=True, specific_tags=list(DICOM_SIZE_TAGS))
            return int(ds.get("Rows") or 0) * int(ds.get("Columns") or 0) * int(ds.get("NumberOfFrames") or 1)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, EOFError):
            return None
    # Pillow's own bomb check would raise before the size is known; this limit is the recipe's, so it is lifted
    # for the header read only (Image.open parses the header, it decodes nothing).
    bomb_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(path) as image:
            return image.width * image.height * int(getattr(image, "n_frames", 1) or 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = bomb_limit


def check_inflated_size(path: Path, max_pixels: int) -> None:
    """Raise `too_large` when a deflated DICOM data set inflates past what `max_pixels` admits, counted while
    streaming (pydicom would inflate it whole in memory, before any header could be read)."""
    limit = max_pixels * INFLATED_BYTES_PER_PIXEL + INFLATED_HEADER_BYTES
    try:
        with open(path, "rb") as handle:
            read_preamble(handle, force=True)
            meta = _read_file_meta_info(handle)
            if meta.get("TransferSyntaxUID") != DeflatedExplicitVRLittleEndian:
                return
            inflater, total = zlib.decompressobj(-zlib.MAX_WBITS), 0
            while chunk := handle.read(1 << 20):
                total += len(inflater.decompress(chunk, limit + 1 - total))
                while inflater.unconsumed_tail and total <= limit:
                    total += len(inflater.decompress(inflater.unconsumed_tail, limit + 1 - total))
                if total > limit:
                    raise ImageRejected(
                        RejectReason.TOO_LARGE, f"{path}: the deflated data set inflates past {limit:,} bytes"
                    )
    except (OSError, ValueError, TypeError, KeyError, AttributeError, EOFError, zlib.error):
        return  # not a readable deflated file: the decoder rejects it with its own reason


def check_frame_sizes(ds: Dataset, path: Path) -> None:
    """Raise `malformed` when a JPEG 2000 frame's codestream declares a size other than the header's Rows x
    Columns (a 16 x 16 header over a 12000 x 12000 frame would reach the decoder's allocation)."""
    if not ds.file_meta.TransferSyntaxUID.is_encapsulated or "PixelData" not in ds:
        return
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    frames = int(ds.get("NumberOfFrames") or 1)
    for number, frame in enumerate(generate_frames(ds.PixelData, number_of_frames=frames), start=1):
        start = frame.find(J2K_SIZ, 0, J2K_HEAD)
        if start < 0 or len(frame) < start + 24:
            continue  # not JPEG 2000 (other codecs' frames are checked by their decoders)
        x, y, x_offset, y_offset = struct.unpack(">4I", frame[start + 8 : start + 24])
        width, height = x - x_offset, y - y_offset
        if (width, height) != (columns, rows):
            raise ImageRejected(
                RejectReason.MALFORMED,
                f"{path}: frame {number} codestream is {width} x {height}, the header says {columns} x {rows}",
            )


def check_decoded_size(path: Path, dicom: bool, max_pixels: int) -> None:
    """Raise `too_large` when the header promises more than `max_pixels` decoded pixels (a deflated DICOM is first
    inflated by counting, with a cap)."""
    if dicom:
        check_inflated_size(path, max_pixels)
    pixels = decoded_pixels(path, dicom)
    if pixels is not None and pixels > max_pixels:
        raise ImageRejected(
            RejectReason.TOO_LARGE, f"{path}: {pixels:,} pixels from the header, over image.max_pixels {max_pixels:,}"
        )
