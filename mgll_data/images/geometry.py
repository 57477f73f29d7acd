"""Geometry as recorded policy: a crop window in original pixels, one scale, and a paste offset.

Every stored image is `stored = (original - crop) * scale + pad`, so boxes and masks map both ways
with the row's `geometry` struct alone. The crop window may extend past the image (a fundus field cut
by the frame, padded to a square); the part outside is filled with black.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image

from mgll_data.config_io import JsonObject
from mgll_data.images.policy import ImagePolicy

RESAMPLING = {
    "lanczos": Image.Resampling.LANCZOS,
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "area": Image.Resampling.BOX,
    "nearest": Image.Resampling.NEAREST,
}
DCT_REDUCTIONS = (1, 2, 4, 8)  # the scales a JPEG decoder can reduce to while decoding (Pillow `draft`)


@dataclass(frozen=True)
class Geometry:
    """The record's `geometry` struct plus the stored size it implies."""

    policy: str
    orig_width: int
    orig_height: int
    crop_x: int
    crop_y: int
    crop_width: int
    crop_height: int
    scale: float
    pad_left: int
    pad_top: int
    resample: str
    out_width: int
    out_height: int

    def record(self) -> JsonObject:
        """The fields of the record's `geometry` column (schema GEOMETRY_TYPE)."""
        fields = asdict(self)
        del fields["out_width"], fields["out_height"]
        return fields


def plan_geometry(
    orig_size: tuple[int, int], policy: ImagePolicy, window: tuple[int, int, int, int] | None = None
) -> Geometry:
    """Where the stored pixels come from: `window` (x, y, w, h; default the whole image) fitted to the
    policy: `letterbox` scales the longer side to `size` and centres it, `shorter_side` takes the centred
    square of the shorter side, `none` keeps the window's pixels one to one."""
    width, height = orig_size
    x, y, w, h = window or (0, 0, width, height)
    if policy.geometry == "shorter_side":
        side = min(w, h)
        x, y, w, h = x + (w - side) // 2, y + (h - side) // 2, side, side
    if policy.geometry == "none" or policy.size is None:
        scale, out_w, out_h, pad_left, pad_top = 1.0, w, h, 0, 0
    else:
        scale = policy.size / max(w, h)
        out_w = out_h = policy.size
        pad_left = (policy.size - max(1, round(w * scale))) // 2
        pad_top = (policy.size - max(1, round(h * scale))) // 2
    return Geometry(policy.geometry, width, height, x, y, w, h, scale, pad_left, pad_top, policy.resample, out_w, out_h)


def max_reduction(geometry: Geometry) -> int:
    """The coarsest JPEG DCT reduction (1, 2, 4 or 8) that still leaves at least one decoded pixel per stored
    pixel, so the resize from the reduced decode only ever shrinks."""
    return max(r for r in DCT_REDUCTIONS if r * geometry.scale <= 1 or r == 1)


def render(image: Image.Image, geometry: Geometry, reduction: int = 1) -> Image.Image:
    """The stored image: the window's visible part resized by `scale` and pasted at the padding offset.

    `image` may be a decode reduced by `reduction` (original pixel x is image pixel x / reduction)."""
    part, origin = resize_window(image, geometry, reduction)
    return place(part, origin, geometry)


def resize_window(image: Image.Image, geometry: Geometry, reduction: int = 1) -> tuple[Image.Image, tuple[int, int]]:
    """The window's visible part at stored scale, and where its top-left corner goes in the stored image."""
    g = geometry
    if reduction == 1 and (g.crop_x, g.crop_y, g.crop_width, g.crop_height) == (0, 0, *image.size) and g.scale == 1.0:
        return image, (0, 0)
    left, top = max(g.crop_x, 0), max(g.crop_y, 0)
    right, bottom = min(g.crop_x + g.crop_width, g.orig_width), min(g.crop_y + g.crop_height, g.orig_height)
    x0, y0 = g.pad_left + round((left - g.crop_x) * g.scale), g.pad_top + round((top - g.crop_y) * g.scale)
    x1, y1 = g.pad_left + round((right - g.crop_x) * g.scale), g.pad_top + round((bottom - g.crop_y) * g.scale)
    x1, y1 = min(max(x1, x0 + 1), g.out_width), min(max(y1, y0 + 1), g.out_height)
    if reduction == 1 and g.scale == 1.0 and (x1 - x0, y1 - y0) == (right - left, bottom - top):
        return image.crop((left, top, right, bottom)), (x0, y0)
    box = (left / reduction, top / reduction, right / reduction, bottom / reduction)
    return image.resize((x1 - x0, y1 - y0), RESAMPLING[g.resample], box=box), (x0, y0)


def place(part: Image.Image, origin: tuple[int, int], geometry: Geometry) -> Image.Image:
    """Paste the resized part on a black canvas of the stored size (no canvas when it fills it)."""
    if origin == (0, 0) and part.size == (geometry.out_width, geometry.out_height):
        return part
    canvas = Image.new(part.mode, (geometry.out_width, geometry.out_height))
    canvas.paste(part, origin)
    return canvas


def map_box_to_stored(box: Sequence[float], geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in original pixels to stored-image pixels, using a row's `geometry`."""
    scale = geometry["scale"]
    x0, y0, x1, y1 = box
    return (
        (x0 - geometry["crop_x"]) * scale + geometry["pad_left"],
        (y0 - geometry["crop_y"]) * scale + geometry["pad_top"],
        (x1 - geometry["crop_x"]) * scale + geometry["pad_left"],
        (y1 - geometry["crop_y"]) * scale + geometry["pad_top"],
    )


def map_box_to_original(box: Sequence[float], geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in stored-image pixels back to original pixels (inverse of map_box_to_stored)."""
    scale = geometry["scale"]
    x0, y0, x1, y1 = box
    return (
        (x0 - geometry["pad_left"]) / scale + geometry["crop_x"],
        (y0 - geometry["pad_top"]) / scale + geometry["crop_y"],
        (x1 - geometry["pad_left"]) / scale + geometry["crop_x"],
        (y1 - geometry["pad_top"]) / scale + geometry["crop_y"],
    )
