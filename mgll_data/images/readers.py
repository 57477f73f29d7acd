"""Picture files (PNG 8/16 bit, JPEG, TIFF, BMP, ...) to display pixels, through Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mgll_data.images import intensity
from mgll_data.images.decoded import DecodedImage
from mgll_data.images.policy import ImagePolicy
from mgll_data.images.rejects import ImageRejected, RejectReason

HIGH_DEPTH_GRAY = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
ORIENTATION = 0x0112  # the EXIF tag; 1 means upright


def read_picture(path: Path, policy: ImagePolicy) -> DecodedImage:
    """Decode fully (so truncation surfaces here), honour EXIF orientation, keep gray or RGB."""
    try:
        with Image.open(path) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened) if opened.getexif().get(ORIENTATION, 1) != 1 else opened
    except UnidentifiedImageError as error:
        raise ImageRejected(RejectReason.UNREADABLE, f"{path}: not a picture format Pillow can read") from error
    except (OSError, SyntaxError, ValueError) as error:
        message = str(error)
        reason = RejectReason.TRUNCATED if "truncated" in message.lower() else RejectReason.UNREADABLE
        raise ImageRejected(reason, f"{path}: {message}") from error
    except Image.DecompressionBombError as error:
        raise ImageRejected(RejectReason.UNREADABLE, f"{path}: {error}") from error
    if image.width == 0 or image.height == 0:
        raise ImageRejected(RejectReason.EMPTY_IMAGE, str(path))
    if image.mode in HIGH_DEPTH_GRAY:
        return _high_depth_gray(np.asarray(image), policy)
    if image.mode in ("1", "L", "LA") or (image.mode == "P" and _palette_is_gray(image)):
        gray = image if image.mode == "L" else image.convert("L")
        if policy.bit_depth == 16:
            gray = Image.fromarray(intensity.widen_8_to_16(np.asarray(gray)))
        return DecodedImage(image=gray, attributes={"bit_depth": policy.bit_depth})
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return DecodedImage(image=rgb, attributes={"bit_depth": 8}, intensity="color")


def _palette_is_gray(image: Image.Image) -> bool:
    palette = np.asarray(image.getpalette() or [0, 0, 0], dtype=np.int32).reshape(-1, 3)
    return bool((palette[:, 0] == palette[:, 1]).all() and (palette[:, 1] == palette[:, 2]).all())


def _high_depth_gray(values: np.ndarray, policy: ImagePolicy) -> DecodedImage:
    """A 16-bit (or 32-bit) grayscale file has no window: `dicom_window` falls back to its data range."""
    if policy.dicom_intensity == "percentile":
        unit, how = intensity.percentile(values, *policy.percentiles), "percentile"
    elif policy.dicom_intensity == "minmax":
        unit, how = intensity.minmax(values), "minmax"
    else:
        unit, how = intensity.minmax(values), "minmax_no_window"
    pixels = Image.fromarray(intensity.quantise(unit, policy.bit_depth))
    return DecodedImage(image=pixels, attributes={"bit_depth": policy.bit_depth}, intensity=how)
