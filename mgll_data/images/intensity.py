"""From modality values to display intensities in [0, 1], and from those to 8 or 16 bit integers.

Pure numpy functions, one per step of DICOM PS3.3 C.11.2 (VOI LUT Function), so each can be checked
against hand-computed values. All outputs are float32 in [0, 1]; quantisation happens once, at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from PIL import Image


def window_linear(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """VOI LUT Function LINEAR (the default): DICOM's half-pixel-shifted ramp of `width - 1` steps."""
    if width <= 1:
        return (values > center - 0.5).astype(np.float32)
    unit = (values.astype(np.float32) - (center - 0.5)) / (width - 1) + 0.5
    return np.clip(unit, 0.0, 1.0, out=unit)


def window_linear_exact(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """VOI LUT Function LINEAR_EXACT: a ramp of exactly `width` centred on `center`."""
    unit = (values.astype(np.float32) - center) / width + 0.5
    return np.clip(unit, 0.0, 1.0, out=unit)


def window_sigmoid(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """VOI LUT Function SIGMOID: 1 / (1 + exp(-4 (x - c) / w))."""
    return (1.0 / (1.0 + np.exp(-4.0 * (values.astype(np.float32) - center) / width))).astype(np.float32)


WINDOW_FUNCTIONS = {"LINEAR": window_linear, "LINEAR_EXACT": window_linear_exact, "SIGMOID": window_sigmoid}


def scale_range(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map [low, high] linearly onto [0, 1], clipping outside; a constant image becomes all zeros."""
    if high <= low:
        return np.zeros(values.shape, dtype=np.float32)
    unit = (values.astype(np.float32) - np.float32(low)) * np.float32(1.0 / (high - low))
    return np.clip(unit, 0.0, 1.0, out=unit)


def data_range(
    values: np.ndarray, percentiles: tuple[float, float] | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """`scale_range` over this image's minimum and maximum (minimum subtracted, unlike a plain 255/max) or,
    robust to burnt-in labels and collimator edges, over the given percentiles of it. The bounds are read
    from every pixel now, so the returned mapping may be applied to a resized copy later."""
    low, high = np.percentile(values, percentiles) if percentiles else (values.min(), values.max())
    return partial(scale_range, low=float(low), high=float(high))


def quantise(unit: np.ndarray, bits: int) -> np.ndarray:
    """[0, 1] floats to unsigned integers of `bits` (8 or 16), rounding to nearest."""
    top = (1 << bits) - 1
    scaled = unit * np.float32(top) + np.float32(0.5)
    return scaled.astype(np.uint8 if bits == 8 else np.uint16)


def values_image(values: np.ndarray) -> Image.Image:
    """Grayscale values as a Pillow image Pillow can resize without rounding them: unsigned 16-bit as
    I;16, other integers as 32-bit I, anything else as 32-bit float F."""
    if values.dtype == np.uint16:
        return Image.fromarray(values)
    if values.dtype.kind in "iu" and values.dtype.itemsize <= 4 and values.dtype != np.uint32:
        return Image.fromarray(values.astype(np.int32))
    return Image.fromarray(values.astype(np.float32))


def display_image(unit: np.ndarray, bits: int) -> Image.Image:
    """Intensities in [0, 1] as the stored 8-bit (L) or 16-bit (I;16) image."""
    return Image.fromarray(quantise(unit, bits))


def widen_8_to_16(gray: np.ndarray) -> np.ndarray:
    """8-bit values to 16 bits as x * 257, so 0 and 255 land exactly on 0 and 65535."""
    return gray.astype(np.uint16) * np.uint16(257)


def narrow_16_to_8(gray: np.ndarray) -> np.ndarray:
    """16-bit values to the nearest 8-bit value (the inverse of widen_8_to_16)."""
    return ((gray.astype(np.uint32) + 128) // 257).astype(np.uint8)


def luma8(image: Image.Image) -> np.ndarray:
    """8-bit brightness of a stored image (L, I;16 or RGB), for quality scores and perceptual hashes."""
    if image.mode == "I;16":
        return narrow_16_to_8(np.asarray(image))
    return np.asarray(image if image.mode == "L" else image.convert("L"))
