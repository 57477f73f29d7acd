"""Picture files (PNG 8/16 bit, JPEG, TIFF, BMP, ...) to display pixels, through Pillow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mgll_data.images import intensity
from mgll_data.images.decoded import DecodedImage
from mgll_data.images.policy import ImagePolicy
from mgll_data.images.rejects import ImageRejected, RejectReason

HIGH_DEPTH_GRAY = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
ORIENTATION = 0x0112  # the EXIF tag; 1 means upright


def read_picture(
    path: Path, policy: ImagePolicy, reduction_for: Callable[[tuple[int, int]], int] | None = None
) -> DecodedImage:
    """Decode fully (so truncation surfaces here), honour EXIF orientation, keep gray or RGB.

    `reduction_for(full size)` names the coarsest reduction the output can afford; an upright JPEG is then
    decoded at that DCT scale (1/2, 1/4, 1/8), which skips most of the decoding and of the resize after it."""
    full_size, reduction = None, 1
    try:
        with Image.open(path) as opened:
            if reduction_for is not None and opened.format == "JPEG" and _upright(opened):
                full_size, reduction = opened.size, _draft(opened, reduction_for(opened.size))
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
        return DecodedImage(gray, {"bit_depth": policy.bit_depth}, reduction=reduction, full_size=full_size)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return DecodedImage(rgb, {"bit_depth": 8}, intensity="color", reduction=reduction, full_size=full_size)


def _upright(opened: Image.Image) -> bool:
    """No EXIF rotation to apply (a reduced decode is mapped back to the original assuming no transpose)."""
    return opened.getexif().get(ORIENTATION, 1) == 1


def _draft(opened: Image.Image, reduction: int) -> int:
    """Ask the JPEG decoder for 1/reduction scale; return the reduction it will actually apply."""
    if reduction <= 1:
        return 1
    width, height = opened.size
    opened.draft(None, (max(1, width // reduction), max(1, height // reduction)))
    return -(-width // opened.size[0])


def _palette_is_gray(image: Image.Image) -> bool:
    palette = np.asarray(image.getpalette() or [0, 0, 0], dtype=np.int32).reshape(-1, 3)
    return bool((palette[:, 0] == palette[:, 1]).all() and (palette[:, 1] == palette[:, 2]).all())


def _high_depth_gray(values: np.ndarray, policy: ImagePolicy) -> DecodedImage:
    """A 16-bit (or 32-bit) grayscale file has no window: `dicom_window` falls back to its data range.

    The range comes from every pixel; it is applied after the resize (`to_display`)."""
    if policy.dicom_intensity == "percentile":
        to_unit, how = intensity.data_range(values, policy.percentiles), "percentile"
    else:
        to_unit = intensity.data_range(values)
        how = "minmax" if policy.dicom_intensity == "minmax" else "minmax_no_window"
    return DecodedImage(
        image=intensity.values_image(values),
        attributes={"bit_depth": policy.bit_depth},
        intensity=how,
        to_display=lambda image: intensity.display_image(to_unit(np.asarray(image)), policy.bit_depth),
    )
