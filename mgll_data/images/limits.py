"""Resource guards read from file headers, before any pixel is decoded.

A small file can decode to gigabytes (a deflated DICOM of zeros, a PNG of one colour): the decoded size
is known from the header (DICOM Rows x Columns x frames, a picture's width x height x frames), so an
image over the recipe's `image.max_pixels` is rejected before its pixels exist in memory.
"""

from __future__ import annotations

from pathlib import Path

import pydicom
from PIL import Image, UnidentifiedImageError

from mgll_data.images.rejects import ImageRejected, RejectReason

DICOM_SIZE_TAGS = ("Rows", "Columns", "NumberOfFrames")


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


def check_decoded_size(path: Path, dicom: bool, max_pixels: int) -> None:
    """Raise `too_large` when the header promises more than `max_pixels` decoded pixels."""
    pixels = decoded_pixels(path, dicom)
    if pixels is not None and pixels > max_pixels:
        raise ImageRejected(
            RejectReason.TOO_LARGE, f"{path}: {pixels:,} pixels from the header, over image.max_pixels {max_pixels:,}"
        )
