"""Measurements from annotation masks (optic disc / cup, lesions): masks become numbers, never row pixels.

Challenge sets ship small label images beside the photographs: REFUGE disc/cup BMPs (disc 128, cup 0, background
255), ORIGA / G1020 PNGs (0 background, 1 disc, 2 cup), PALM / ADAM lesion BMPs (lesion black on white). The
row keeps what a reader would say about them: a vertical cup-to-disc ratio, the disc centre, a lesion's share of
the image. Adapters call `read_mask` on the mask file only (the photograph itself is still decoded by the
worker); everything after reading is a pure function of the array.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from mgll_data.errors import MgllError


class MaskError(MgllError):
    """A mask file that cannot be read as a label image; the message names the file."""


def read_mask(path: Path) -> np.ndarray:
    """The mask as a 2-D uint8 array (colour masks are converted to gray; masks are label images, not photos)."""
    try:
        with Image.open(path) as opened:
            gray = opened.convert("L")
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise MaskError(f"{path}: expected a mask image Pillow can read ({error})") from None
    return np.asarray(gray)


def vertical_extent(region: np.ndarray) -> int:
    """Number of rows from the top to the bottom of a boolean region (0 when it is empty)."""
    rows = np.flatnonzero(region.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def vertical_cup_to_disc(disc: np.ndarray, cup: np.ndarray) -> float | None:
    """Vertical cup diameter over vertical disc diameter, rounded to 2 decimals; None without a disc."""
    disc_height = vertical_extent(disc | cup)
    if disc_height == 0:
        return None
    return round(vertical_extent(cup) / disc_height, 2)


def centroid(region: np.ndarray) -> list[float] | None:
    """[x, y] centre of mass of a boolean region in the mask's pixels; None when it is empty.

    From row and column counts rather than the coordinates of every pixel: a REFUGE mask has 4.4 million.
    """
    total = np.count_nonzero(region)
    if total == 0:
        return None
    per_column = np.count_nonzero(region, axis=0)
    per_row = np.count_nonzero(region, axis=1)
    x = float(per_column @ np.arange(per_column.size)) / total
    y = float(per_row @ np.arange(per_row.size)) / total
    return [round(float(x), 1), round(float(y), 1)]


def area_fraction(region: np.ndarray) -> float:
    """Share of the image a boolean region covers, rounded to 5 decimals."""
    return round(float(np.count_nonzero(region)) / region.size, 5) if region.size else 0.0


def disc_cup_regions(mask: np.ndarray, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """(disc, cup) boolean regions of a disc/cup mask; the disc region includes the cup.

    `scheme` "grey_levels": REFUGE-style, darker is inner (cup <= 100, disc <= 150, background white); thresholds
    in the middle of the gaps tolerate JPEG-like noise in re-saved copies. "label_values": ORIGA / G1020-style
    label values (1 disc, 2 cup, 0 background).
    """
    if scheme == "grey_levels":
        return mask <= 150, mask <= 100
    if scheme == "label_values":
        return mask >= 1, mask >= 2
    raise ValueError(f"unknown disc/cup mask scheme {scheme!r}")


def disc_cup_attributes(mask: np.ndarray, scheme: str) -> dict[str, object]:
    """Record attributes from a disc/cup mask: cup_to_disc_ratio, od_center (mask pixels = original pixels) and
    mask_area_fraction (the disc's share); empty when the mask shows no disc."""
    disc, cup = disc_cup_regions(mask, scheme)
    ratio = vertical_cup_to_disc(disc, cup)
    if ratio is None:
        return {}
    return {"cup_to_disc_ratio": ratio, "od_center": centroid(disc), "mask_area_fraction": area_fraction(disc)}


def dark_region(mask: np.ndarray) -> np.ndarray:
    """The foreground of a black-on-white mask (PALM / ADAM lesion and disc masks)."""
    return mask < 128


def read_contour(path: Path) -> np.ndarray:
    """An outline stored as text, one `x y` point per line (PAPILA expert contours), as an (n, 2) float array."""
    try:
        points = np.loadtxt(path, dtype=float, ndmin=2)
    except (OSError, ValueError) as error:
        raise MaskError(f"{path}: expected lines of 'x y' contour points ({error})") from None
    if points.shape[1] != 2 or len(points) < 3:
        raise MaskError(f"{path}: expected at least three 'x y' contour points, found shape {points.shape}")
    return points


def contour_cup_to_disc(disc: np.ndarray, cup: np.ndarray) -> float | None:
    """Vertical cup-to-disc ratio of two outlines (height of the cup's points over the disc's), 2 decimals."""
    disc_height = float(np.ptp(disc[:, 1]))
    return round(float(np.ptp(cup[:, 1])) / disc_height, 2) if disc_height > 0 else None
