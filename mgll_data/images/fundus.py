"""The fundus field of view: the bright disc a fundus camera records inside its dark (or white) surround.

Found by fitting a circle (RANSAC, then least squares) to the left/right and top/bottom edges of the
image on a reduced copy, thresholded by colour distance from the surround seen in the corners. Edges on
the image border are left out, so photos already cropped through the disc still fit; outliers from
notches and text overlays are rejected by the consensus step. A photo whose corners show no surround
is a field that fills the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from mgll_data.images.intensity import luma8

ANALYSIS_SIDE = 320  # the reduced copy's longer side: enough for a sub-percent radius, ~1 ms per image
MIN_THRESHOLD, MAX_THRESHOLD = 8, 40  # colour distance (0-255) separating the surround from the field
DARK_SURROUND, LIGHT_SURROUND = 40, 200  # a corner this dark (every channel) or this light is surround
RANSAC_TRIALS = 300
SCORING_POINTS = 300  # edge points each candidate circle is scored on
MIN_INLIER_SHARE = 0.35  # of edge points within tolerance of the circle
MIN_INSIDE_BRIGHT = 0.8  # share of bright pixels inside the circle
MAX_OUTSIDE_BRIGHT = 0.15  # share of bright pixels outside it (text overlays, flare)


@dataclass(frozen=True)
class Field:
    """A circle in original pixel coordinates; `fills_frame` means no surround was visible at all."""

    cx: float
    cy: float
    radius: float
    fills_frame: bool = False


def find_field(image: Image.Image) -> Field | None:
    """The field of view of an RGB or gray fundus photo, or None when no convincing circle exists."""
    factor = max(1, -(-max(image.size) // ANALYSIS_SIDE))
    if image.mode == "I;16":  # a 16-bit grayscale (red-free) photo; Pillow cannot reduce that mode
        image = Image.fromarray(luma8(image))
    reduced = image.reduce(factor) if factor > 1 else image
    small = np.asarray(reduced.convert("RGB")).astype(np.int16)
    surround = surround_colour(small)
    if surround is None:
        width, height = image.size
        return Field(width / 2, height / 2, max(width, height) / 2, fills_frame=True)
    distance = np.abs(small - surround).max(axis=2).astype(np.uint8)
    lit = Image.fromarray(((distance > _threshold(distance)) * 255).astype(np.uint8))
    bright = np.asarray(lit.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))) > 0
    points = edge_points(bright)
    if len(points) < 12:
        return None
    circle = fit_circle(points, tolerance=max(1.5, 0.01 * max(bright.shape)), min_radius=0.15 * min(bright.shape))
    if circle is None or not _plausible(bright, *circle):
        return None
    cx, cy, radius = circle
    return Field((cx + 0.5) * factor, (cy + 0.5) * factor, (radius + 0.5) * factor)


def surround_colour(rgb: np.ndarray) -> np.ndarray | None:
    """The colour of the camera's surround, read from the corners: near black (the usual) or near white
    (some atlases); None when no corner shows it, i.e. the photo was cropped inside the disc."""
    side = max(2, min(rgb.shape[:2]) // 20)
    corners = (rgb[:side, :side], rgb[:side, -side:], rgb[-side:, :side], rgb[-side:, -side:])
    medians = [np.median(corner.reshape(-1, 3), axis=0) for corner in corners]
    surround = [m for m in medians if m.max() <= DARK_SURROUND or (m.min() >= LIGHT_SURROUND and np.ptp(m) <= 30)]
    return np.median(np.stack(surround), axis=0).astype(np.int16) if surround else None


def _threshold(distance: np.ndarray) -> float:
    """Half of Otsu's threshold on the distance from the surround, bounded: the field's rim can be dim."""
    histogram = np.bincount(distance.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    total, grand = weight[-1], mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (grand * weight - mean * total) ** 2 / (weight * (total - weight))
    otsu = float(np.nanargmax(between[:-1])) if np.isfinite(between[:-1]).any() else 2 * MIN_THRESHOLD
    return float(np.clip(otsu / 2, MIN_THRESHOLD, MAX_THRESHOLD))


def edge_points(bright: np.ndarray) -> np.ndarray:
    """First and last bright pixel of every row and column, leaving out those on the image border."""
    height, width = bright.shape
    points = []
    for mask, length, transpose in ((bright, width, False), (bright.T, height, True)):
        lit = mask.any(axis=1)
        index = np.nonzero(lit)[0]
        first = mask.argmax(axis=1)[lit]
        last = length - 1 - mask[:, ::-1].argmax(axis=1)[lit]
        for edge in (first, last):
            keep = (edge > 0) & (edge < length - 1)
            pairs = np.stack([edge[keep], index[keep]], axis=1)
            points.append(pairs[:, ::-1] if transpose else pairs)
    return np.concatenate(points).astype(np.float64)


def fit_circle(points: np.ndarray, tolerance: float, min_radius: float) -> tuple[float, float, float] | None:
    """Consensus circle through (x, y) points, refined by least squares on its inliers."""
    rng = np.random.default_rng(0)
    triples = points[rng.integers(0, len(points), size=(RANSAC_TRIALS, 3))]
    (ax, ay), (bx, by), (qx, qy) = triples[:, 0].T, triples[:, 1].T, triples[:, 2].T
    d = 2 * (ax * (by - qy) + bx * (qy - ay) + qx * (ay - by))
    valid = np.abs(d) > 1e-6
    a2, b2, q2 = ax**2 + ay**2, bx**2 + by**2, qx**2 + qy**2
    with np.errstate(divide="ignore", invalid="ignore"):
        ux = (a2 * (by - qy) + b2 * (qy - ay) + q2 * (ay - by)) / d
        uy = (a2 * (qx - bx) + b2 * (ax - qx) + q2 * (bx - ax)) / d
    radius = np.hypot(ax - ux, ay - uy)
    valid &= radius >= min_radius
    if not valid.any():
        return None
    ux, uy, radius = ux[valid], uy[valid], radius[valid]
    sample = points[:: max(1, len(points) // SCORING_POINTS)]
    distances = np.hypot(sample[None, :, 0] - ux[:, None], sample[None, :, 1] - uy[:, None])
    support = (np.abs(distances - radius[:, None]) < tolerance).sum(axis=1)
    best = int(support.argmax())
    circle = (ux[best], uy[best], radius[best])
    for _ in range(3):
        inliers = points[np.abs(np.hypot(*(points - circle[:2]).T) - circle[2]) < tolerance]
        if len(inliers) < max(12, MIN_INLIER_SHARE * len(points)):
            return None
        circle = _least_squares_circle(inliers)
    return circle if circle[2] >= min_radius else None


def _least_squares_circle(points: np.ndarray) -> tuple[float, float, float]:
    """Algebraic (Kasa) fit: x^2 + y^2 = 2 a x + 2 b y + c."""
    x, y = points[:, 0], points[:, 1]
    design = np.stack([2 * x, 2 * y, np.ones_like(x)], axis=1)
    (a, b, c), *_ = np.linalg.lstsq(design, x**2 + y**2, rcond=None)
    return float(a), float(b), float(np.sqrt(max(c + a * a + b * b, 0.0)))


def _plausible(bright: np.ndarray, cx: float, cy: float, radius: float) -> bool:
    """The disc is mostly lit and the surround mostly dark, within the visible frame."""
    height, width = bright.shape
    yy, xx = np.ogrid[:height, :width]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
    if inside.sum() < 0.1 * bright.size:
        return False
    outside = ~inside
    inside_share = bright[inside].mean()
    outside_share = bright[outside].mean() if outside.any() else 0.0
    return bool(inside_share >= MIN_INSIDE_BRIGHT and outside_share <= MAX_OUTSIDE_BRIGHT)


def field_mask(shape: tuple[int, int], cx: float, cy: float, radius: float) -> np.ndarray:
    """Boolean (H, W) mask of the pixels whose centres lie inside the circle."""
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    return (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= radius**2


def blur_score(gray: np.ndarray, mask: np.ndarray | None = None, taps: int = 9) -> float:
    """Re-blur blur estimate in [0, 1] (Crete et al., 2007): 0 sharp, 1 fully blurred.

    Compares neighbour differences before and after a 9-tap box blur (edges repeated), along rows and
    columns; a sharp image loses much of its variation when blurred, an already blurred one hardly any.
    A neighbour difference of the blurred image is (p[i + taps] - p[i]) / taps over the edge-padded row
    p, so everything is counted exactly in integers, scaled by `taps`, without blurring at all.
    """
    values = gray.astype(np.int16)
    scores = []
    for axis in (0, 1):
        pad = [(taps // 2, taps // 2) if a == axis else (0, 0) for a in range(2)]
        padded = np.pad(values, pad, mode="edge")
        change = np.abs(np.diff(values, axis=axis)) * np.int16(taps)
        ahead = padded[taps:] if axis == 0 else padded[:, taps:]
        behind = padded[:-taps] if axis == 0 else padded[:, :-taps]
        lost = change - np.abs(ahead - behind)
        np.maximum(lost, 0, out=lost)
        both: np.ndarray | bool = True
        if mask is not None:
            both = mask[1:, :] & mask[:-1, :] if axis == 0 else mask[:, 1:] & mask[:, :-1]
        total = int(np.sum(change, where=both, dtype=np.int64))
        kept = total - int(np.sum(lost, where=both, dtype=np.int64))
        scores.append(kept / total if total > 0 else 1.0)
    return max(scores)


def exposure_score(gray: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean brightness in [0, 1] inside the field (0.5 is mid-grey); flags under- and over-exposure."""
    values = gray[mask] if mask is not None else gray
    return float(values.mean()) / 255.0 if values.size else 0.0
